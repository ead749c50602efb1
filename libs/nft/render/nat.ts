// The NAT table: dispatch by `daddr . l4proto . dport` verdict map (O(1) per
// packet, a constant number of map-lookup rules), one chain per service port and
// family doing source-range filtering, affinity and endpoint selection
// (service-fragment.ts), and the masquerade rules in postrouting.
import type { Protocol } from "../../domain/model.ts";
import { PROTOCOLS } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import { RenderError } from "./errors.ts";
import { guardName } from "./guards.ts";
import { markMatch, setMarkStatements } from "./marks.ts";
import type { BaseChainSpec, ChainModel, SetModel, TableModel } from "./model.ts";
import * as names from "./names.ts";
import type { DispatchElement, OverrideElement, ServiceFragment } from "./service-fragment.ts";

export { AFFINITY_MAP_SIZE } from "./service-fragment.ts";

export const FAMILIES: readonly IpFamily[] = ["v4", "v6"];
const KEY_TYPE = { v4: "ipv4_addr", v6: "ipv6_addr" } as const;
const IP = { v4: "ip", v6: "ip6" } as const;
const NO_FLAGS: readonly string[] = [];

export const PREROUTING: BaseChainSpec = {
  type: "nat",
  hook: "prerouting",
  priority: "dstnat",
  policy: "accept",
};
export const POSTROUTING: BaseChainSpec = {
  type: "nat",
  hook: "postrouting",
  priority: "srcnat",
  policy: "accept",
};

/** Tells whether some service of `family` and `protocol` is in `snat-overrides-<family>`. */
export type HasOverride = (family: IpFamily, protocol: Protocol) => boolean;

/** The prerouting rules: mark, then dispatch, per family. Depends on the settings only. */
export function preroutingRules(settings: GatewaySettings): string[] {
  const mark = setMarkStatements(settings);
  const rules: string[] = [];
  for (const family of FAMILIES) {
    const map = names.serviceMapName(family);
    const key = `${IP[family]} daddr . meta l4proto . th dport`;
    // Mark first, then dispatch: the membership test on the same map keeps the
    // mark off flows that are not ours, and costs one constant rule instead of
    // a mark rule in every service chain (measured: ~20 % of the load time).
    rules.push(`${key} @${map} ${mark}`, `${key} vmap @${map}`);
  }
  return rules;
}

/**
 * Masquerade marked flows. Services whose `snat` differs from the gateway's
 * enable-snat are listed in `snat-overrides-<family>`, matched on the original
 * destination of the connection (`ct original`), one rule per protocol because
 * nft needs a protocol context to type `ct original proto-dst`.
 */
export function postroutingRules(settings: GatewaySettings, hasOverride: HasOverride): string[] {
  const marked = markMatch(settings, "meta");
  const rules: string[] = [];
  for (const family of FAMILIES)
    for (const p of PROTOCOLS)
      if (hasOverride(family, p))
        rules.push(
          `${marked} meta l4proto ${p} ct original ${IP[family]} daddr . meta l4proto . ct original proto-dst ` +
            `@${names.snatOverrideSetName(family)} ${settings.enableSnat ? "return" : "masquerade"}`,
        );
  if (settings.enableSnat) rules.push(`${marked} masquerade`);
  return rules;
}

/** Declaration of the dispatch map of `family` (elements given). */
export function dispatchSet(
  family: IpFamily,
  elements: ReadonlyMap<string, string | null>,
): SetModel {
  return {
    name: names.serviceMapName(family),
    kind: "map",
    keyType: `${KEY_TYPE[family]} . inet_proto . inet_service`,
    dataType: "verdict",
    flags: NO_FLAGS,
    timeoutSeconds: null,
    size: null,
    elements,
    resetToken: null,
  };
}

/** Declaration of the SNAT override set of `family` (elements given). */
export function overrideSet(
  family: IpFamily,
  elements: ReadonlyMap<string, string | null>,
): SetModel {
  return {
    name: names.snatOverrideSetName(family),
    kind: "set",
    keyType: `${KEY_TYPE[family]} . inet_proto . inet_service`,
    dataType: null,
    flags: NO_FLAGS,
    timeoutSeconds: null,
    size: null,
    elements,
    resetToken: null,
  };
}

/** `entries` sorted by key as a Map; two equal keys are a RenderError naming the set. */
export function sortedElements(
  set: string,
  entries: Array<{ readonly key: string; readonly value: string | null }>,
): Map<string, string | null> {
  // One comparison per call: equal keys are an error whatever their order, and
  // the map, which does not grow for a key it already holds, finds the first of
  // them in key order.
  entries.sort((a, b) => (a.key < b.key ? -1 : 1));
  const out = new Map<string, string | null>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as { readonly key: string; readonly value: string | null };
    const size = out.size;
    if (out.set(e.key, e.value).size === size)
      throw new RenderError(
        "duplicate_key",
        `set ${set}`,
        `${JSON.stringify(e.key)} is declared twice (two services on one vip and port?)`,
      );
  }
  return out;
}

/**
 * Puts the NAT table together from the fragments of every service, given in
 * ascending id order. Throws RenderError when two services claim one vip, port
 * and protocol, or when a settings name is unsafe.
 */
export function natTable(
  settings: GatewaySettings,
  fragments: readonly ServiceFragment[],
): TableModel {
  const table = guardName(settings.natTableName, "table");
  const chains = new Map<string, ChainModel>();
  const sets = new Map<string, SetModel>();
  const addChain = (c: ChainModel): void => {
    const size = chains.size;
    if (chains.set(c.name, c).size === size)
      throw new Error(`duplicate chain ${JSON.stringify(c.name)}`);
  };
  const dispatch: Record<IpFamily, Array<{ key: string; value: string | null }>> = {
    v4: [],
    v6: [],
  };
  const overrides: Record<IpFamily, Array<{ key: string; value: string | null }>> = {
    v4: [],
    v6: [],
  };
  const protocols = new Set<string>();
  // Indexed loops: this runs once per render, mostly before the optimizing
  // compiler steps in, and for…of then allocates an iterator result per step.
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i] as ServiceFragment;
    for (let j = 0; j < f.dispatch.length; j++) {
      const d = f.dispatch[j] as DispatchElement;
      dispatch[d.family].push(d);
    }
    for (let j = 0; j < f.overrides.length; j++) {
      const o = f.overrides[j] as OverrideElement;
      overrides[o.family].push({ key: o.key, value: null });
      protocols.add(`${o.family} ${o.protocol}`);
    }
  }
  addChain({
    name: guardName(settings.natPreroutingChain, () => `chain ${settings.natPreroutingChain}`),
    base: PREROUTING,
    rules: preroutingRules(settings),
  });
  addChain({
    name: guardName(settings.natPostroutingChain, () => `chain ${settings.natPostroutingChain}`),
    base: POSTROUTING,
    rules: postroutingRules(settings, (family, p) => protocols.has(`${family} ${p}`)),
  });
  for (const family of FAMILIES) {
    const map = dispatchSet(family, sortedElements(names.serviceMapName(family), dispatch[family]));
    sets.set(map.name, map);
    if (overrides[family].length > 0) {
      const name = names.snatOverrideSetName(family);
      sets.set(name, overrideSet(family, sortedElements(name, overrides[family])));
    }
  }
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i] as ServiceFragment;
    for (let j = 0; j < f.chains.length; j++) addChain(f.chains[j] as ChainModel);
    for (let j = 0; j < f.sets.length; j++) {
      const s = f.sets[j] as SetModel;
      if (sets.has(s.name)) throw new Error(`duplicate set ${JSON.stringify(s.name)}`);
      sets.set(s.name, s);
    }
  }
  return { family: "inet", name: table, chains, sets };
}
