// One service changed at 10,000 services (× 4 endpoints, + 1,000 policies):
// the incremental transaction (libs/nft renderIncremental from the committed
// ruleset, applied with NftRunner) against a full reload of the same state
// (the full transaction applied over the loaded tables), in one namespace.
// Several kinds of change, each on a different service; medians reported.
// Target: incremental ≤ 50 ms and ≤ 1/20 of the full reload.
import type { Endpoint, Inventory } from "../libs/domain/model.ts";
import { renderFull, renderIncremental, toScript, type Ruleset } from "../libs/nft/render/index.ts";
import { NftRunner } from "../libs/nft/runner.ts";
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
  const first = renderFull(base, settings);
  const cold = await runner.apply(toScript(first.tx));
  rows.push({
    bench,
    metric: "cold load (10000 svc × 4 ep + 1000 pol)",
    value: cold.durationMs / 1000,
    unit: "s",
  });

  const fullMs: number[] = [];
  let committed: Ruleset = first.ruleset;
  for (let k = 0; k < 3; k++) {
    const full = renderFull(base, settings, committed);
    fullMs.push((await runner.apply(toScript(full.tx))).durationMs);
    committed = full.ruleset;
  }

  let inventory = base;
  const incrementalMs: number[] = [];
  const renderMs: number[] = [];
  const applyMs: number[] = [];
  const opCounts: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [c, change] of changes.entries()) {
      const index = 1000 + round * 2000 + c * 400; // a different service every time
      inventory = changeOne(inventory, index, change.edit);
      const t0 = performance.now();
      const next = renderIncremental(committed, inventory, settings);
      const t1 = performance.now();
      if (next.kind !== "incremental")
        throw new Error(`${change.name}: renderer fell back to ${next.kind}`);
      const applied = await runner.apply(toScript(next.tx));
      committed = next.ruleset;
      renderMs.push(t1 - t0);
      applyMs.push(applied.durationMs);
      incrementalMs.push(t1 - t0 + applied.durationMs);
      opCounts.push(next.tx.length);
      if (round === 0)
        rows.push({
          bench,
          metric: `incremental "${change.name}" (render + apply, ${next.tx.length} ops)`,
          value: t1 - t0 + applied.durationMs,
          unit: "ms",
        });
    }
  }
  // The same kind of one-service transaction (flush chain + add rules: it can
  // be applied again) with the heap settled: what nft itself costs at 10,000
  // services, without the fork cost of a Node process full of fresh garbage.
  const settledMs: number[] = [];
  const again = renderIncremental(
    committed,
    changeOne(inventory, 9000, (eps) => eps.slice(1)),
    settings,
  );
  const againScript = toScript(again.tx);
  for (let k = 0; k < 5; k++) {
    (globalThis as { gc?: () => void }).gc?.();
    settledMs.push((await runner.apply(againScript)).durationMs);
  }
  const full = median(fullMs);
  const incr = median(incrementalMs);
  rows.push(
    {
      bench,
      metric: `full reload at 10000 svc (median of ${fullMs.length}, apply only)`,
      value: full,
      unit: "ms",
    },
    {
      bench,
      metric: `incremental one service (median of ${incrementalMs.length}, render + apply)`,
      value: incr,
      unit: "ms",
      target: "≤ 50 ms",
      pass: incr <= 50,
    },
    { bench, metric: "  of which renderIncremental", value: median(renderMs), unit: "ms" },
    {
      bench,
      metric: "  of which nft apply (spawned right after rendering)",
      value: median(applyMs),
      unit: "ms",
    },
    {
      bench,
      metric: `nft apply of a one-service transaction, heap settled (median of ${settledMs.length})`,
      value: median(settledMs),
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
      value: median(opCounts),
      unit: "ops",
    },
  );
} finally {
  await ns.stop();
}
report(rows);
