// Endpoint selection inside a service chain, with no data-map lookup per service
// (those make loads super-linear, see README): one rule per endpoint.
//
// round-robin: rule i is `numgen inc mod R_i < w_i`, R_i = sum of the weights of
//   endpoints i..N. Rule i sees exactly R_i of every W = R_1 new flows and its own
//   counter cycles with period R_i, so it takes exactly w_i of every W: an exact
//   weighted round-robin. The last rule is unconditional.
// random: the same chain with `numgen random`: P(i) = w_i / W.
// source-hash: one anonymous verdict map `jhash … mod M seed S vmap { slot : goto ep-… }`
//   filled from a Maglev table (maglev.ts), to per-endpoint chains.
import type { Protocol, Scheduler } from "../../domain/model.ts";
import type { IpFamily } from "./addresses.ts";
import { flat } from "./flat.ts";
import { maglevSize, maglevTable } from "./maglev.ts";

/** Fixed jhash seed: the same on every gateway, so all pick the same slot for a flow. */
export const SOURCE_HASH_SEED = 0x6c626173;

/** A selectable endpoint of one family, with its resolved target port. */
export interface Target {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Chain used by source-hash to reach this endpoint. */
  readonly chain: string;
}

/** A chain that selection rules jump to (source-hash endpoint chains). */
export interface EndpointChain {
  readonly name: string;
  readonly rules: string[];
}

function ipKeyword(family: IpFamily): "ip" | "ip6" {
  return family === "v4" ? "ip" : "ip6";
}

/** `dnat ip to 192.0.2.11:8080` / `dnat ip6 to [2001:db8::11]:8080`. */
export function dnatStatement(family: IpFamily, address: string, port: number): string {
  return family === "v4" ? `dnat ip to ${address}:${port}` : `dnat ip6 to [${address}]:${port}`;
}

/**
 * Affinity maps of a service chain, one per distinct endpoint target port
 * (client address -> endpoint address). One map per port rather than a map to
 * `address . port`: nft 1.0.6 aborts (netlink_linearize.c assertion) on a
 * packet-path update whose data is `ipv6_addr . inet_service`.
 */
export type AffinityMaps = ReadonlyMap<number, string> | null;

/** Records the chosen endpoint in the affinity map (first flow of a client). */
function affinityUpdate(family: IpFamily, maps: AffinityMaps, t: Target): string {
  const map = maps?.get(t.port);
  return map === undefined ? "" : `update @${map} { ${ipKeyword(family)} saddr : ${t.address} } `;
}

/**
 * The affinity hit rule of one map: a client found in it keeps its endpoint. The
 * `update` only refreshes the timeout of the existing element (the kernel never
 * overwrites the value of an existing element on update; the placeholder value
 * would be stored only for a missing key, which the membership test rules out).
 */
export function affinityHitRule(
  family: IpFamily,
  protocol: Protocol,
  map: string,
  targetPort: number,
): string {
  const ip = ipKeyword(family);
  const placeholder = family === "v4" ? "0.0.0.0" : "::";
  return (
    `${ip} saddr @${map} update @${map} { ${ip} saddr : ${placeholder} } ` +
    `meta l4proto ${protocol} dnat ${ip} to ${ip} saddr map @${map} : ${targetPort}`
  );
}

function endpointAction(family: IpFamily, maps: AffinityMaps, t: Target): string {
  const dnat = dnatStatement(family, t.address, t.port);
  return maps === null ? dnat : affinityUpdate(family, maps, t) + dnat;
}

/** `meta l4proto <protocol>` (and the numgen heads) without building them for every rule. */
const L4: Record<Protocol, string> = {
  tcp: "meta l4proto tcp",
  udp: "meta l4proto udp",
  sctp: "meta l4proto sctp",
};
const INC: Record<Protocol, string> = {
  tcp: "meta l4proto tcp numgen inc mod ",
  udp: "meta l4proto udp numgen inc mod ",
  sctp: "meta l4proto sctp numgen inc mod ",
};
const RANDOM: Record<Protocol, string> = {
  tcp: "meta l4proto tcp numgen random mod ",
  udp: "meta l4proto udp numgen random mod ",
  sctp: "meta l4proto sctp numgen random mod ",
};

/** Largest `numgen … mod R` whose rule heads are kept (services rarely have more endpoints). */
const CACHED_MODULUS = 32;
/** Rule heads `<head>R < w ` by head, then R * 101 + w; filled on first use. */
const NUMGEN_HEADS = new Map<string, string[]>();

/**
 * `<head><modulus> < <weight> ` as one flat string: built once for small values,
 * so that a selection rule is that head plus its action (fewer intermediate
 * string pieces for 40,000 rules at 10,000 services).
 */
function numgenHead(head: string, modulus: number, weight: number): string {
  if (modulus > CACHED_MODULUS) return `${head}${modulus} < ${weight} `;
  let heads = NUMGEN_HEADS.get(head);
  if (heads === undefined) NUMGEN_HEADS.set(head, (heads = []));
  const k = modulus * 101 + weight;
  return (heads[k] ??= flat(`${head}${modulus} < ${weight} `));
}

/**
 * The selection rules for `targets` (non-empty, sorted) with the given
 * scheduler, in an array of exactly their number. `affinityMaps` names the
 * service chain's affinity maps by target port, or null.
 */
export function selectionRules(
  scheduler: Scheduler,
  family: IpFamily,
  protocol: Protocol,
  targets: readonly Target[],
  affinityMaps: AffinityMaps,
): string[] {
  const last = targets.length - 1;
  if (last > 0 && scheduler === "source-hash") return [sourceHashRule(family, targets)];
  const rules = new Array<string>(targets.length);
  if (last > 0) {
    const head = scheduler === "random" ? RANDOM[protocol] : INC[protocol];
    let remaining = 0;
    for (const t of targets) remaining += t.weight;
    for (let i = 0; i < last; i++) {
      const t = targets[i] as Target;
      rules[i] = numgenHead(head, remaining, t.weight) + endpointAction(family, affinityMaps, t);
      remaining -= t.weight;
    }
  }
  rules[last] = `${L4[protocol]} ${endpointAction(family, affinityMaps, targets[last] as Target)}`;
  return rules;
}

/** The chains the selection rules jump to: one per target for source-hash, else none. */
export function endpointChains(
  scheduler: Scheduler,
  family: IpFamily,
  protocol: Protocol,
  targets: readonly Target[],
  affinityMaps: AffinityMaps,
): EndpointChain[] | null {
  if (scheduler !== "source-hash" || targets.length < 2) return null;
  return targets.map((t) => ({
    name: t.chain,
    rules: [`${L4[protocol]} ${endpointAction(family, affinityMaps, t)}`],
  }));
}

function sourceHashRule(family: IpFamily, targets: readonly Target[]): string {
  const size = maglevSize(targets.length);
  const table = maglevTable(
    targets.map((t) => ({ key: `${t.address}/${t.port}`, weight: t.weight })),
    size,
  );
  const elements = table.map((index, slot) => `${slot} : goto ${(targets[index] as Target).chain}`);
  const seed = `0x${SOURCE_HASH_SEED.toString(16).padStart(8, "0")}`;
  return `jhash ${ipKeyword(family)} saddr . th sport mod ${size} seed ${seed} vmap { ${elements.join(", ")} }`;
}
