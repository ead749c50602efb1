// The inventory seen as the baseline layouts need it: one "flow" per service,
// VIP and port (the unit every layout dispatches on), with the ready endpoints
// of the VIP's family; and the policy rules gathered per target address.
import { isIPv6 } from "node:net";
import type { IngressRule, Inventory, Protocol, ServiceSpec } from "../../libs/domain/model.ts";

/** An endpoint a flow can be sent to. */
export interface FlowBackend {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
}

/** One VIP:port of one service. */
export interface ServiceFlow {
  readonly service: ServiceSpec;
  readonly family: "ip" | "ip6";
  readonly vip: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** Ready endpoints of the VIP's family, in inventory order; empty means refuse. */
  readonly backends: readonly FlowBackend[];
}

/** All ingress rules of all policies that select one address. */
export interface PolicyTarget {
  readonly family: "ip" | "ip6";
  readonly address: string;
  readonly rules: readonly IngressRule[];
}

/** The family keyword of an address. */
export function familyOf(address: string): "ip" | "ip6" {
  return isIPv6(address) ? "ip6" : "ip";
}

/**
 * Expands services into flows in inventory order (service, then VIP, then
 * port). An empty inventory gives an empty list; never throws.
 */
export function serviceFlows(inventory: Inventory): ServiceFlow[] {
  const endpointsOf = new Map(inventory.endpoints.map((e) => [e.serviceId, e.endpoints]));
  const flows: ServiceFlow[] = [];
  for (const service of inventory.services) {
    const endpoints = endpointsOf.get(service.id) ?? [];
    for (const vip of service.vips) {
      const family = familyOf(vip);
      for (const port of service.ports) {
        const backends = endpoints
          .filter((e) => e.state === "ready" && familyOf(e.address) === family)
          .map((e) => ({ address: e.address, port: e.port ?? port.targetPort, weight: e.weight }));
        flows.push({ service, family, vip, protocol: port.protocol, port: port.port, backends });
      }
    }
  }
  return flows;
}

/**
 * Gathers, per target address, the ingress rules of every policy selecting it
 * (their union is what is allowed), sorted by address. Empty when no policies.
 */
export function policyTargets(inventory: Inventory): PolicyTarget[] {
  const byAddress = new Map<string, IngressRule[]>();
  for (const policy of inventory.policies) {
    for (const target of policy.targets) {
      const rules = byAddress.get(target) ?? [];
      rules.push(...policy.ingress);
      byAddress.set(target, rules);
    }
  }
  return [...byAddress.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([address, rules]) => ({ family: familyOf(address), address, rules }));
}

/**
 * The match expressions that allow one ingress rule, one string per
 * (source block × port) combination; an empty `from` or `ports` matches all;
 * blocks of the other family are skipped.
 */
export function ingressMatches(family: "ip" | "ip6", rule: IngressRule): string[] {
  // Blocks of the other family cannot match; a rule whose blocks are all of the
  // other family allows nothing here (it must not turn into "every source").
  const blocks = rule.from.filter((b) => familyOf(b.cidr.split("/")[0] ?? "") === family);
  if (rule.from.length > 0 && blocks.length === 0) return [];
  const sources =
    blocks.length === 0
      ? [""]
      : blocks.map(
          (b) =>
            `${family} saddr ${b.cidr}` +
            (b.except.length > 0 ? ` ${family} saddr != { ${b.except.join(", ")} }` : ""),
        );
  const ports =
    rule.ports.length === 0
      ? [""]
      : rule.ports.map((p) =>
          p.port === null
            ? `meta l4proto ${p.protocol}`
            : `${p.protocol} dport ${p.endPort === null ? p.port : `${p.port}-${p.endPort}`}`,
        );
  return sources.flatMap((s) => ports.map((p) => [s, p].filter(Boolean).join(" ")));
}

/** Cumulative weight slots: backend i owns [from, to] of `0 … total-1`. */
export function weightSlots(backends: readonly FlowBackend[]): {
  total: number;
  slots: { from: number; to: number; backend: FlowBackend }[];
} {
  let total = 0;
  const slots = backends.map((backend) => {
    const from = total;
    total += backend.weight;
    return { from, to: total - 1, backend };
  });
  return { total, slots };
}
