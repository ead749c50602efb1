// Render time and heap for 10,000 services × 4 endpoints + 1,000 policies:
// libs/nft's renderFull (inventory → ruleset → transaction) and toScript
// (transaction → `nft -f` text), pure CPU, no namespace. Target: ≤ 100 ms.
// Reported: the first (cold, JIT not warm) render and the median of the next
// runs; heap retained by the rendered result and the peak heap during a render.
// The baselines' render times are shown for context (their script generators
// are bench code, not tuned). CPU time (all threads, so garbage collection
// included) is reported beside wall time: on a shared machine it moves much
// less than wall time with the load, which is reported too.
import { loadavg } from "node:os";
import { renderFull, toScript } from "../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../libs/nft/settings.ts";
import { syntheticInventory } from "../libs/nft/synthetic.ts";
import { kubeProxyLayout, seedLayout } from "./layouts/layouts.ts";
import { median, report, type BenchRow } from "./result.ts";

const bench = "nft-render";
const runs = 15;
const inventory = syntheticInventory({ services: 10_000, endpointsPerService: 4, policies: 1_000 });
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number): number => bytes / 2 ** 20;

function heapNow(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timeRender(): { renderMs: number; printMs: number; cpuMs: number; bytes: number } {
  const c0 = cpuMs();
  const t0 = performance.now();
  const rendered = renderFull(inventory, DEFAULT_GATEWAY_SETTINGS);
  const t1 = performance.now();
  const script = toScript(rendered.tx);
  const t2 = performance.now();
  return { renderMs: t1 - t0, printMs: t2 - t1, cpuMs: cpuMs() - c0, bytes: script.length };
}

const loadBefore = loadavg()[0] ?? NaN;
const cold = timeRender();
const warm = Array.from({ length: runs }, timeRender);
const loadAfter = loadavg()[0] ?? NaN;
const total = median(warm.map((w) => w.renderMs + w.printMs));

// Heap: what a kept result costs (the syncer keeps the ruleset as its shadow
// copy), and the peak while rendering and printing (sampled after each step).
const before = heapNow();
const kept = renderFull(inventory, DEFAULT_GATEWAY_SETTINGS);
const peakAfterRender = process.memoryUsage().heapUsed - before;
const script = toScript(kept.tx);
const peakAfterPrint = process.memoryUsage().heapUsed - before;
const retainedTxAndRuleset = heapNow() - before;
// Both are read after the measurement, so they are alive (retained) while it runs.
const scriptLength = script.length;
if (kept.tx.length === 0) throw new Error("nft-render: the rendered transaction is empty");

const rows: BenchRow[] = [
  {
    bench,
    metric: "renderFull + toScript, cold (first run)",
    value: cold.renderMs + cold.printMs,
    unit: "ms",
  },
  {
    bench,
    metric: `renderFull + toScript, warm (median of ${runs})`,
    value: total,
    unit: "ms",
    target: "≤ 100 ms",
    pass: total <= 100,
  },
  {
    bench,
    metric: "  of which renderFull",
    value: median(warm.map((w) => w.renderMs)),
    unit: "ms",
  },
  { bench, metric: "  of which toScript", value: median(warm.map((w) => w.printMs)), unit: "ms" },
  {
    bench,
    metric: `renderFull + toScript, CPU time all threads (median of ${runs})`,
    value: median(warm.map((w) => w.cpuMs)),
    unit: "ms",
  },
  {
    bench,
    metric: `1-min load average before..after (${loadBefore.toFixed(1)}..${loadAfter.toFixed(1)})`,
    value: Math.max(loadBefore, loadAfter),
    unit: "load",
  },
  { bench, metric: "script size", value: mib(scriptLength), unit: "MiB" },
  {
    bench,
    metric: "heap growth after renderFull (before gc)",
    value: mib(peakAfterRender),
    unit: "MiB",
  },
  {
    bench,
    metric: "heap growth after toScript (before gc)",
    value: mib(peakAfterPrint),
    unit: "MiB",
  },
  {
    bench,
    metric: "heap retained by ruleset + tx + script",
    value: mib(retainedTxAndRuleset),
    unit: "MiB",
  },
];
for (const layout of [seedLayout, kubeProxyLayout]) {
  const times = Array.from({ length: 3 }, () => {
    const t0 = performance.now();
    layout.render(inventory);
    return performance.now() - t0;
  });
  rows.push({
    bench,
    metric: `baseline generator ${layout.name} (median of 3)`,
    value: median(times),
    unit: "ms",
  });
}
report(rows);
