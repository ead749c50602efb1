// Structural equality used by the render state to skip objects that arrive as
// new but equal values: it may say "different" for equal data (a re-render),
// never "equal" for different data (a lost change).
import assert from "node:assert/strict";
import { test } from "node:test";
import { sameData } from "../../../libs/nft/render/same-data.ts";

const cases: Array<[string, unknown, unknown, boolean]> = [
  ["same primitive", 80, 80, true],
  ["different primitive", 80, 81, false],
  ["null and object", null, {}, false],
  ["equal nested specs", { a: [1, { b: "x" }], c: null }, { a: [1, { b: "x" }], c: null }, true],
  ["key order does not matter", { a: 1, b: 2 }, { b: 2, a: 1 }, true],
  ["a missing key is not undefined", { a: 1, b: undefined }, { a: 1 }, false],
  ["array and array-like object", [1], { 0: 1 }, false],
  ["longer array", [1, 2], [1, 2, 3], false],
  ["maps are equal only to themselves", new Map([[1, 2]]), new Map([[1, 2]]), false],
  ["NaN is conservatively different", Number.NaN, Number.NaN, false],
];

for (const [name, a, b, expected] of cases)
  test(`sameData: ${name}`, () => {
    assert.equal(sameData(a, b), expected);
    assert.equal(sameData(b, a), expected);
  });
