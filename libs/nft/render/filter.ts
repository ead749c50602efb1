// The filter table: marked flows to an address selected by a policy go through
// that address's pod chain (union of the allow rules of every policy selecting it,
// then drop); other marked flows are accepted (the seed's catch-all). One
// constant vmap rule per family dispatches to pod chains in O(1). The per-policy
// pieces are in policy-fragment.ts.
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import { guardName } from "./guards.ts";
import { markMatch } from "./marks.ts";
import type { BaseChainSpec, ChainModel, SetModel, TableModel } from "./model.ts";
import * as names from "./names.ts";
import { podChain, type PolicyFragment } from "./policy-fragment.ts";

export const FORWARD: BaseChainSpec = {
  type: "filter",
  hook: "forward",
  priority: "filter",
  policy: "accept",
};
const NO_FLAGS: readonly string[] = [];

/** The forward rules; they depend on the settings only. */
export function forwardRules(settings: GatewaySettings): string[] {
  const ct = markMatch(settings, "ct");
  // `ct direction original`: replies of a balanced flow go to the client, which
  // may itself be a policy target; only the client->endpoint direction is checked.
  return [
    `ct direction original ${ct} ip daddr vmap @${names.policyTargetMapName("v4")}`,
    `ct direction original ${ct} ip6 daddr vmap @${names.policyTargetMapName("v6")}`,
    `${ct} accept`,
  ];
}

/** Declaration of the policy target map of `family` (elements given). */
export function policyTargetSet(
  family: IpFamily,
  elements: ReadonlyMap<string, string | null>,
): SetModel {
  return {
    name: names.policyTargetMapName(family),
    kind: "map",
    keyType: family === "v4" ? "ipv4_addr" : "ipv6_addr",
    dataType: "verdict",
    flags: NO_FLAGS,
    timeoutSeconds: null,
    size: null,
    elements,
    resetToken: null,
  };
}

/** Table order of pod chains: IPv4 addresses first, then by address text. */
export function comparePods(
  a: { readonly address: string; readonly family: IpFamily },
  b: { readonly address: string; readonly family: IpFamily },
): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/** An address and the ids of the policies selecting it, sorted. */
export interface PodEntry {
  readonly address: string;
  readonly family: IpFamily;
  readonly policies: readonly string[];
}

/** The pods of `fragments` (given in ascending id order), in table order. */
export function podsOf(fragments: readonly PolicyFragment[]): PodEntry[] {
  const selectedBy = new Map<string, { address: string; family: IpFamily; policies: string[] }>();
  for (const f of fragments)
    for (const t of f.targets) {
      const entry = selectedBy.get(t.address);
      if (entry === undefined)
        selectedBy.set(t.address, { address: t.address, family: t.family, policies: [f.id] });
      else entry.policies.push(f.id);
    }
  return [...selectedBy.values()].sort(comparePods);
}

/**
 * Puts the filter table together from the fragments of every policy, given in
 * ascending id order, or returns null when `filterTableName` is "" (policies
 * disabled, as in the seed). Throws RenderError when a settings name is unsafe.
 */
export function filterTable(
  settings: GatewaySettings,
  fragments: readonly PolicyFragment[],
): TableModel | null {
  if (settings.filterTableName === "") return null;
  const table = guardName(settings.filterTableName, "table");
  const chains = new Map<string, ChainModel>();
  const addChain = (c: ChainModel): void => {
    if (chains.has(c.name)) throw new Error(`duplicate chain ${JSON.stringify(c.name)}`);
    chains.set(c.name, c);
  };
  addChain({
    name: guardName(settings.filterForwardChain, () => `chain ${settings.filterForwardChain}`),
    base: FORWARD,
    rules: forwardRules(settings),
  });
  const pods = podsOf(fragments);
  const sets = new Map<string, SetModel>();
  for (const family of ["v4", "v6"] as const) {
    const elements = new Map<string, string | null>();
    for (const p of pods)
      if (p.family === family) elements.set(p.address, `goto ${names.podChainName(p.address)}`);
    sets.set(names.policyTargetMapName(family), policyTargetSet(family, elements));
  }
  for (const p of pods) addChain(podChain(p.address, p.policies));
  for (const f of fragments) addChain(f.chain);
  return { family: "inet", name: table, chains, sets };
}
