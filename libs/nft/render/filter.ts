// The filter table: marked flows to an address selected by a policy go through
// that address's pod chain (union of the allow rules of every policy selecting it,
// then drop); other marked flows are accepted (the seed's catch-all). One
// constant vmap rule per family dispatches to pod chains in O(1).
//
// Policy rules use no sets (anonymous sets make loads super-linear, see README):
// an except is one more `saddr !=` match in the same rule, and each port entry is
// its own rule (`tcp dport 8080`, `tcp dport 9000-9010`, or `meta l4proto tcp`).
import type { Inventory, IpBlock, PolicyPort, PolicySpec } from "../../domain/model.ts";
import { PROTOCOLS } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import { RenderError } from "./errors.ts";
import { guardAddress, guardCidr, guardInt, guardLabel, guardToken } from "./guards.ts";
import { markMatch } from "./marks.ts";
import type { TableModel } from "./model.ts";
import * as names from "./names.ts";
import { TableBuilder } from "./table.ts";

const IP = { v4: "ip", v6: "ip6" } as const;

/** Source matches of one from-block, e.g. `ip saddr 198.51.100.0/24 ip saddr != 198.51.100.128/25`. */
function sourceMatch(block: IpBlock, path: string): string {
  const family = guardCidr(block.cidr, `${path}.cidr`);
  const excepts = block.except.map((e, i) => {
    if (guardCidr(e, `${path}.except[${i}]`) !== family)
      throw new RenderError(
        "unsafe_address",
        `${path}.except[${i}]`,
        `${JSON.stringify(e)} is not of the family of ${JSON.stringify(block.cidr)}`,
      );
    return `${IP[family]} saddr != ${e}`;
  });
  return [`${IP[family]} saddr ${block.cidr}`, ...excepts].join(" ");
}

/** Port match of one port entry. */
function portMatch(p: PolicyPort, path: string): string {
  guardToken(p.protocol, PROTOCOLS, `${path}.protocol`);
  if (p.port === null) return `meta l4proto ${p.protocol}`;
  guardInt(p.port, 1, 65535, `${path}.port`);
  if (p.endPort === null || p.endPort === p.port) return `${p.protocol} dport ${p.port}`;
  guardInt(p.endPort, p.port, 65535, `${path}.endPort`);
  return `${p.protocol} dport ${p.port}-${p.endPort}`;
}

/** Allow rules of one policy: one per (ingress rule × from-block × port entry). */
export function policyRules(policy: PolicySpec): string[] {
  const path = `policies[${JSON.stringify(policy.id)}]`;
  const rules: string[] = [];
  for (const [ri, rule] of policy.ingress.entries()) {
    const rpath = `${path}.ingress[${ri}]`;
    const sources =
      rule.from.length === 0
        ? [""]
        : rule.from.map((b, i) => sourceMatch(b, `${rpath}.from[${i}]`));
    const ports =
      rule.ports.length === 0
        ? [""]
        : rule.ports.map((p, i) => portMatch(p, `${rpath}.ports[${i}]`));
    for (const s of sources)
      for (const p of ports) rules.push([s, p, "accept"].filter((x) => x !== "").join(" "));
  }
  return rules;
}

/**
 * Builds the filter table, or returns null when `filterTableName` is "" (policies
 * disabled, as in the seed). Throws RenderError on unsafe input.
 */
export function filterTable(inventory: Inventory, settings: GatewaySettings): TableModel | null {
  if (settings.filterTableName === "") return null;
  const t = new TableBuilder(settings.filterTableName);
  const policies = [...inventory.policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const selectedBy = new Map<string, { family: IpFamily; policies: string[] }>();
  for (const policy of policies) {
    guardLabel(policy.id, () => `policies[${JSON.stringify(policy.id)}].id`);
    for (const [i, target] of policy.targets.entries()) {
      const family = guardAddress(
        target,
        () => `policies[${JSON.stringify(policy.id)}].targets[${i}]`,
      );
      const entry = selectedBy.get(target) ?? { family, policies: [] };
      if (!entry.policies.includes(policy.id)) entry.policies.push(policy.id);
      selectedBy.set(target, entry);
    }
  }
  const ct = markMatch(settings, "ct");
  // `ct direction original`: replies of a balanced flow go to the client, which
  // may itself be a policy target; only the client->endpoint direction is checked.
  t.chain(
    settings.filterForwardChain,
    { type: "filter", hook: "forward", priority: "filter", policy: "accept" },
    [
      `ct direction original ${ct} ip daddr vmap @${names.policyTargetMapName("v4")}`,
      `ct direction original ${ct} ip6 daddr vmap @${names.policyTargetMapName("v6")}`,
      `${ct} accept`,
    ],
  );
  const targets = [...selectedBy.entries()].sort(([a, x], [b, y]) =>
    x.family !== y.family ? (x.family < y.family ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const family of ["v4", "v6"] as const)
    t.set({
      name: names.policyTargetMapName(family),
      kind: "map",
      keyType: family === "v4" ? "ipv4_addr" : "ipv6_addr",
      dataType: "verdict",
      flags: [],
      timeoutSeconds: null,
      size: null,
      elements: targets
        .filter(([, e]) => e.family === family)
        .map(([a]) => [a, `goto ${names.podChainName(a)}`] as const),
      resetToken: null,
    });
  for (const [address, entry] of targets)
    t.chain(names.podChainName(address), null, [
      ...entry.policies.map((id) => `jump ${names.policyChainName(id)}`),
      "drop",
    ]);
  for (const policy of policies)
    t.chain(names.policyChainName(policy.id), null, policyRules(policy));
  return t.build();
}
