// The ruleset hash: an identity of the ruleset's content (not of the order its
// chains, sets and elements were listed in), updated per unit by the Syncer.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RulesetHasher, rulesetHash } from "../../../libs/nft/hash.ts";
import { buildRuleset, type Ruleset, type TableModel } from "../../../libs/nft/render/index.ts";
import { RenderState } from "../../../libs/nft/render/render-state.ts";
import { DEFAULT_GATEWAY_SETTINGS, inventoryArb, settingsArb } from "./arbitraries.ts";
import { applyStep, stepArb } from "./change-arbitraries.ts";
import { inventory, service } from "./inventory-builder.ts";
import { SAMPLE } from "./sample.ts";

function reversed(r: Ruleset): Ruleset {
  const rev = <K, V>(m: ReadonlyMap<K, V>): Map<K, V> => new Map([...m].reverse());
  return {
    tables: r.tables.map((t): TableModel => ({
      ...t,
      chains: rev(t.chains),
      sets: new Map(
        [...t.sets].reverse().map(([n, s]) => [n, { ...s, elements: rev(s.elements) }]),
      ),
    })),
  };
}

/** `r` with one chain's rules replaced. */
function withRules(
  r: Ruleset,
  chain: string,
  rules: (old: readonly string[]) => string[],
): Ruleset {
  return {
    tables: r.tables.map((t) => {
      const c = t.chains.get(chain);
      if (c === undefined) return t;
      return { ...t, chains: new Map([...t.chains, [chain, { ...c, rules: rules(c.rules) }]]) };
    }),
  };
}

test("hash: sha256 form; the order of chains, sets and elements does not matter", () => {
  const r = buildRuleset(SAMPLE, DEFAULT_GATEWAY_SETTINGS);
  assert.match(rulesetHash(r), /^sha256:[0-9a-f]{64}$/);
  assert.equal(rulesetHash(reversed(r)), rulesetHash(r));
});

test("hash: any change of content changes it (rule order, a rule, an element, a declaration, a table name)", () => {
  const r = buildRuleset(SAMPLE, DEFAULT_GATEWAY_SETTINGS);
  const h = rulesetHash(r);
  const chain = "svc-web-tcp-80-v4";
  const variants: Ruleset[] = [
    withRules(r, chain, (old) => [...old].reverse()),
    withRules(r, chain, (old) => [...old.slice(0, -1), "drop"]),
    withRules(r, chain, (old) => old.slice(1)),
    buildRuleset(
      { ...SAMPLE, endpoints: SAMPLE.endpoints.map((e) => ({ ...e, endpoints: [] })) },
      DEFAULT_GATEWAY_SETTINGS,
    ),
    buildRuleset(SAMPLE, { ...DEFAULT_GATEWAY_SETTINGS, natTableName: "lb2" }),
    buildRuleset(SAMPLE, { ...DEFAULT_GATEWAY_SETTINGS, enableSnat: false }),
    buildRuleset(inventory([service({ id: "web" })]), DEFAULT_GATEWAY_SETTINGS),
  ];
  const hashes = new Set([h, ...variants.map(rulesetHash)]);
  assert.equal(hashes.size, variants.length + 1);
});

test("hash: updating per unit along render-state plans equals hashing the result", () => {
  fc.assert(
    fc.property(
      inventoryArb,
      fc.array(stepArb, { minLength: 1, maxLength: 6 }),
      settingsArb,
      (start, steps, settings) => {
        const { state, ruleset } = RenderState.build(start, settings);
        const hasher = RulesetHasher.of(ruleset);
        let inv = start;
        for (const step of steps) {
          inv = applyStep(inv, step);
          const plan = state.plan(inv);
          assert.ok(plan !== null);
          plan.commit();
          hasher.replace(plan.delta.before, plan.delta.after);
          assert.equal(hasher.digest(), rulesetHash(buildRuleset(inv, settings)));
        }
      },
    ),
    { numRuns: 150 },
  );
});
