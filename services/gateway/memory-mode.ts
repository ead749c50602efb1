// Memory mode of the gateway process (V8 heap tuning), chosen by `--memory`.
//
// Why: at 10,000 services every incremental sync re-renders the whole ruleset in
// libs/nft, allocating tens of MB. V8 then grows the young generation to ~130 MB
// and the old one with promoted garbage: 400-500 MB RSS, although only ~25 MB
// stay alive. Measured remedies:
// - `adaptive` (default): V8's defaults while applying; once the gateway has been
//   `idleMs` after an apply, one full "last resort" collection (the one V8 runs
//   under memory pressure), which also shrinks the young generation and returns
//   the pages: ~120-190 MB at rest. At most one per `minIntervalMs`, so a steady
//   stream of changes gets one every few seconds (~50-100 ms each at 10k services).
// - `lean`: `--optimize-for-size` all the time: stays under ~230 MB even during
//   bursts, but syncs at 10k services take ~4x longer (the small heap is collected
//   over and over).
// - `fast`: V8's defaults only (the memory reducer gives pages back after ~10 s
//   of idleness, not sooner).
// Heap size flags (`--max-semi-space-size`) only work on the command line or in
// NODE_OPTIONS; these two can be flipped at run time.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export type MemoryMode = "fast" | "lean" | "adaptive";
export const MEMORY_MODES: readonly MemoryMode[] = ["fast", "lean", "adaptive"];

export interface MemoryGovernor {
  /** An apply ended (adaptive: collect `idleMs` later, at most once per `minIntervalMs`). */
  settled(): void;
  close(): void;
}

type GcOptions = { type: "major"; execution: "sync"; flavor: "last-resort" };

/** V8's `gc` function, exposed at run time (the flag is read when a context is made). */
function exposedGc(): ((o: GcOptions) => void) | null {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as unknown;
  return typeof gc === "function" ? (gc as (o: GcOptions) => void) : null;
}

const NONE: MemoryGovernor = {
  settled: () => undefined,
  close: () => undefined,
};

/** Applies `mode` now and returns the hooks that keep it (no-ops for fast and lean). */
export function memoryGovernor(
  mode: MemoryMode,
  idleMs = 1_000,
  minIntervalMs = 3_000,
): MemoryGovernor {
  if (mode === "lean") setFlagsFromString("--optimize-for-size");
  if (mode !== "adaptive") return NONE;
  const gc = exposedGc();
  if (gc === null) return NONE;
  let timer: NodeJS.Timeout | null = null;
  let lastRun = -Infinity;
  const cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    settled() {
      if (timer !== null) return; // already due: applies in between do not postpone it
      const wait = Math.max(idleMs, lastRun + minIntervalMs - performance.now());
      timer = setTimeout(() => {
        timer = null;
        lastRun = performance.now();
        gc({ type: "major", execution: "sync", flavor: "last-resort" });
      }, wait);
      timer.unref();
    },
    close: cancel,
  };
}
