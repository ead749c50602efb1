// Memory mode of the gateway process (V8 heap tuning), chosen by `--memory`.
//
// Why: at 10,000 services the first full render (and, before libs/nft rendered
// incrementally, every sync) allocates ~100 MB; V8 then grows the young generation
// to ~130 MB and keeps the pages, although only ~25-40 MB stay alive: ~270 MB RSS
// at rest. Measured remedies (bench gateway-bootstrap; numbers in the README):
// - `adaptive` (default): V8's defaults while applying; `idleMs` after an apply
//   (or a drift check), one full "last resort" collection (the one V8 runs under
//   memory pressure), which also shrinks the young generation and returns the
//   pages: ~140 MB at rest. At most one per `minIntervalMs`, so a steady stream of
//   changes gets one every few seconds (tens of ms each at 10k services).
// - `lean`: `--optimize-for-size` all the time: ~145-160 MB, peak ~200 MB; it
//   made syncs ~4x slower while libs/nft re-rendered everything per sync.
// - `fast`: V8's defaults only.
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
