// One service changed at 10,000 services (× 4 endpoints, + 1,000 policies):
// libs/nft's Syncer (incremental transaction against its shadow copy, applied
// with NftRunner) against a full reload of the same state (Syncer after
// requestFullSync: the full transaction over the loaded tables), in one
// namespace, times as the Syncer reports them (render + nft).
// Several kinds of change, each on a different service; medians reported.
// Target: incremental ≤ 50 ms and ≤ 1/20 of the full reload.
import type { Endpoint, Inventory } from "../libs/domain/model.ts";
import { NftRunner } from "../libs/nft/runner.ts";
import { Syncer } from "../libs/nft/syncer.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../libs/nft/settings.ts";
import { syntheticInventory } from "../libs/nft/synthetic.ts";
import { createNamespace } from "../tests/harness/netns.ts";
import { median, report, type BenchRow } from "./result.ts";

const bench = "nft-incremental";
const settings = DEFAULT_GATEWAY_SETTINGS;
const base = syntheticInventory({ services: 10_000, endpointsPerService: 4, policies: 1_000 });

/** Kinds of one-service change; `i` picks the service. */
const changes: readonly { name: string; edit: (eps: readonly Endpoint[]) => Endpoint[] }[] = [
  {
    name: "endpoint added",
    edit: (eps) => [...eps, { address: "192.0.2.250", port: 9999, weight: 1, state: "ready" }],
  },
  { name: "endpoint removed", edit: (eps) => eps.slice(1) },
  {
    name: "endpoint draining",
    edit: (eps) => eps.map((e, k) => (k === 0 ? { ...e, state: "draining" } : e)),
  },
  { name: "weight changed", edit: (eps) => eps.map((e, k) => (k === 0 ? { ...e, weight: 3 } : e)) },
];

function changeOne(
  inventory: Inventory,
  serviceIndex: number,
  edit: (eps: readonly Endpoint[]) => Endpoint[],
): Inventory {
  return {
    ...inventory,
    endpoints: inventory.endpoints.map((e, i) =>
      i === serviceIndex
        ? {
            ...e,
            endpoints: edit(e.endpoints).sort((a, b) =>
              a.address < b.address
                ? -1
                : a.address > b.address
                  ? 1
                  : (a.port ?? 0) - (b.port ?? 0),
            ),
          }
        : e,
    ),
  };
}

const ns = await createNamespace("incr");
const rows: BenchRow[] = [];
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
  const fullMs: number[] = [];
  const fullApplyMs: number[] = [];
  for (let k = 0; k < 3; k++) {
    syncer.requestFullSync();
    const full = await syncer.sync(base);
    if (full.kind !== "full") throw new Error(`expected a full sync, got ${full.kind}`);
    fullMs.push(full.durationMs);
    fullApplyMs.push(full.applyMs);
  }

  let inventory = base;
  const incrementalMs: number[] = [];
  const applyMs: number[] = [];
  const opCounts: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [c, change] of changes.entries()) {
      const index = 1000 + round * 2000 + c * 400; // a different service every time
      inventory = changeOne(inventory, index, change.edit);
      const r = await syncer.sync(inventory);
      if (r.kind !== "incremental") throw new Error(`${change.name}: sync was ${r.kind}`);
      incrementalMs.push(r.durationMs);
      applyMs.push(r.applyMs);
      opCounts.push(r.operations);
      if (round === 0)
        rows.push({
          bench,
          metric: `incremental "${change.name}" (render + apply, ${r.operations} ops)`,
          value: r.durationMs,
          unit: "ms",
        });
    }
  }
  const full = median(fullMs);
  const incr = median(incrementalMs);
  rows.push(
    {
      bench,
      metric: `full reload at 10000 svc (median of ${fullMs.length}, render + apply)`,
      value: full,
      unit: "ms",
    },
    { bench, metric: "  of which nft apply", value: median(fullApplyMs), unit: "ms" },
    {
      bench,
      metric: `incremental one service (median of ${incrementalMs.length}, render + apply)`,
      value: incr,
      unit: "ms",
      target: "≤ 50 ms",
      pass: incr <= 50,
    },
    {
      bench,
      metric: "  of which render (incremental)",
      value: median(incrementalMs) - median(applyMs),
      unit: "ms",
    },
    { bench, metric: "  of which nft apply", value: median(applyMs), unit: "ms" },
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
      value: median(opCounts),
      unit: "ops",
    },
  );
} finally {
  await ns.stop();
}
report(rows);
