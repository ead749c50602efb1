// kube-proxy's nftables layout (KEP-3866, pkg/proxy/nftables), as a baseline
// for benchmarks: one table per family; one static dispatch rule
// `ip daddr . meta l4proto . th dport vmap @service-ips` into a per-service-port
// chain that picks an endpoint with `numgen random mod N vmap { 0 : goto
// endpoint-…, … }`, and per-endpoint chains holding a literal `dnat`. Marked
// flows are masqueraded on postrouting. Source ranges go through a
// `firewall-ips` vmap, services without endpoints through `no-endpoint-services`
// to a reject chain, and policies (not a kube-proxy feature) are rendered in the
// same style: a `policy-targets` vmap on the destination into one chain per
// target. Weights become numgen slot ranges; source-hash becomes `jhash`.
import { createHash } from "node:crypto";
import {
  ingressMatches,
  policyTargets,
  serviceFlows,
  weightSlots,
  type FlowBackend,
  type ServiceFlow,
} from "./flows.ts";
import type { Inventory } from "../../libs/domain/model.ts";

/** Table name, mark and SNAT switch. */
export interface KubeProxyLayoutOptions {
  readonly table?: string;
  readonly mark?: number;
  readonly snat?: boolean;
}

function hash8(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8).toUpperCase();
}

const hostPort = (family: "ip" | "ip6", b: FlowBackend): string =>
  family === "ip6" ? `[${b.address}]:${b.port}` : `${b.address}:${b.port}`;

interface Chains {
  readonly lines: string[];
  readonly elements: { service: string[]; firewall: string[]; noEndpoints: string[] };
}

function serviceChains(flow: ServiceFlow, out: Chains): void {
  const { family, vip, protocol, port, service, backends } = flow;
  const key = `${service.id}/${protocol}/p${port}`;
  const svcChain = `service-${hash8(family + key)}-${key}`;
  const element = `${vip} . ${protocol} . ${port}`;
  if (backends.length === 0) {
    out.elements.noEndpoints.push(`${element} : goto reject-chain`);
    return;
  }
  out.elements.service.push(`${element} : goto ${svcChain}`);
  const ranges = service.sourceRanges.filter((r) => r.includes(":") === (family === "ip6"));
  if (ranges.length > 0) {
    const fwChain = `firewall-${hash8(family + key)}-${key}`;
    out.elements.firewall.push(`${element} : goto ${fwChain}`);
    out.lines.push(`add chain ${family} @T ${fwChain}`);
    out.lines.push(
      `add rule ${family} @T ${fwChain} ${family} saddr != { ${ranges.join(", ")} } drop`,
    );
  }
  const affinity = service.sessionAffinity;
  const epChains = backends.map((b) => {
    // nft identifiers cannot hold ':'; IPv6 endpoints are spelt with '.'.
    const epKey = `${key}__${b.address.replaceAll(":", ".")}/${b.port}`;
    return {
      b,
      name: `endpoint-${hash8(family + epKey)}-${epKey}`,
      set: `affinity-${hash8(family + epKey)}`,
    };
  });
  out.lines.push(`add chain ${family} @T ${svcChain}`);
  out.lines.push(`add rule ${family} @T ${svcChain} jump mark-for-masquerade`);
  for (const ep of epChains) {
    out.lines.push(`add chain ${family} @T ${ep.name}`);
    if (affinity) {
      out.lines.push(
        `add set ${family} @T ${ep.set} { type ${family === "ip" ? "ipv4_addr" : "ipv6_addr"}; flags dynamic,timeout; timeout ${affinity.timeoutSeconds}s; }`,
      );
      out.lines.push(
        `add rule ${family} @T ${svcChain} ${family} saddr @${ep.set} goto ${ep.name}`,
      );
      out.lines.push(`add rule ${family} @T ${ep.name} update @${ep.set} { ${family} saddr }`);
    }
    out.lines.push(
      `add rule ${family} @T ${ep.name} ${family} saddr ${ep.b.address} jump mark-for-masquerade`,
    );
    out.lines.push(
      `add rule ${family} @T ${ep.name} meta l4proto ${protocol} dnat to ${hostPort(family, ep.b)}`,
    );
  }
  const { total, slots } = weightSlots(backends);
  const pick =
    service.scheduler === "source-hash"
      ? `jhash ${family} saddr . th sport mod ${total}`
      : `numgen random mod ${total}`;
  const vmap = slots
    .map((s, i) => `${s.from === s.to ? s.from : `${s.from}-${s.to}`} : goto ${epChains[i]?.name}`)
    .join(" , ");
  out.lines.push(`add rule ${family} @T ${svcChain} ${pick} vmap { ${vmap} }`);
}

/**
 * Renders the inventory in kube-proxy's nftables layout as an `nft -f` script
 * that replaces its own `ip` and `ip6` tables. An empty inventory gives the
 * static skeleton only. Never throws; input is trusted (validated upstream).
 */
export function renderKubeProxyLayout(
  inventory: Inventory,
  options: KubeProxyLayoutOptions = {},
): string {
  const table = options.table ?? "kube-proxy";
  const mark = "0x" + (options.mark ?? 1).toString(16);
  const flows = serviceFlows(inventory);
  const targets = policyTargets(inventory);
  const out: string[] = [];
  for (const family of ["ip", "ip6"] as const) {
    const addr = family === "ip" ? "ipv4_addr" : "ipv6_addr";
    const chains: Chains = { lines: [], elements: { service: [], firewall: [], noEndpoints: [] } };
    for (const flow of flows) if (flow.family === family) serviceChains(flow, chains);
    const T = `${family} ${table}`;
    const skeleton = [
      `add table ${T}`,
      `delete table ${T}`,
      `add table ${T}`,
      ...["service-ips", "firewall-ips", "no-endpoint-services"].map(
        (m) => `add map ${T} ${m} { type ${addr} . inet_proto . inet_service : verdict ; }`,
      ),
      `add map ${T} policy-targets { type ${addr} : verdict ; }`,
      `add chain ${T} filter-prerouting { type filter hook prerouting priority dstnat - 10 ; }`,
      `add chain ${T} filter-forward { type filter hook forward priority -10 ; }`,
      `add chain ${T} nat-prerouting { type nat hook prerouting priority dstnat ; }`,
      `add chain ${T} nat-postrouting { type nat hook postrouting priority srcnat ; }`,
      ...["firewall-check", "service-endpoints-check", "reject-chain", "services"].map(
        (c) => `add chain ${T} ${c}`,
      ),
      `add chain ${T} mark-for-masquerade`,
      `add chain ${T} masquerading`,
      `add rule ${T} filter-prerouting ct state new jump firewall-check`,
      `add rule ${T} firewall-check ${family} daddr . meta l4proto . th dport vmap @firewall-ips`,
      `add rule ${T} filter-forward ct state new jump service-endpoints-check`,
      `add rule ${T} filter-forward ct direction original ct mark and ${mark} == ${mark} ${family} daddr vmap @policy-targets`,
      `add rule ${T} service-endpoints-check ${family} daddr . meta l4proto . th dport vmap @no-endpoint-services`,
      `add rule ${T} reject-chain reject`,
      `add rule ${T} nat-prerouting jump services`,
      `add rule ${T} services ${family} daddr . meta l4proto . th dport vmap @service-ips`,
      `add rule ${T} mark-for-masquerade meta mark set meta mark or ${mark} ct mark set meta mark`,
      ...((options.snat ?? true)
        ? [
            `add rule ${T} nat-postrouting jump masquerading`,
            `add rule ${T} masquerading meta mark and ${mark} == 0 return`,
            `add rule ${T} masquerading meta mark set meta mark xor ${mark}`,
            `add rule ${T} masquerading masquerade fully-random`,
          ]
        : []),
    ];
    out.push(...skeleton);
    // A loop, not a spread: 100,000+ lines overflow the call stack as arguments.
    for (const l of chains.lines) out.push(l.replace("@T", table));
    for (const t of targets.filter((x) => x.family === family)) {
      const name = `policy-${hash8(t.address)}-${t.address.replaceAll(":", ".")}`;
      out.push(`add chain ${T} ${name}`);
      for (const rule of t.rules)
        for (const m of ingressMatches(family, rule)) out.push(`add rule ${T} ${name} ${m} accept`);
      out.push(`add rule ${T} ${name} drop`);
      out.push(`add element ${T} policy-targets { ${t.address} : goto ${name} }`);
    }
    const batches = (map: string, elements: string[]): string[] => {
      const lines: string[] = [];
      for (let i = 0; i < elements.length; i += 1000)
        lines.push(`add element ${T} ${map} { ${elements.slice(i, i + 1000).join(", ")} }`);
      return lines;
    };
    for (const [map, elements] of [
      ["service-ips", chains.elements.service],
      ["firewall-ips", chains.elements.firewall],
      ["no-endpoint-services", chains.elements.noEndpoints],
    ] as const)
      for (const l of batches(map, elements)) out.push(l);
  }
  return out.join("\n") + "\n";
}
