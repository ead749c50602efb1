// The per-object render state: its incremental transactions are exactly those of
// the whole-ruleset diff (the reference), applied to the fake they give the state
// of a full render, and its assembled ruleset is buildRuleset's.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Inventory } from "../../../libs/domain/model.ts";
import type { GatewaySettings } from "../../../libs/nft/settings.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import {
  buildRuleset,
  diffRuleset,
  fullTransaction,
  isRenderError,
  renderFull,
  toScript,
  type Ruleset,
} from "../../../libs/nft/render/index.ts";
import { RenderState } from "../../../libs/nft/render/render-state.ts";
import { DEFAULT_GATEWAY_SETTINGS, inventoryArb, settingsArb } from "./arbitraries.ts";
import { applyStep, stepArb } from "./change-arbitraries.ts";
import { inventory, service } from "./inventory-builder.ts";

function fullDump(inv: Inventory, settings: GatewaySettings): string {
  const fake = new FakeNft();
  fake.apply(renderFull(inv, settings).tx);
  return fake.dump();
}

/** The creation script: compares order as well as content. */
function text(r: Ruleset): string {
  return toScript(fullTransaction(r));
}

test("render state: each step's transaction equals the whole-ruleset diff and reaches a full render's state", () => {
  fc.assert(
    fc.property(
      inventoryArb,
      fc.array(stepArb, { minLength: 1, maxLength: 10 }),
      settingsArb,
      (start, steps, settings) => {
        const built = RenderState.build(start, settings);
        const { state } = built;
        assert.equal(text(built.ruleset), text(buildRuleset(start, settings)));
        const fake = new FakeNft();
        fake.apply(renderFull(start, settings).tx);
        let inv = start;
        for (const step of steps) {
          const next = applyStep(inv, step);
          const reference = diffRuleset(state.ruleset(), buildRuleset(next, settings));
          const plan = state.plan(next);
          assert.ok(plan !== null, `no plan for ${step.kind}`);
          assert.deepEqual(plan.tx, reference);
          fake.apply(plan.tx);
          plan.commit();
          assert.equal(fake.dump(), fullDump(next, settings));
          assert.equal(text(state.ruleset()), text(buildRuleset(next, settings)));
          inv = next;
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("render state: equal values in new objects change nothing; a clone plans an empty transaction", () => {
  fc.assert(
    fc.property(inventoryArb, settingsArb, (inv, settings) => {
      const { state } = RenderState.build(inv, settings);
      const plan = state.plan(structuredClone(inv));
      assert.ok(plan !== null);
      assert.deepEqual(plan.tx, []);
      plan.commit();
      assert.equal(text(state.ruleset()), text(buildRuleset(inv, settings)));
    }),
    { numRuns: 50 },
  );
});

test("render state: two services on one vip and port are left to the whole-ruleset path", () => {
  const a = inventory([service({ id: "a", vips: ["203.0.113.1"] })]);
  const { state } = RenderState.build(a, DEFAULT_GATEWAY_SETTINGS);
  const clash = inventory([
    service({ id: "a", vips: ["203.0.113.1"] }),
    service({ id: "b", vips: ["203.0.113.1"] }),
  ]);
  assert.equal(state.plan(clash), null);
  assert.throws(
    () => buildRuleset(clash, DEFAULT_GATEWAY_SETTINGS),
    (err) => isRenderError(err, "duplicate_key"),
  );
  const twice = { ...a, services: [...a.services, ...a.services] };
  assert.equal(state.plan(twice), null);
});

test("render state: unsafe values in a changed service throw RenderError; a stale plan cannot commit", () => {
  const a = inventory([service({ id: "a" })]);
  const { state } = RenderState.build(a, DEFAULT_GATEWAY_SETTINGS);
  const bad = inventory([service({ id: "a", vips: ["203.0.113.010"] })]);
  assert.throws(
    () => state.plan(bad),
    (err) => isRenderError(err, "unsafe_address"),
  );
  const b = inventory([service({ id: "a", vips: ["203.0.113.2"] })]);
  const first = state.plan(b);
  const second = state.plan(b);
  assert.ok(first !== null && second !== null);
  first.commit();
  assert.throws(() => second.commit(), /stale plan/);
});
