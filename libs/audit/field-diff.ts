// A structural, field-level diff of two JSON-like values (specs of one aggregate at
// two versions), for people: `endpoints[1].state: "ready" → "draining"`,
// `vips: + "2001:db8::10"`.
//
// Rules, chosen for specs whose lists are sorted canonical sets:
// - objects: key by key (keys of `before` in order, then keys only in `after`);
// - lists: aligned on equal elements (longest common subsequence), so inserting one
//   endpoint shows one `+`, not a change of every later index; between two aligned
//   elements, removed and added objects are paired up in order and diffed field by
//   field; what is left is `-` / `+`;
// - a list of plain values (addresses, CIDRs) is a set: its changes are `+ value` /
//   `- value` at the list's own path, with no index;
// - anything else that differs is `before → after`.
// Deterministic: equal inputs give equal outputs. Pure.

/** One difference; `path` is empty for the whole value. */
export type FieldChange =
  | {
      readonly op: "changed";
      readonly path: string;
      readonly before: unknown;
      readonly after: unknown;
    }
  | { readonly op: "added"; readonly path: string; readonly value: unknown }
  | { readonly op: "removed"; readonly path: string; readonly value: unknown };

/** Above this many element pairs, lists are aligned by position only (bounded work). */
const MAX_ALIGN_CELLS = 250_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A canonical text of a value (object keys sorted): equal texts ⇔ deep-equal values. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Every field-level difference from `before` to `after` (see the file comment).
 * Equal values → empty list. `undefined` on one side means absent: the whole
 * value is `+` or `-`. Never throws (values must be JSON-like: no cycles).
 */
export function diffFields(before: unknown, after: unknown, path = ""): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, path, out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ op: "added", path, value: after });
    return;
  }
  if (after === undefined) {
    out.push({ op: "removed", path, value: before });
    return;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) walk(before[key], after[key], join(path, key), out);
    for (const key of Object.keys(after))
      if (!(key in before)) walk(undefined, after[key], join(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffLists(before, after, path, out);
    return;
  }
  if (canonicalJson(before) !== canonicalJson(after))
    out.push({ op: "changed", path, before, after });
}

/** Pairs (i, j) of equal elements, increasing in both, as long as possible. */
function align(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  let lo = 0;
  while (lo < a.length && lo < b.length && a[lo] === b[lo]) pairs.push([lo, lo++]);
  let aHi = a.length;
  let bHi = b.length;
  const tail: Array<[number, number]> = [];
  while (aHi > lo && bHi > lo && a[aHi - 1] === b[bHi - 1]) tail.push([--aHi, --bHi]);
  const n = aHi - lo;
  const m = bHi - lo;
  if (n > 0 && m > 0 && n * m <= MAX_ALIGN_CELLS) {
    // Classic LCS table over the middle part; ties prefer removals first (stable).
    const width = m + 1;
    const len = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        len[i * width + j] =
          a[lo + i] === b[lo + j]
            ? (len[(i + 1) * width + j + 1] ?? 0) + 1
            : Math.max(len[(i + 1) * width + j] ?? 0, len[i * width + j + 1] ?? 0);
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[lo + i] === b[lo + j]) pairs.push([lo + i++, lo + j++]);
      else if ((len[(i + 1) * width + j] ?? 0) >= (len[i * width + j + 1] ?? 0)) i++;
      else j++;
    }
  }
  return pairs.concat(tail.reverse());
}

function diffLists(
  before: readonly unknown[],
  after: readonly unknown[],
  path: string,
  out: FieldChange[],
): void {
  const pairs = align(before.map(canonicalJson), after.map(canonicalJson));
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [before.length, after.length] as [number, number]]) {
    const removed: number[] = [];
    const added: number[] = [];
    for (; i < pi; i++) removed.push(i);
    for (; j < pj; j++) added.push(j);
    runOfChanges(before, after, removed, added, path, out);
    i = pi + 1;
    j = pj + 1;
  }
}

/** One run of unaligned elements between two aligned ones. */
function runOfChanges(
  before: readonly unknown[],
  after: readonly unknown[],
  removed: readonly number[],
  added: readonly number[],
  path: string,
  out: FieldChange[],
): void {
  let k = 0;
  for (; k < removed.length && k < added.length; k++) {
    const x = before[removed[k] as number];
    const y = after[added[k] as number];
    if (!isPlainObject(x) || !isPlainObject(y)) break;
    walk(x, y, `${path}[${added[k]}]`, out);
  }
  for (const r of removed.slice(k)) {
    const value = before[r];
    out.push({ op: "removed", path: isPlainObject(value) ? `${path}[${r}]` : path, value });
  }
  for (const a of added.slice(k)) {
    const value = after[a];
    out.push({ op: "added", path: isPlainObject(value) ? `${path}[${a}]` : path, value });
  }
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? "undefined";
}

/**
 * One change as a line: `path: before → after`, `path: + value`, `path: - value`
 * (values as JSON; an empty path prints without the `path: ` prefix).
 */
export function formatChange(c: FieldChange): string {
  const prefix = c.path === "" ? "" : `${c.path}: `;
  switch (c.op) {
    case "changed":
      return `${prefix}${show(c.before)} → ${show(c.after)}`;
    case "added":
      return `${prefix}+ ${show(c.value)}`;
    case "removed":
      return `${prefix}- ${show(c.value)}`;
  }
}
