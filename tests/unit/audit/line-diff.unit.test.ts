import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { diffLines, editScript, formatUnified, linesOf } from "../../../libs/audit/line-diff.ts";

const unified = (a: string, b: string, context = 3): string =>
  formatUnified(diffLines(linesOf(a), linesOf(b), context), "a", "b");

test("line diff - equal texts give nothing", () => {
  assert.equal(unified("x\ny\n", "x\ny\n"), "");
  assert.equal(unified("", ""), "");
  assert.deepEqual(linesOf(""), []);
  assert.deepEqual(linesOf("a\nb\n"), ["a", "b"]);
  assert.deepEqual(linesOf("a\nb"), ["a", "b"]);
});

test("line diff - golden unified output (as diff -u prints it)", () => {
  const a = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"].join("\n");
  const b = ["1", "2", "3", "4", "five", "6", "7", "8", "9", "10", "11", "12", "13"].join("\n");
  assert.equal(
    unified(a, b),
    [
      "--- a",
      "+++ b",
      "@@ -2,7 +2,7 @@",
      " 2",
      " 3",
      " 4",
      "-5",
      "+five",
      " 6",
      " 7",
      " 8",
      "@@ -10,3 +10,4 @@",
      " 10",
      " 11",
      " 12",
      "+13",
      "",
    ].join("\n"),
  );
  // Changes 6 lines apart share one hunk (contexts touch).
  const c = ["1", "x", "3", "4", "5", "6", "7", "8", "y", "10"].join("\n");
  const d = ["1", "X", "3", "4", "5", "6", "7", "8", "Y", "10"].join("\n");
  assert.match(unified(c, d), /^--- a\n\+\+\+ b\n@@ -1,10 \+1,10 @@\n/);
  // From and to empty texts: the start is the line before, count 0.
  assert.equal(unified("", "a\nb\n"), "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  assert.equal(unified("a\n", ""), "--- a\n+++ b\n@@ -1,1 +0,0 @@\n-a\n");
});

test("line diff - a moved rule shows as one removal and one addition", () => {
  const a = [
    "add table inet t",
    "add rule inet t c A",
    "add rule inet t c B",
    "add rule inet t c C",
  ];
  const b = [
    "add table inet t",
    "add rule inet t c B",
    "add rule inet t c C",
    "add rule inet t c A",
  ];
  const d = diffLines(a, b, 0);
  assert.equal(d.added, 1);
  assert.equal(d.removed, 1);
});

test("line diff - the edit script rebuilds both sides (property)", () => {
  const line = fc.constantFrom("a", "b", "c", "d", "add rule x", "add element y", "");
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40 }), fc.array(line, { maxLength: 40 }), (a, b) => {
      const script = editScript(a, b);
      assert.deepEqual(
        script.filter((l) => l.op !== "+").map((l) => l.text),
        a,
      );
      assert.deepEqual(
        script.filter((l) => l.op !== "-").map((l) => l.text),
        b,
      );
      // hunk counts add up to the changes
      const d = diffLines(a, b, 2);
      const inHunks = d.hunks.flatMap((h) => h.lines);
      assert.equal(inHunks.filter((l) => l.op === "+").length, d.added);
      assert.equal(inHunks.filter((l) => l.op === "-").length, d.removed);
      for (const h of d.hunks) {
        assert.equal(h.lines.filter((l) => l.op !== "+").length, h.fromCount);
        assert.equal(h.lines.filter((l) => l.op !== "-").length, h.toCount);
      }
    }),
    { numRuns: 500 },
  );
});

test("line diff - 100,000 unique lines with a few changes is fast and exact", () => {
  const a = Array.from({ length: 100_000 }, (_, i) => `add element inet lbaas s { 192.0.2.${i} }`);
  const b = [...a];
  b[10] = "changed";
  b.splice(50_000, 1);
  b.push("appended");
  const t0 = performance.now();
  const d = diffLines(a, b);
  const ms = performance.now() - t0;
  assert.equal(d.added, 2);
  assert.equal(d.removed, 2);
  assert.equal(d.hunks.length, 3);
  assert.ok(ms < 2_000, `took ${ms} ms`);
});

test("line diff - large gaps without unique lines stay bounded", () => {
  const a = Array.from({ length: 5_000 }, () => "same");
  const b = Array.from({ length: 5_000 }, () => "other");
  const d = diffLines(a, b);
  assert.equal(d.added, 5_000);
  assert.equal(d.removed, 5_000);
});
