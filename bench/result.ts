// How a bench file reports: rows of measured values, written as JSON to the
// file named by BENCH_RESULT_FILE (set by bench/run.ts) or to stdout.
import { appendFileSync } from "node:fs";

/** One measured figure. */
export interface BenchRow {
  /** The bench file's short name, e.g. "nft-cold-load". */
  readonly bench: string;
  /** What was measured, e.g. "cold load, ours (10000 svc × 4 ep + 1000 pol)". */
  readonly metric: string;
  readonly value: number;
  /** "s", "ms", "conn/s", "MiB", "ratio", … */
  readonly unit: string;
  /** The target in words, e.g. "≤ 1/15 of kube-proxy"; absent when informative only. */
  readonly target?: string;
  /** Whether the target was met; absent when there is no target. */
  readonly pass?: boolean;
}

/**
 * Emits rows: appends them as JSON lines to $BENCH_RESULT_FILE when set, and
 * always logs them readably to stderr. Empty input emits nothing.
 */
export function report(rows: readonly BenchRow[]): void {
  for (const row of rows) {
    const target = row.target ? `  [target ${row.target}: ${row.pass ? "met" : "MISSED"}]` : "";
    process.stderr.write(`  ${row.metric}: ${format(row.value)} ${row.unit}${target}\n`);
  }
  const file = process.env["BENCH_RESULT_FILE"];
  if (file) appendFileSync(file, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  else process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
}

/** A number with a sensible number of digits for a table. */
export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 0.1) return value.toFixed(3);
  return value.toPrecision(3);
}

/** Median of a non-empty list (NaN for an empty one). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
