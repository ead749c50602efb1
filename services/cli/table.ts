// Plain-text tables for the CLI's human output.

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. Empty rows → header only. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `a, b, c` (or `-` for none). */
export function list(values: readonly unknown[]): string {
  return values.length === 0 ? "-" : values.map(String).join(", ");
}

/** How long ago `ms` (unix ms) was, relative to `now`: `3s`, `2m`, `5h`, `-` for null. */
export function ago(ms: number | null, now: number): string {
  if (ms === null) return "-";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}
