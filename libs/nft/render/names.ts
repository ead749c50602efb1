// Deterministic, self-explaining object names. Ids are DNS labels (at most 63
// characters) and addresses canonical literals, so the longest generated name,
// `ep-<63>-sctp-65535-<39-char ipv6>-65535`, is 124 characters: far below the
// kernel's 255. IPv6 colons are not allowed in nft identifiers: they become `-`
// (`2001:db8::11` -> `2001-db8--11`), which stays unique for canonical input.
import type { IpFamily } from "./addresses.ts";
import type { Protocol } from "../../domain/model.ts";
import { flat } from "./flat.ts";

/** Prefixes of generated chains and sets; settings names must not use them. */
export const GENERATED_PREFIXES = ["svc-", "ep-", "aff-", "pod-", "pol-"] as const;

/** Verdict map: `daddr . l4proto . dport` -> goto service chain. */
export function serviceMapName(family: IpFamily): string {
  return `service-ips-${family}`;
}

/** Set of `vip . l4proto . port` whose masquerading differs from the gateway default. */
export function snatOverrideSetName(family: IpFamily): string {
  return `snat-overrides-${family}`;
}

/** Verdict map: endpoint address -> goto its pod chain (filter table). */
export function policyTargetMapName(family: IpFamily): string {
  return `policy-targets-${family}`;
}

// The tails `-tcp-80-v4` (chain names) and ` . tcp . 80` (dispatch keys) repeat
// across services: each is built once, flat, so a name or key is one
// concatenation instead of a rope of seven pieces (~2 MiB less allocated per full
// render of 10,000 services). Bounded: past MAX_TAILS they are built every time.
const MAX_TAILS = 4096;
const TAILS = new Map<number, string>();
const PROTOCOL_INDEX: Record<Protocol, number> = { tcp: 0, udp: 1, sctp: 2 };

function tailKey(protocol: Protocol, port: number, kind: 0 | 1 | 2): number {
  return (PROTOCOL_INDEX[protocol] * 65536 + port) * 3 + kind;
}

function keep(key: number, tail: string): string {
  if (TAILS.size < MAX_TAILS) TAILS.set(key, flat(tail));
  return tail;
}

/** Chain of one service port for one address family, e.g. `svc-web-tcp-80-v4`. */
export function serviceChainName(
  serviceId: string,
  protocol: Protocol,
  port: number,
  family: IpFamily,
): string {
  const key = tailKey(protocol, port, family === "v4" ? 1 : 2);
  const tail = TAILS.get(key) ?? keep(key, `-${protocol}-${port}-${family}`);
  return "svc-" + serviceId + tail;
}

/** Key of a dispatch map element, e.g. `192.0.2.1 . tcp . 80`. */
export function dispatchKey(vip: string, protocol: Protocol, port: number): string {
  const key = tailKey(protocol, port, 0);
  return vip + (TAILS.get(key) ?? keep(key, ` . ${protocol} . ${port}`));
}

/**
 * Affinity map of one service chain and one endpoint target port, e.g.
 * `aff-web-tcp-80-v4-8080` (client address -> endpoint address).
 */
export function affinityMapName(
  serviceId: string,
  protocol: Protocol,
  port: number,
  family: IpFamily,
  targetPort: number,
): string {
  return `aff-${serviceId}-${protocol}-${port}-${family}-${targetPort}`;
}

/** `2001:db8::11` -> `2001-db8--11`; IPv4 unchanged. */
export function addressToken(address: string): string {
  return address.replaceAll(":", "-");
}

/** Endpoint chain used by source-hash, e.g. `ep-web-tcp-80-192.0.2.11-8080`. */
export function endpointChainName(
  serviceId: string,
  protocol: Protocol,
  port: number,
  address: string,
  targetPort: number,
): string {
  return `ep-${serviceId}-${protocol}-${port}-${addressToken(address)}-${targetPort}`;
}

/** Policy chain of one endpoint address, e.g. `pod-192.0.2.11`. */
export function podChainName(address: string): string {
  return `pod-${addressToken(address)}`;
}

/** Chain holding the allow rules of one policy, e.g. `pol-web-backends`. */
export function policyChainName(policyId: string): string {
  return `pol-${policyId}`;
}
