// One service's share of the NAT table: its chains (one per port and family,
// plus source-hash endpoint chains), its affinity maps, and the elements it adds
// to the shared dispatch map and SNAT override set. A fragment depends only on
// the service, its endpoints and the settings, so a gateway re-renders only the
// services that changed (render-state.ts) and the NAT table is the fragments
// put together (nat.ts).
import type { Endpoint, Protocol, ServicePort, ServiceSpec } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import { flat, flatAll } from "./flat.ts";
import { guardInt, guardObjectName } from "./guards.ts";
import type { ChainModel, SetModel } from "./model.ts";
import * as names from "./names.ts";
import { checkEndpoints, checkService } from "./service-check.ts";
import { affinityHitRule, endpointChains, selectionRules, type Target } from "./selection.ts";

const FAMILIES: readonly IpFamily[] = ["v4", "v6"];
const KEY_TYPE = { v4: "ipv4_addr", v6: "ipv6_addr" } as const;
const IP = { v4: "ip", v6: "ip6" } as const;
const AFFINITY_FLAGS: readonly string[] = ["dynamic", "timeout"];
/** Clients remembered per service port and family for session affinity. */
export const AFFINITY_MAP_SIZE = 262144;

/** An element of the dispatch map `service-ips-<family>`: `vip . proto . port` -> `goto chain`. */
export interface DispatchElement {
  readonly family: IpFamily;
  readonly key: string;
  readonly value: string;
}

/** A key of `snat-overrides-<family>` (the service's masquerading differs from the gateway's). */
export interface OverrideElement {
  readonly family: IpFamily;
  readonly key: string;
  readonly protocol: Protocol;
}

/** Everything one service contributes to the NAT table, in table order. */
export interface ServiceFragment {
  readonly id: string;
  /** Per port (sorted by protocol, port) and family: the service chain, then its endpoint chains. */
  readonly chains: readonly ChainModel[];
  /** Affinity maps, in the same order. */
  readonly sets: readonly SetModel[];
  readonly dispatch: readonly DispatchElement[];
  readonly overrides: readonly OverrideElement[];
}

const NONE: readonly never[] = [];
const FIRST_ONLY: readonly number[] = [0];

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byProtocolAndPort(a: ServicePort, b: ServicePort): number {
  return compare(a.protocol, b.protocol) || a.port - b.port;
}

/** The service being rendered and what its chains collect. */
// Lists start as one-element literals: `[]` followed by push() reserves 16 slots,
// and most services have one chain, one dispatch key and no affinity map.
interface Work {
  readonly svc: ServiceSpec;
  readonly endpoints: readonly Endpoint[];
  readonly endpointFamilies: readonly IpFamily[];
  chains: ChainModel[] | null;
  sets: SetModel[] | null;
}

/** Adds a chain; `name` has passed guardObjectName (whose regex also flattens it). */
function addChain(w: Work, name: string, rules: string[]): void {
  const chain: ChainModel = { name, base: null, rules: flatAll(rules) };
  if (w.chains === null) {
    w.chains = [chain];
    return;
  }
  for (const c of w.chains)
    if (c.name === name) throw new Error(`duplicate chain ${JSON.stringify(name)}`);
  w.chains.push(chain);
}

function addAffinityMap(
  w: Work,
  name: string,
  family: IpFamily,
  timeout: number,
  resetToken: string,
): void {
  guardObjectName("set", name);
  for (const s of w.sets ?? NONE)
    if (s.name === name) throw new Error(`duplicate set ${JSON.stringify(name)}`);
  (w.sets ??= []).push({
    name,
    kind: "map",
    keyType: KEY_TYPE[family],
    dataType: KEY_TYPE[family],
    flags: AFFINITY_FLAGS,
    timeoutSeconds: timeout,
    size: AFFINITY_MAP_SIZE,
    elements: new Map(),
    resetToken,
  });
}

/**
 * Renders one service with its endpoints under `settings`. Pure and
 * deterministic; throws RenderError (path `services["id"]…` or `endpoints["id"][i]…`)
 * when a value is not a strict literal, never for validated input. A service
 * with no vip of a family gets no chain of that family.
 */
export function serviceFragment(
  svc: ServiceSpec,
  endpoints: readonly Endpoint[],
  settings: GatewaySettings,
): ServiceFragment {
  const endpointFamilies = checkEndpoints(svc.id, endpoints);
  const families = checkService(svc);
  const override = (svc.snat ?? settings.enableSnat) !== settings.enableSnat;
  const vips =
    svc.vips.length !== 1
      ? svc.vips
          .map((_, i) => i)
          .sort((a, b) => compare(svc.vips[a] as string, svc.vips[b] as string))
      : FIRST_ONLY;
  const ports = svc.ports.length > 1 ? [...svc.ports].sort(byProtocolAndPort) : svc.ports;
  const w: Work = { svc, endpoints, endpointFamilies, chains: null, sets: null };
  let dispatch: DispatchElement[] | null = null;
  let overrides: OverrideElement[] | null = null;
  for (const port of ports)
    for (const family of FAMILIES) {
      let chain: string | null = null;
      let value = "";
      for (const i of vips) {
        if (families.vips[i] !== family) continue;
        if (chain === null) {
          chain = guardObjectName(
            "chain",
            names.serviceChainName(svc.id, port.protocol, port.port, family),
          ); // flattens it too
          value = `goto ${chain}`;
        }
        const key = flat(names.dispatchKey(svc.vips[i] as string, port.protocol, port.port));
        const d: DispatchElement = { family, key, value };
        if (dispatch === null) dispatch = [d];
        else dispatch.push(d);
        if (override) (overrides ??= []).push({ family, key, protocol: port.protocol });
      }
      if (chain === null) continue;
      let allowed: string[] | null = null;
      if (svc.sourceRanges.length > 0) {
        allowed = [];
        for (let i = 0; i < svc.sourceRanges.length; i++)
          if (families.ranges[i] === family) allowed.push(svc.sourceRanges[i] as string);
      }
      serviceChain(w, port, family, chain, allowed);
    }
  return {
    id: svc.id,
    chains: w.chains ?? NONE,
    sets: w.sets ?? NONE,
    dispatch: dispatch ?? NONE,
    overrides: overrides ?? NONE,
  };
}

/** The ready endpoints of `family` as targets (twins merged), in endpoint order. */
function targetsOf(w: Work, port: ServicePort, family: IpFamily): Target[] {
  // Two endpoints may resolve to the same address and port (one with `port`
  // equal to the service's targetPort, one without): they are one target, with
  // the sum of their weights. Endpoints arrive sorted by address, so such twins
  // are neighbours within a run of one address.
  const targets = new Array<Target>(w.endpoints.length); // trimmed to `n` below
  let n = 0;
  const sourceHash = w.svc.scheduler === "source-hash";
  let runStart = 0;
  for (let i = 0; i < w.endpoints.length; i++) {
    const e = w.endpoints[i] as Endpoint;
    if (w.endpointFamilies[i] !== family || e.state !== "ready") continue;
    const targetPort = e.port ?? port.targetPort;
    if (n === 0 || (targets[n - 1] as Target).address !== e.address) runStart = n;
    let twin = -1;
    for (let k = runStart; k < n; k++) if ((targets[k] as Target).port === targetPort) twin = k;
    if (twin >= 0) {
      const seen = targets[twin] as Target;
      targets[twin] = { ...seen, weight: seen.weight + e.weight };
      continue;
    }
    const epChain = sourceHash
      ? names.endpointChainName(w.svc.id, port.protocol, port.port, e.address, targetPort)
      : "";
    targets[n++] = { address: e.address, port: targetPort, weight: e.weight, chain: epChain };
  }
  targets.length = n;
  return targets;
}

function serviceChain(
  w: Work,
  port: ServicePort,
  family: IpFamily,
  chain: string,
  allowedRanges: readonly string[] | null,
): void {
  const { svc } = w;
  if (allowedRanges !== null && allowedRanges.length === 0) {
    // Source ranges are set but none of this family: no client of it may connect.
    addChain(w, chain, ["drop"]);
    return;
  }
  // Rules before the selection rules: source ranges, affinity hits.
  let before: string[] | null = null;
  if (allowedRanges !== null)
    before = [`${allowedRanges.map((c) => `${IP[family]} saddr != ${c}`).join(" ")} drop`];
  const targets = targetsOf(w, port, family);
  if (targets.length === 0) {
    // No ready endpoint: refuse at once instead of letting the flow fall through
    // to the VIP itself (ch-k8s-lbaas #21). Measured on 6.18: reject and drop work
    // in nat-type prerouting chains (reject at prerouting needs kernel >= 5.9).
    const refuse = port.protocol === "tcp" ? "meta l4proto tcp reject with tcp reset" : "reject";
    addChain(w, chain, before === null ? [refuse] : [...before, refuse]);
    return;
  }
  let affinity: Map<number, string> | null = null;
  if (svc.sessionAffinity !== null) {
    const timeout = guardInt(
      svc.sessionAffinity.timeoutSeconds,
      1,
      86400 * 365,
      () => `services[${JSON.stringify(svc.id)}].sessionAffinity.timeoutSeconds`,
    );
    affinity = new Map();
    const resetToken = targets.map((x) => `${x.address}/${x.port}`).join(",");
    for (const targetPort of [...new Set(targets.map((x) => x.port))].sort((a, b) => a - b)) {
      const map = names.affinityMapName(svc.id, port.protocol, port.port, family, targetPort);
      affinity.set(targetPort, map);
      addAffinityMap(w, map, family, timeout, resetToken);
      (before ??= []).push(affinityHitRule(family, port.protocol, map, targetPort));
    }
  }
  const selection = selectionRules(svc.scheduler, family, port.protocol, targets, affinity);
  addChain(w, chain, before === null ? selection : before.concat(selection));
  const epChains = endpointChains(svc.scheduler, family, port.protocol, targets, affinity);
  for (const c of epChains ?? NONE) addChain(w, guardObjectName("chain", c.name), c.rules);
}
