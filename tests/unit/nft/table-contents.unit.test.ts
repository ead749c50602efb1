// A full sync's `table-contents` operations stand for the per-object operations
// of createTableOps: same script bytes, same operation count, same fake state.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FakeNft } from "../../../libs/nft/fake.ts";
import {
  buildRuleset,
  fullTransaction,
  operationCount,
  toScript,
  type Operation,
} from "../../../libs/nft/render/index.ts";
import { createTableOps, expandTableContents } from "../../../libs/nft/render/full.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { syntheticInventory } from "../../../libs/nft/synthetic.ts";
import { inventoryArb, settingsArb } from "./arbitraries.ts";
import { SAMPLE } from "./sample.ts";

/** The full transaction as it was built before: one operation per object. */
function perObject(tx: readonly Operation[]): Operation[] {
  return tx.flatMap((op) =>
    op.object.kind === "table-contents" ? createTableOps(op.object.table) : [op],
  );
}

function check(tx: readonly Operation[]): void {
  const expanded = perObject(tx);
  assert.ok(tx.some((op) => op.object.kind === "table-contents"));
  assert.equal(toScript(tx), toScript(expanded));
  assert.equal(operationCount(tx), expanded.length);
  assert.deepEqual(expandTableContents(tx), expanded);
  const a = new FakeNft();
  const b = new FakeNft();
  a.apply(tx);
  b.apply(expanded);
  assert.equal(a.dump(), b.dump());
}

test("table contents: script, count and fake state equal the per-object operations", () => {
  check(fullTransaction(buildRuleset(SAMPLE, DEFAULT_GATEWAY_SETTINGS)));
  // 2,500 dispatch elements: batches of 1,000 per line across the contents.
  const big = syntheticInventory({ services: 2500, endpointsPerService: 2, policies: 3 });
  check(fullTransaction(buildRuleset(big, DEFAULT_GATEWAY_SETTINGS)));
  fc.assert(
    fc.property(inventoryArb, settingsArb, (inv, settings) => {
      check(fullTransaction(buildRuleset(inv, settings)));
    }),
    { numRuns: 50 },
  );
});

test("table contents: an empty ruleset still prints its tables and base chains", () => {
  const tx = fullTransaction(
    buildRuleset(
      syntheticInventory({ services: 0, endpointsPerService: 0, policies: 0 }),
      DEFAULT_GATEWAY_SETTINGS,
    ),
  );
  check(tx);
  assert.match(toScript(tx), /^add table inet lbaas\n/);
});
