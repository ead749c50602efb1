// Reading untrusted input (parsed JSON/YAML, or decoded protobuf) field by field.
//
// Every reader takes the value, its path and the problem list; it returns the typed
// value, or null after recording why not. None of them throws, whatever the input
// (NaN, bigint, arrays for objects, `__proto__` keys, 1 MB strings): they only use
// `typeof`, own-property checks and bounded string work.
import type { Problem } from "./model.ts";

/** The outcome of validating untrusted input: the canonical value, or every problem. */
export type Validation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Collects problems in the order they are found. */
export class ProblemList {
  readonly items: Problem[] = [];

  add(path: string, message: string): void {
    this.items.push({ path, message });
  }

  get count(): number {
    return this.items.length;
  }
}

/** Builds a Validation from a value and the problems found while reading it. */
export function validation<T>(value: T | null, problems: ProblemList): Validation<T> {
  if (problems.count > 0 || value === null) {
    return { ok: false, problems: problems.items };
  }
  return { ok: true, value };
}

/** `base.key`, `base[3]`, or just the key at the root. */
export function at(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

const QUOTE_MAX = 64;

/**
 * Prints a value for a message: strings JSON-quoted (newlines, quotes and control
 * characters escaped) and cut at 64 characters; objects and lists as short JSON.
 */
export function quote(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "undefined":
      return "undefined";
    case "object": {
      if (value === null) return "null";
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      if (text === undefined) return Array.isArray(value) ? "a list" : "an object";
      return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
    }
    default:
      return `a ${typeof value}`;
  }
}

/** A plain object (from JSON/YAML), not an array, null, Map or class instance. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The own property `key` of `obj` (never one inherited, e.g. `constructor`). */
export function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Levenshtein distance, bounded: returns early once it exceeds `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** The known name closest to a mistyped one (edit distance at most 2), if any. */
function closest(key: string, names: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = distance(key, name, 2);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * Reads an object with a closed set of fields. Records "is not an object" (and returns
 * null) for anything else; records each unknown field, suggesting a close known name,
 * because a typo must never be silently ignored.
 */
export function readObject(
  value: unknown,
  path: string,
  problems: ProblemList,
  what: string,
  fields: readonly string[],
): Record<string, unknown> | null {
  if (!isRecord(value)) {
    problems.add(path, `${quote(value)} is not ${what} (an object)`);
    return null;
  }
  for (const key of Object.keys(value)) {
    if (fields.includes(key)) continue;
    const near = closest(key, fields);
    const hint =
      near === undefined ? `known fields: ${fields.join(", ")}` : `did you mean "${near}"?`;
    problems.add(at(path, key), `${quote(key)} is not a field of ${what} (${hint})`);
  }
  return value;
}

/** True when an optional field was left out (absent or null: YAML `key:` means null). */
export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** Reads a field value at a path; returns null after recording a problem. */
export type FieldReader<T> = (value: unknown, path: string, problems: ProblemList) => T | null;

/** Reads the required field `key` of `obj`; records "is required" when it is absent. */
export function requiredField<T>(
  obj: Record<string, unknown>,
  key: string,
  base: string,
  problems: ProblemList,
  read: FieldReader<T>,
): T | null {
  const value = field(obj, key);
  if (value === undefined) {
    problems.add(at(base, key), "is required");
    return null;
  }
  return read(value, at(base, key), problems);
}

/**
 * Reads the optional field `key` of `obj`, or returns `fallback` when it is absent or
 * null. A null result is ambiguous when `fallback` is null: callers compare problem
 * counts to know whether reading failed.
 */
export function optionalField<T>(
  obj: Record<string, unknown>,
  key: string,
  base: string,
  problems: ProblemList,
  fallback: T,
  read: FieldReader<T>,
): T | null {
  const value = field(obj, key);
  return isAbsent(value) ? fallback : read(value, at(base, key), problems);
}

/** An integer in [min, max] (no strings, floats, NaN or bigints), described as `what`. */
export function readInteger(
  value: unknown,
  path: string,
  problems: ProblemList,
  what: string,
  min: number,
  max: number,
): number | null {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  problems.add(path, `${quote(value)} is not ${what} (${min}-${max})`);
  return null;
}

/** One of `values`, spelled exactly (case matters). */
export function readEnum<T extends string>(
  value: unknown,
  path: string,
  problems: ProblemList,
  what: string,
  values: readonly T[],
): T | null {
  const found = values.find((v) => v === value);
  if (found !== undefined) return found;
  problems.add(path, `${quote(value)} is not ${what} (${values.join(", ")})`);
  return null;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** True for a DNS label: safe as a NATS subject token and inside nftables names. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === "string" && DNS_LABEL.test(value);
}

/** A DNS label (`[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`), described as `what`. */
export function readDnsLabel(
  value: unknown,
  path: string,
  problems: ProblemList,
  what: string,
): string | null {
  if (isDnsLabel(value)) return value;
  problems.add(
    path,
    `${quote(value)} is not ${what} (a dns label: 1-63 lower-case letters, digits or '-', ` +
      `starting and ending with a letter or digit)`,
  );
  return null;
}

/**
 * A list of `min`..`max` entries. A non-list, or a length out of bounds, is one problem
 * and null: entries of an oversized list are not read, so a hostile 10-million-entry
 * list costs one comparison, not ten million problems.
 */
export function readList(
  value: unknown,
  path: string,
  problems: ProblemList,
  noun: string,
  min: number,
  max: number,
): readonly unknown[] | null {
  if (!Array.isArray(value)) {
    problems.add(path, `${quote(value)} is not a list of ${noun}`);
    return null;
  }
  if (value.length < min) {
    problems.add(path, `has ${value.length} ${noun}; at least ${min} required`);
    return null;
  }
  if (value.length > max) {
    problems.add(path, `has ${value.length} ${noun}; at most ${max} allowed`);
    return null;
  }
  return value as unknown[];
}
