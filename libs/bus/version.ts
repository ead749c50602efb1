// The aggregate version an event carries in a header, so the bus can report the
// current version of a subject without knowing the event schema.

/** Header carrying the aggregate version of the event (a decimal integer >= 1). */
export const VERSION_HEADER = "Lbaas-Version";

/** Parses a `Lbaas-Version` header value; null when absent or not a positive integer. */
export function parseVersion(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
