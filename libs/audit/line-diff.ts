// A line diff of two texts (ruleset scripts), printed unified-style.
//
// Algorithm: patience diff. Common head and tail lines are matched first; in what
// is left, lines that occur exactly once on each side anchor the alignment (their
// longest increasing run), and the gaps between anchors are diffed the same way.
// Ruleset lines are nearly all unique (every rule and element names its table, chain
// or set), so this is close to linear on rulesets of 100,000 lines; a gap with no
// unique line falls back to an exact LCS when small and to "all removed, all added"
// when large, which bounds the work. Within a changed run, removals print before
// additions. Deterministic and pure.

/** One line of the edit script. */
export interface DiffLine {
  readonly op: " " | "-" | "+";
  readonly text: string;
}

/** A unified hunk: 1-based starts; a count of 0 starts at the line before. */
export interface Hunk {
  readonly fromStart: number;
  readonly fromCount: number;
  readonly toStart: number;
  readonly toCount: number;
  readonly lines: readonly DiffLine[];
}

export interface LineDiff {
  readonly added: number;
  readonly removed: number;
  readonly hunks: readonly Hunk[];
}

/** Gaps with no unique anchor are diffed exactly up to this many line pairs. */
const MAX_LCS_CELLS = 1_000_000;

type Op = " " | "-" | "+";

/** Splits a text into lines; a final newline does not make an empty last line. */
export function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The edit script from `a` to `b`: every line of both, in order, tagged " ", "-" or "+". */
export function editScript(a: readonly string[], b: readonly string[]): DiffLine[] {
  const ops: Op[] = [];
  diffRange(a, 0, a.length, b, 0, b.length, ops);
  // Turn ops into lines, printing each changed run's removals before its additions.
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  let k = 0;
  while (k < ops.length) {
    if (ops[k] === " ") {
      out.push({ op: " ", text: a[i++] as string });
      j++;
      k++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    for (; k < ops.length && ops[k] !== " "; k++) {
      if (ops[k] === "-") removed.push({ op: "-", text: a[i++] as string });
      else added.push({ op: "+", text: b[j++] as string });
    }
    out.push(...removed, ...added);
  }
  return out;
}

function diffRange(
  a: readonly string[],
  aLo: number,
  aHi: number,
  b: readonly string[],
  bLo: number,
  bHi: number,
  ops: Op[],
): void {
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
    ops.push(" ");
    aLo++;
    bLo++;
  }
  let tail = 0;
  while (aHi > aLo && bHi > bLo && a[aHi - 1] === b[bHi - 1]) {
    aHi--;
    bHi--;
    tail++;
  }
  if (aLo === aHi || bLo === bHi) {
    for (let i = aLo; i < aHi; i++) ops.push("-");
    for (let j = bLo; j < bHi; j++) ops.push("+");
  } else {
    const anchors = uniqueAnchors(a, aLo, aHi, b, bLo, bHi);
    if (anchors.length > 0) {
      let i = aLo;
      let j = bLo;
      for (const [ai, bj] of anchors) {
        diffRange(a, i, ai, b, j, bj, ops);
        ops.push(" ");
        i = ai + 1;
        j = bj + 1;
      }
      diffRange(a, i, aHi, b, j, bHi, ops);
    } else lcsRange(a, aLo, aHi, b, bLo, bHi, ops);
  }
  for (let t = 0; t < tail; t++) ops.push(" ");
}

/** Lines unique on both sides of the ranges, matched, longest run increasing on both sides. */
function uniqueAnchors(
  a: readonly string[],
  aLo: number,
  aHi: number,
  b: readonly string[],
  bLo: number,
  bHi: number,
): Array<[number, number]> {
  // count: -1 = seen twice somewhere; index in a (>= 0) while unique.
  const inA = new Map<string, number>();
  for (let i = aLo; i < aHi; i++) {
    const line = a[i] as string;
    inA.set(line, inA.has(line) ? -1 : i);
  }
  const inB = new Map<string, number>();
  for (let j = bLo; j < bHi; j++) {
    const line = b[j] as string;
    if (inA.has(line)) inB.set(line, inB.has(line) ? -1 : j);
  }
  const pairs: Array<[number, number]> = [];
  for (let i = aLo; i < aHi; i++) {
    const line = a[i] as string;
    const j = inB.get(line);
    if (inA.get(line) === i && j !== undefined && j >= 0) pairs.push([i, j]);
  }
  return longestIncreasing(pairs);
}

/** Longest subsequence of `pairs` (sorted by first) increasing in second (patience sort). */
function longestIncreasing(pairs: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const tops: number[] = []; // index into pairs of the top of each pile
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const j = (pairs[k] as [number, number])[1];
    let lo = 0;
    let hi = tops.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((pairs[tops[mid] as number] as [number, number])[1] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tops[lo - 1] as number;
    tops[lo] = k;
  }
  const out: Array<[number, number]> = [];
  for (let k = tops.length > 0 ? (tops[tops.length - 1] as number) : -1; k >= 0; k = prev[k] ?? -1)
    out.push(pairs[k] as [number, number]);
  return out.reverse();
}

function lcsRange(
  a: readonly string[],
  aLo: number,
  aHi: number,
  b: readonly string[],
  bLo: number,
  bHi: number,
  ops: Op[],
): void {
  const n = aHi - aLo;
  const m = bHi - bLo;
  if (n * m > MAX_LCS_CELLS) {
    for (let i = 0; i < n; i++) ops.push("-");
    for (let j = 0; j < m; j++) ops.push("+");
    return;
  }
  const w = m + 1;
  const len = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      len[i * w + j] =
        a[aLo + i] === b[bLo + j]
          ? (len[(i + 1) * w + j + 1] as number) + 1
          : Math.max(len[(i + 1) * w + j] as number, len[i * w + j + 1] as number);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[aLo + i] === b[bLo + j]) {
      ops.push(" ");
      i++;
      j++;
    } else if (
      j >= m ||
      (i < n && (len[(i + 1) * w + j] as number) >= (len[i * w + j + 1] as number))
    ) {
      ops.push("-");
      i++;
    } else {
      ops.push("+");
      j++;
    }
  }
}

/**
 * The hunks of a line diff from `before` to `after` with `context` unchanged lines
 * around each change (hunks whose context touches are merged, as `diff -u` does).
 * Equal inputs → no hunks.
 */
export function diffLines(
  before: readonly string[],
  after: readonly string[],
  context = 3,
): LineDiff {
  const script = editScript(before, after);
  let added = 0;
  let removed = 0;
  const changed: number[] = [];
  script.forEach((l, k) => {
    if (l.op === "+") added++;
    if (l.op === "-") removed++;
    if (l.op !== " ") changed.push(k);
  });
  const hunks: Hunk[] = [];
  // Lines of each side before script[pos], advanced hunk by hunk (linear overall).
  const cursor = { pos: 0, from: 0, to: 0 };
  let c = 0;
  while (c < changed.length) {
    const start = Math.max(0, (changed[c] as number) - context);
    let end = (changed[c] as number) + context + 1;
    while (c + 1 < changed.length && (changed[c + 1] as number) - context <= end)
      end = (changed[++c] as number) + context + 1;
    end = Math.min(end, script.length);
    for (; cursor.pos < start; cursor.pos++) {
      const op = (script[cursor.pos] as DiffLine).op;
      if (op !== "+") cursor.from++;
      if (op !== "-") cursor.to++;
    }
    hunks.push(hunkOf(script, start, end, cursor.from, cursor.to));
    c++;
  }
  return { added, removed, hunks };
}

function hunkOf(
  script: readonly DiffLine[],
  start: number,
  end: number,
  from: number,
  to: number,
): Hunk {
  const lines = script.slice(start, end);
  const fromCount = lines.filter((l) => l.op !== "+").length;
  const toCount = lines.filter((l) => l.op !== "-").length;
  return {
    fromStart: fromCount === 0 ? from : from + 1,
    fromCount,
    toStart: toCount === 0 ? to : to + 1,
    toCount,
    lines,
  };
}

/**
 * The unified text of a diff: `--- fromLabel`, `+++ toLabel`, then each hunk as
 * `@@ -l,s +l,s @@` and its lines. No hunks → the empty string.
 */
export function formatUnified(diff: LineDiff, fromLabel: string, toLabel: string): string {
  if (diff.hunks.length === 0) return "";
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  for (const h of diff.hunks) {
    out.push(`@@ -${h.fromStart},${h.fromCount} +${h.toStart},${h.toCount} @@`);
    for (const l of h.lines) out.push(`${l.op}${l.text}`);
  }
  return `${out.join("\n")}\n`;
}
