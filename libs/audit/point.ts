// A point in the event log: a stream sequence or a time, as an auditor types it.
//
// `1234` and `seq:1234` are sequences; RFC 3339 date-times (`2026-11-26T15:00:00Z`,
// `2026-11-26T16:00:00.250+01:00`) are times. Times are compared with the time the
// server STORED each message (JetStream's own clock, millisecond precision), not the
// writer's `occurredAt`: storage order is stream order, so "the state at 15:00" is a
// prefix of the log, which a writer's clock cannot promise.
import type { Problem } from "../domain/model.ts";

/** A prefix of the log: up to and including a sequence, or every message stored at or before a time. */
export type LogPoint =
  | { readonly seq: number }
  /** Unix milliseconds. */
  | { readonly time: number };

export type PointResult =
  | { readonly ok: true; readonly point: LogPoint }
  | { readonly ok: false; readonly problem: Problem };

const SEQUENCE = /^(?:seq:)?([0-9]{1,16})$/;
const RFC3339 =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;

const HINT = "a time (rfc 3339, e.g. 2026-11-26T15:00:00Z) or a sequence (1234 or seq:1234)";

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Unix milliseconds of an RFC 3339 date-time, or null when `text` is not one (or
 * names no real calendar day). Fractions beyond milliseconds are cut (stored times
 * have millisecond precision); a leap second (:60) counts as :59.999.
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(1, 4).padEnd(3, "0"));
  const leap = second === 60;
  const d = new Date(
    Date.UTC(2000, month - 1, day, hour, minute, leap ? 59 : second, leap ? 999 : ms),
  );
  d.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return d.getTime() - offsetMinutes * 60_000;
}

/**
 * Parses the value of a point flag (`--at`, `--from`, `--to`, or a query parameter
 * named `flag`). Never throws: a bad value is a problem whose path is the flag and
 * whose message quotes the value, e.g.
 * `--at: "yesterday" is not a time (rfc 3339, …) or a sequence (1234 or seq:1234)`.
 * Empty text is a problem too.
 */
export function parsePoint(text: string, flag: string): PointResult {
  const bad = (why = ""): PointResult => ({
    ok: false,
    problem: { path: flag, message: `${JSON.stringify(text)} is not ${HINT}${why}` },
  });
  const seq = SEQUENCE.exec(text);
  if (seq !== null) {
    const n = Number(seq[1]);
    return Number.isSafeInteger(n) ? { ok: true, point: { seq: n } } : bad(": too large");
  }
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) return bad(": add a time of day and a zone");
  const ms = parseRfc3339(text);
  if (ms === null) return bad();
  return { ok: true, point: { time: ms } };
}

/** `seq 1234` or `2026-11-26T15:00:00.000Z`: how a point is shown to people. */
export function formatPoint(point: LogPoint): string {
  return "seq" in point ? `seq ${point.seq}` : new Date(point.time).toISOString();
}

/** The point as the query text `parsePoint` reads back (`seq:1234` or an ISO time). */
export function pointQuery(point: LogPoint): string {
  return "seq" in point ? `seq:${point.seq}` : new Date(point.time).toISOString();
}
