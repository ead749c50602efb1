// Plain-text helpers for the audit commands' human output (tables come from table.ts).

/** `1,234,567`: counts people read. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}
