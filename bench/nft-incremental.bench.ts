// One service changed at 10,000 services (× 4 endpoints, + 1,000 policies):
// libs/nft's Syncer (incremental transaction against its shadow copy, applied
// with NftRunner) against a full reload of the same state (Syncer after
// requestFullSync: the full transaction over the loaded tables), in one
// namespace and one run, times as the Syncer reports them (render + diff + hash
// + nft). Several kinds of change, each on a different service; medians reported.
// Then the floor of one `nft -f` at this size, taken apart (see libs/nft/README.md).
// Target: incremental ≤ 50 ms and ≤ 1/20 of the full reload.
import { loadavg } from "node:os";
import type { Endpoint, Inventory, PolicySpec } from "../libs/domain/model.ts";
import { NftRunner } from "../libs/nft/runner.ts";
import type { SyncResult } from "../libs/nft/syncer.ts";
import { Syncer } from "../libs/nft/syncer.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../libs/nft/settings.ts";
import { syntheticInventory } from "../libs/nft/synthetic.ts";
import { createNamespace } from "../tests/harness/netns.ts";
import { median, report, type BenchRow } from "./result.ts";

const bench = "nft-incremental";
const settings = DEFAULT_GATEWAY_SETTINGS;
const base = syntheticInventory({ services: 10_000, endpointsPerService: 4, policies: 1_000 });
const load = (): number => loadavg()[0] ?? NaN;

function byAddress(a: Endpoint, b: Endpoint): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : (a.port ?? 0) - (b.port ?? 0);
}

/** `inventory` with service `i`'s endpoints edited (a new EndpointsSpec, as the fold makes). */
function editEndpoints(
  inventory: Inventory,
  i: number,
  edit: (eps: readonly Endpoint[]) => Endpoint[],
): Inventory {
  return {
    ...inventory,
    endpoints: inventory.endpoints.map((e, k) =>
      k === i ? { ...e, endpoints: edit(e.endpoints).sort(byAddress) } : e,
    ),
  };
}

/** Kinds of one-object change; `i` picks the service (or policy). */
const changes: readonly { name: string; apply: (inv: Inventory, i: number) => Inventory }[] = [
  {
    name: "endpoint added",
    apply: (inv, i) =>
      editEndpoints(inv, i, (eps) => [
        ...eps,
        { address: "192.0.2.250", port: 9999, weight: 1, state: "ready" },
      ]),
  },
  { name: "endpoint removed", apply: (inv, i) => editEndpoints(inv, i, (eps) => eps.slice(1)) },
  {
    name: "endpoint draining",
    apply: (inv, i) =>
      editEndpoints(inv, i, (eps) =>
        eps.map((e, k) => (k === 0 ? { ...e, state: "draining" } : e)),
      ),
  },
  {
    name: "weight changed",
    apply: (inv, i) =>
      editEndpoints(inv, i, (eps) => eps.map((e, k) => (k === 0 ? { ...e, weight: 3 } : e))),
  },
  {
    name: "service removed",
    apply: (inv, i) => ({
      ...inv,
      services: inv.services.filter((_, k) => k !== i),
      endpoints: inv.endpoints.filter((_, k) => k !== i),
    }),
  },
  {
    name: "policy targets changed",
    apply: (inv, i) => ({
      ...inv,
      policies: inv.policies.map((p, k): PolicySpec =>
        k === i % inv.policies.length ? { ...p, targets: p.targets.slice(1) } : p,
      ),
    }),
  },
];

const ns = await createNamespace("incr");
const rows: BenchRow[] = [];
const loads: number[] = [load()];
try {
  const runner = new NftRunner({ netns: ns.name, timeoutMs: 600_000 });
  const syncer = new Syncer({ executor: runner, settings });
  const cold = await syncer.sync(base);
  rows.push({
    bench,
    metric: `cold load via Syncer (${cold.kind}; render + apply)`,
    value: cold.durationMs / 1000,
    unit: "s",
  });

  // Full reloads of the same state over the loaded tables (what a sync after a
  // failure does): render + apply, as the syncer reports it.
  const fulls: SyncResult[] = [];
  for (let k = 0; k < 3; k++) {
    syncer.requestFullSync();
    const full = await syncer.sync(base);
    if (full.kind !== "full") throw new Error(`expected a full sync, got ${full.kind}`);
    fulls.push(full);
  }
  loads.push(load());

  let inventory = base;
  const incs: SyncResult[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [c, change] of changes.entries()) {
      const index = 1000 + round * 2000 + c * 300; // a different service every time
      inventory = change.apply(inventory, index);
      const r = await syncer.sync(inventory);
      if (r.kind !== "incremental") throw new Error(`${change.name}: sync was ${r.kind}`);
      incs.push(r);
      if (round === 0)
        rows.push({
          bench,
          metric: `incremental "${change.name}" (render + apply, ${r.operations} ops)`,
          value: r.durationMs,
          unit: "ms",
        });
    }
  }
  loads.push(load());
  const full = median(fulls.map((r) => r.durationMs));
  const incr = median(incs.map((r) => r.durationMs));
  rows.push(
    {
      bench,
      metric: `full reload at 10000 svc (median of ${fulls.length}, render + apply)`,
      value: full,
      unit: "ms",
    },
    {
      bench,
      metric: "  of which render + hash",
      value: median(fulls.map((r) => r.durationMs - r.applyMs)),
      unit: "ms",
    },
    {
      bench,
      metric: "  of which nft apply",
      value: median(fulls.map((r) => r.applyMs)),
      unit: "ms",
    },
    {
      bench,
      metric: `incremental one object (median of ${incs.length}, render + apply)`,
      value: incr,
      unit: "ms",
      target: "≤ 50 ms",
      pass: incr <= 50,
    },
    {
      bench,
      metric: "  of which render + diff + hash",
      value: median(incs.map((r) => r.durationMs - r.applyMs)),
      unit: "ms",
    },
    {
      bench,
      metric: "  of which nft apply",
      value: median(incs.map((r) => r.applyMs)),
      unit: "ms",
    },
    {
      bench,
      metric: "incremental / full reload",
      value: incr / full,
      unit: "ratio",
      target: "≤ 1/20 (0.05)",
      pass: incr / full <= 0.05,
    },
    {
      bench,
      metric: "incremental transaction size (median ops)",
      value: median(incs.map((r) => r.operations)),
      unit: "ops",
    },
  );
  rows.push(...(await nftFloor(runner)));
  loads.push(load());
  if ((await syncer.checkDrift()).clean !== true) throw new Error("drift after the bench");
} finally {
  await ns.stop();
}
rows.push({
  bench,
  metric: `1-min load average during the run (min..max of ${loads.length} readings: ${loads.map((l) => l.toFixed(1)).join(", ")})`,
  value: Math.max(...loads),
  unit: "load",
});
report(rows);

/**
 * What one `nft -f` costs at this size before it does anything useful, taken
 * apart with a scratch chain no base chain reaches (removed afterwards):
 * a transaction nft 1.0.6 needs no cache for (`flush chain`); one that makes it
 * load every chain name first (`add rule … counter`); one whose rule makes the
 * kernel validate the whole table at commit (`add rule … dnat`).
 */
async function nftFloor(runner: NftRunner): Promise<BenchRow[]> {
  const t = settings.natTableName;
  const scratch = "zz-bench-scratch";
  await runner.apply(`add chain inet ${t} ${scratch}\n`);
  const time = async (script: string): Promise<number> => {
    const ms: number[] = [];
    for (let k = 0; k < 7; k++) ms.push((await runner.apply(script)).durationMs);
    return median(ms);
  };
  const flush = `flush chain inet ${t} ${scratch}\n`;
  const noCache = await time(flush);
  const chainCache = await time(`${flush}add rule inet ${t} ${scratch} counter\n`);
  const validation = await time(
    `${flush}add rule inet ${t} ${scratch} meta l4proto tcp dnat ip to 192.0.2.1:80\n`,
  );
  await runner.apply(`${flush}delete chain inet ${t} ${scratch}\n`);
  return [
    { bench, metric: "nft floor: flush chain (no cache needed)", value: noCache, unit: "ms" },
    {
      bench,
      metric: "nft floor: + add rule (nft 1.0.6 loads all chain names)",
      value: chainCache,
      unit: "ms",
    },
    {
      bench,
      metric: "nft floor: + rule the kernel validates (dnat: whole-table walk at commit)",
      value: validation,
      unit: "ms",
    },
  ];
}
