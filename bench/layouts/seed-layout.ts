// The seed's layout (reference/seed-nftables.md), as a baseline for benchmarks:
// one linear rule per VIP:port in the nat prerouting chain,
//
//   ip daddr X tcp dport P meta mark set 0x00000001 ct mark set meta mark
//     dnat to numgen inc mod N map { 0 : A, 1 : B } : PORT
//
// masquerade of marked packets on postrouting, and a filter forward chain with
// one `ct mark … ip daddr X goto POD-X` rule per policy target before the
// catch-all accept. A new flow to the last VIP walks every rule before it.
// What the seed could not say is rendered the closest way: weights as repeated
// numgen slots (intervals), per-endpoint ports as `addr . port` maps, source
// ranges as a drop rule in front, no endpoints as a drop. Session affinity and
// per-service SNAT are not in the seed and are ignored here. One deliberate
// difference: the policy jumps carry `ct direction original`. The seed's rule
// (`ct mark 0x1 ip daddr X goto POD-X`) also catches REPLY packets whose
// destination (a client) happens to be a policy target, and drops them; with
// libs/nft's synthetic inventory (endpoints in 198.51.100.0/24, like clients)
// that broke every connection, so the baseline would not be equivalent.
import {
  ingressMatches,
  policyTargets,
  serviceFlows,
  weightSlots,
  type ServiceFlow,
} from "./flows.ts";
import type { Inventory } from "../../libs/domain/model.ts";

/** Table names, mark and SNAT switch; defaults follow the seed. */
export interface SeedLayoutOptions {
  readonly natTable?: string;
  readonly filterTable?: string;
  readonly mark?: number;
  readonly snat?: boolean;
}

const hex = (n: number): string => "0x" + n.toString(16).padStart(8, "0");

function dnatRule(flow: ServiceFlow, mark: string): string {
  const { family, vip, protocol, port, backends } = flow;
  const head = `${family} daddr ${vip} ${protocol} dport ${port}`;
  if (backends.length === 0) return `${head} drop`;
  const { total, slots } = weightSlots(backends);
  const samePort = backends.every((b) => b.port === backends[0]?.port);
  const key = (s: { from: number; to: number }): string =>
    s.from === s.to ? `${s.from}` : `${s.from}-${s.to}`;
  const target = samePort
    ? `numgen inc mod ${total} map { ${slots.map((s) => `${key(s)} : ${s.backend.address}`).join(", ")} } : ${backends[0]?.port}`
    : `numgen inc mod ${total} map { ${slots.map((s) => `${key(s)} : ${s.backend.address} . ${s.backend.port}`).join(", ")} }`;
  return `${head} meta mark set ${mark} ct mark set meta mark dnat ${samePort ? "" : `${family} addr . port `}to ${target}`;
}

function podChain(address: string): string {
  return `POD-${address.replaceAll(":", "-")}`;
}

/**
 * Renders the inventory in the seed's linear layout as an `nft -f` script that
 * replaces its own tables (ip and ip6). An empty inventory gives tables with
 * empty chains. Never throws; addresses are trusted (they come validated).
 */
export function renderSeedLayout(inventory: Inventory, options: SeedLayoutOptions = {}): string {
  const nat = options.natTable ?? "seed_nat";
  const filter = options.filterTable ?? "seed_filter";
  const mark = hex(options.mark ?? 1);
  const flows = serviceFlows(inventory);
  const targets = policyTargets(inventory);
  const out: string[] = [];
  for (const family of ["ip", "ip6"] as const) {
    const famFlows = flows.filter((f) => f.family === family);
    const famTargets = targets.filter((t) => t.family === family);
    out.push(`table ${family} ${nat}`, `delete table ${family} ${nat}`);
    out.push(`table ${family} ${filter}`, `delete table ${family} ${filter}`);
    out.push(`table ${family} ${nat} {`);
    out.push(
      `  chain prerouting {`,
      `    type nat hook prerouting priority dstnat; policy accept;`,
    );
    for (const f of famFlows) {
      if (f.service.sourceRanges.some((r) => r.includes(":") === (family === "ip6")))
        out.push(
          `    ${family} daddr ${f.vip} ${f.protocol} dport ${f.port} ${family} saddr != { ${f.service.sourceRanges.filter((r) => r.includes(":") === (family === "ip6")).join(", ")} } drop`,
        );
      out.push(`    ${dnatRule(f, mark)}`);
    }
    out.push(`  }`, `  chain postrouting {`);
    out.push(`    type nat hook postrouting priority srcnat; policy accept;`);
    if (options.snat ?? true) out.push(`    meta mark ${mark} masquerade`);
    out.push(`  }`, `}`);
    out.push(`table ${family} ${filter} {`);
    out.push(`  chain forward {`, `    type filter hook forward priority filter; policy accept;`);
    for (const t of famTargets)
      out.push(
        `    ct direction original ct mark ${mark} ${family} daddr ${t.address} goto ${podChain(t.address)}`,
      );
    out.push(`    ct mark ${mark} accept`, `  }`);
    for (const t of famTargets) {
      out.push(`  chain ${podChain(t.address)} {`);
      for (const rule of t.rules)
        for (const m of ingressMatches(family, rule)) out.push(`    ${m} accept`);
      out.push(`    drop`, `  }`);
    }
    out.push(`}`);
  }
  return out.join("\n") + "\n";
}
