// Progress of a long replay on a terminal: one line on stderr, redrawn in place.
import type { Progress, ProgressListener } from "../audit/progress.ts";
import { count } from "./audit-table.ts";

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

/** The line for one progress report: `verify 120,000/1,000,000 events  95,000 ev/s  ~9 s left`. */
export function progressLine(p: Progress): string {
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const total = p.total > 0 ? `/${count(p.total)}` : "";
  const left = p.total > p.done && rate > 0 ? `  ~${duration((p.total - p.done) / rate)} left` : "";
  return `${p.phase} ${count(p.done)}${total} events  ${count(Math.round(rate))} ev/s${left}`;
}

/**
 * A listener drawing progress on `write` (a terminal's stderr): the line is redrawn
 * in place (`\r`, erase to end of line) and erased when the phase finishes, so the
 * command's own output stays clean.
 */
export function terminalProgress(write: (text: string) => void): ProgressListener {
  return (p) => write(p.finished ? "\r\x1b[K" : `\r\x1b[K${progressLine(p)}`);
}
