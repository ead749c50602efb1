// New-connection rate through the gateway (real TCP, client → gateway →
// backends, all in namespaces) with 10,000 services loaded against 10, for our
// layout and, beside it, the seed's linear layout. The traffic goes to the LAST
// service of the inventory, so the seed's nat chain is scanned end to end for
// every new connection (and its forward chain, one rule per policy target, for
// every packet). Target: ours at 10,000 within 10 % of ours at 10.
//
// Each configuration has its own topology (gateway with the ruleset loaded
// once, four backends), and short measurements alternate between them in
// rotating order for several rounds; the median per configuration is reported.
// This keeps slow drifts of the machine out of the comparison.
import { writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { startBackends } from "../tests/harness/backend-process.ts";
import { measureConnectionRate } from "../tests/harness/connection-rate.ts";
import { createTopology, type Topology } from "../tests/harness/netns.ts";
import { seedLayout, type Layout } from "./layouts/layouts.ts";
import { ourLayout } from "./layouts/ours.ts";
import { median, report, type BenchRow } from "./result.ts";
import { syntheticInventory } from "../libs/nft/synthetic.ts";
import { headAndLast, withTargetBackends } from "./synthetic.ts";

const bench = "nft-conn-rate";
const rounds = Number(process.env["BENCH_RATE_ROUNDS"] ?? 8);
const seconds = Number(process.env["BENCH_RATE_SECONDS"] ?? 3);
const concurrency = 64;

interface Config {
  readonly layout: Layout;
  readonly services: number;
  readonly topology: Topology;
  readonly pids: readonly number[];
  readonly rates: number[];
  readonly cpu: number[];
}

const backendsV4 = ["192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14"];
const big = withTargetBackends(
  syntheticInventory({ services: 10_000, endpointsPerService: 4, policies: 1_000 }),
  backendsV4,
);
const target = big.services.at(-1);
const host = target?.vips[0] ?? "";
const port = target?.ports[0]?.port ?? 0;

async function setUp(layout: Layout, services: number): Promise<Config> {
  const topology = await createTopology({ backends: backendsV4.length });
  const backends = await startBackends(topology, { tcp: [8080] });
  const file = `${tmpdir()}/lbaas-bench-${process.pid}-${layout.name}-${services}.nft`;
  writeFileSync(file, layout.render(services === 10_000 ? big : headAndLast(big, services)));
  const t0 = performance.now();
  await topology.exec(topology.names.gateway, ["nft", "-f", file], { timeoutMs: 900_000 });
  rmSync(file, { force: true });
  process.stderr.write(
    `  loaded ${layout.name} × ${services} in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`,
  );
  return { layout, services, topology, pids: backends.pids, rates: [], cpu: [] };
}

async function measure(
  config: Config,
  warmupSeconds: number,
  secs: number,
): Promise<{ rate: number; cpu: number }> {
  // Fresh conntrack each time so every configuration starts alike.
  await config.topology.exec(config.topology.names.gateway, ["conntrack", "-F"]).catch(() => {});
  const r = await measureConnectionRate(config.topology, {
    host,
    port,
    seconds: secs,
    warmupSeconds,
    concurrency,
    cpuPids: config.pids,
  });
  if (r.failed > 0 || r.completed === 0)
    throw new Error(
      `${config.layout.name} × ${config.services}: ${r.failed} failed connections ${JSON.stringify(r.errors)}`,
    );
  return { rate: r.rate, cpu: r.cpuUsPerConnection };
}

const configs: Config[] = [];
try {
  for (const layout of [ourLayout, seedLayout])
    for (const services of [10, 10_000]) configs.push(await setUp(layout, services));
  for (const c of configs) await measure(c, 0.5, 1); // warm up backends and client JIT
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < configs.length; k++) {
      const c = configs[(k + round) % configs.length];
      if (!c) continue;
      const m = await measure(c, 0.5, seconds);
      c.rates.push(m.rate);
      c.cpu.push(m.cpu);
    }
  }
} finally {
  for (const c of configs) await c.topology.stop();
}

const rate = (layout: string, services: number): number =>
  median(configs.find((c) => c.layout.name === layout && c.services === services)?.rates ?? []);
const rows: BenchRow[] = configs.map((c) => ({
  bench,
  metric: `new TCP conn/s ${c.layout.name}, ${c.services} svc (median of ${c.rates.length}: ${c.rates.map((r) => r.toFixed(0)).join(" ")})`,
  value: median(c.rates),
  unit: "conn/s",
}));
for (const c of configs)
  rows.push({
    bench,
    metric: `CPU per connection ${c.layout.name}, ${c.services} svc (client + backends, incl. gateway softirq)`,
    value: median(c.cpu),
    unit: "µs",
  });
const cpu = (layout: string, services: number): number =>
  median(configs.find((c) => c.layout.name === layout && c.services === services)?.cpu ?? []);
rows.push({
  bench,
  metric: "CPU per connection ours 10000 svc / ours 10 svc",
  value: cpu("ours", 10_000) / cpu("ours", 10),
  unit: "ratio",
});
rows.push({
  bench,
  metric: "CPU per connection seed 10000 svc / seed 10 svc",
  value: cpu("seed", 10_000) / cpu("seed", 10),
  unit: "ratio",
});
const oursRatio = rate("ours", 10_000) / rate("ours", 10);
rows.push({
  bench,
  metric: "conn rate ours 10000 svc / ours 10 svc",
  value: oursRatio,
  unit: "ratio",
  target: "≥ 0.90 (within 10 %)",
  pass: oursRatio >= 0.9,
});
rows.push({
  bench,
  metric: "conn rate seed 10000 svc / seed 10 svc",
  value: rate("seed", 10_000) / rate("seed", 10),
  unit: "ratio",
});
rows.push({
  bench,
  metric: "conn rate at 10000 svc: ours / seed",
  value: rate("ours", 10_000) / rate("seed", 10_000),
  unit: "ratio",
});
report(rows);
