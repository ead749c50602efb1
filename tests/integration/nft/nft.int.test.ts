// Real nft 1.0.6 in throwaway namespaces: full and incremental loads, check mode
// over random renders, atomic failures, drift detection and repair.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { isNftError } from "../../../libs/nft/errors.ts";
import { checkDrift } from "../../../libs/nft/drift.ts";
import {
  renderFull,
  renderIncremental,
  toScript,
  type Transaction,
} from "../../../libs/nft/render/index.ts";
import { NftRunner, type NftExecutor, type NftRunResult } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { Syncer } from "../../../libs/nft/syncer.ts";
import { inventoryArb, settingsArb } from "../../unit/nft/arbitraries.ts";
import { applyStep, stepArb } from "../../unit/nft/change-arbitraries.ts";
import { inventory, service } from "../../unit/nft/inventory-builder.ts";
import { SAMPLE } from "../../unit/nft/sample.ts";
import { createNetns, nftIn, type TestNetns } from "./netns.ts";

let ns: TestNetns;
let runner: NftRunner;

before(() => {
  ns = createNetns();
  runner = new NftRunner({ netns: ns.name });
});
after(() => ns.remove());

test("full load of the sample, then drift is clean", async () => {
  const full = renderFull(SAMPLE, DEFAULT_GATEWAY_SETTINGS);
  await runner.applyTransaction(full.tx);
  assert.match(nftIn(ns, "list", "tables"), /table inet lbaas\ntable inet lbaas-filter/);
  const report = await checkDrift(runner, full.ruleset);
  assert.deepEqual(report.differences, []);
  // Loading the same full render again replaces the tables atomically.
  await runner.applyTransaction(full.tx);
  assert.equal((await checkDrift(runner, full.ruleset)).clean, true);
});

test("nft -c accepts the full render of random valid inventories", async () => {
  await fc.assert(
    fc.asyncProperty(inventoryArb, settingsArb, async (inv, settings) => {
      await runner.applyTransaction(renderFull(inv, settings).tx, { check: true });
    }),
    { numRuns: 50 },
  );
});

test("random incremental changes apply on the kernel and leave no drift", async () => {
  await fc.assert(
    fc.asyncProperty(inventoryArb, inventoryArb, settingsArb, async (a, b, settings) => {
      const full = renderFull(a, settings);
      await runner.applyTransaction(full.tx);
      const inc = renderIncremental(full.ruleset, b, settings);
      await runner.applyTransaction(inc.tx);
      assert.deepEqual((await checkDrift(runner, inc.ruleset)).differences, []);
    }),
    { numRuns: 25 },
  );
});

test("a failing transaction leaves the previous ruleset intact", async () => {
  const full = renderFull(SAMPLE, DEFAULT_GATEWAY_SETTINGS);
  await runner.applyTransaction(full.tx);
  const bad: Transaction = [
    {
      verb: "flush",
      object: {
        kind: "chain",
        family: "inet",
        table: "lbaas",
        name: "svc-web-tcp-80-v4",
        base: null,
      },
    },
    {
      verb: "delete",
      object: { kind: "chain", family: "inet", table: "lbaas", name: "no-such-chain", base: null },
    },
  ];
  await assert.rejects(runner.applyTransaction(bad), (err) => isNftError(err, "object_not_found"));
  assert.equal((await checkDrift(runner, full.ruleset)).clean, true);
});

test("runner classifies syntax errors and missing namespaces", async () => {
  await assert.rejects(runner.apply("add table inet tcp\n"), (err) =>
    isNftError(err, "syntax_error"),
  );
  const nowhere = new NftRunner({ netns: `lbaas-nft-missing-${process.pid}` });
  await assert.rejects(nowhere.apply("add table inet x\n"), (err) =>
    isNftError(err, "netns_not_found"),
  );
});

/** Counts calls to a real runner. */
class CountingExecutor implements NftExecutor {
  applies = 0;
  readonly inner: NftExecutor;
  constructor(inner: NftExecutor) {
    this.inner = inner;
  }
  applyTransaction(tx: Transaction, opts?: { readonly check?: boolean }): Promise<NftRunResult> {
    this.applies++;
    return this.inner.applyTransaction(tx, opts);
  }
  listTableJson(table: string): Promise<unknown> {
    return this.inner.listTableJson(table);
  }
}

test("syncer: full, then incremental, then nothing for unchanged input", async () => {
  const exec = new CountingExecutor(runner);
  const syncer = new Syncer({ executor: exec, settings: DEFAULT_GATEWAY_SETTINGS });
  const first = await syncer.sync(SAMPLE);
  assert.equal(first.kind, "full");
  const changed = {
    ...SAMPLE,
    services: SAMPLE.services.map((s) => (s.id === "web" ? { ...s, sourceRanges: [] } : s)),
  };
  const second = await syncer.sync(changed);
  assert.equal(second.kind, "incremental");
  assert.notEqual(second.hash, first.hash);
  const applies = exec.applies;
  assert.equal((await syncer.sync(changed)).kind, "noop");
  assert.equal((await syncer.sync({ ...changed })).kind, "noop");
  assert.equal(exec.applies, applies);
  assert.equal((await syncer.checkDrift()).clean, true);
});

test("drift: a rule and an element deleted by hand are detected and repaired", async () => {
  const syncer = new Syncer({ executor: runner, settings: DEFAULT_GATEWAY_SETTINGS });
  await syncer.sync(SAMPLE);
  nftIn(ns, "flush", "chain", "inet", "lbaas", "svc-web-tcp-80-v4");
  nftIn(ns, "delete", "element", "inet", "lbaas-filter", "policy-targets-v4", "{ 192.0.2.11 }");
  nftIn(ns, "add", "rule", "inet", "lbaas-filter", "pol-deny-all", "accept");
  const report = await syncer.checkDrift();
  assert.deepEqual(report.differences, [
    "table lbaas: chain svc-web-tcp-80-v4 has 0 rules, expected 3",
    "table lbaas-filter: chain pol-deny-all has 1 rules, expected 0",
    'table lbaas-filter: set policy-targets-v4 lacks element "192.0.2.11"',
  ]);
  const repaired = await syncer.repair();
  assert.equal(repaired?.kind, "full");
  assert.equal((await syncer.checkDrift()).clean, true);
  nftIn(ns, "delete", "table", "inet", "lbaas-filter");
  assert.deepEqual((await syncer.checkDrift()).differences, ["table lbaas-filter is missing"]);
});

test("a failed sync keeps the kernel's ruleset and makes the next sync full", async () => {
  const syncer = new Syncer({
    executor: runner,
    settings: DEFAULT_GATEWAY_SETTINGS,
    keepScript: true,
  });
  await syncer.sync(SAMPLE);
  // Someone deletes a chain the next incremental transaction flushes.
  nftIn(ns, "flush", "chain", "inet", "lbaas", "svc-web-tcp-80-v4");
  nftIn(ns, "delete", "element", "inet", "lbaas", "service-ips-v4", "{ 203.0.113.10 . tcp . 80 }");
  nftIn(ns, "delete", "chain", "inet", "lbaas", "svc-web-tcp-80-v4");
  const changed = {
    ...SAMPLE,
    services: SAMPLE.services.map((s) => (s.id === "web" ? { ...s, sourceRanges: [] } : s)),
  };
  await assert.rejects(syncer.sync(changed), (err) => isNftError(err, "object_not_found"));
  const retry = await syncer.sync(changed);
  assert.equal(retry.kind, "full");
  assert.match(retry.script ?? "", /^add table inet lbaas\ndelete table inet lbaas\n/);
  assert.equal((await syncer.checkDrift()).clean, true);
});

test("toScript of a full render starts with the idempotent delete", () => {
  const script = toScript(renderFull(SAMPLE, DEFAULT_GATEWAY_SETTINGS).tx);
  assert.match(
    script,
    /^add table inet lbaas\ndelete table inet lbaas\nadd table inet lbaas-filter\ndelete table inet lbaas-filter\n/,
  );
});

test("affinity maps: flushed when endpoints change, recreated when the timeout changes", async () => {
  const mk = (timeoutSeconds: number, eps: string[]) =>
    inventory([
      service({
        id: "a",
        vips: ["203.0.113.1", "2001:db8::1"],
        sessionAffinity: { timeoutSeconds },
        endpoints: eps.map((address) => ({ address })),
      }),
    ]);
  const syncer = new Syncer({ executor: runner, settings: DEFAULT_GATEWAY_SETTINGS });
  await syncer.sync(mk(60, ["192.0.2.1", "192.0.2.2", "2001:db8:1::1"]));
  nftIn(
    ns,
    "add",
    "element",
    "inet",
    "lbaas",
    "aff-a-tcp-80-v4-80",
    "{ 198.51.100.7 : 192.0.2.2 }",
  );
  assert.match(nftIn(ns, "list", "map", "inet", "lbaas", "aff-a-tcp-80-v4-80"), /198\.51\.100\.7/);
  assert.equal((await syncer.sync(mk(60, ["192.0.2.1", "2001:db8:1::1"]))).kind, "incremental");
  assert.doesNotMatch(
    nftIn(ns, "list", "map", "inet", "lbaas", "aff-a-tcp-80-v4-80"),
    /198\.51\.100\.7/,
  );
  assert.equal((await syncer.sync(mk(120, ["192.0.2.1", "2001:db8:1::1"]))).kind, "incremental");
  assert.match(nftIn(ns, "list", "map", "inet", "lbaas", "aff-a-tcp-80-v6-80"), /timeout 2m/);
  assert.equal((await syncer.checkDrift()).clean, true);
});

test("syncer fast path: random change sequences apply on the kernel and leave no drift", async () => {
  await fc.assert(
    fc.asyncProperty(
      inventoryArb,
      fc.array(stepArb, { minLength: 1, maxLength: 5 }),
      settingsArb,
      async (start, steps, settings) => {
        const syncer = new Syncer({ executor: runner, settings });
        await syncer.sync(start);
        let inv = start;
        for (const step of steps) {
          inv = applyStep(inv, step);
          assert.notEqual((await syncer.sync(inv)).kind, "full");
        }
        assert.deepEqual((await syncer.checkDrift()).differences, []);
        for (const t of syncer.committedRuleset?.tables ?? [])
          nftIn(ns, "delete", "table", "inet", t.name);
      },
    ),
    { numRuns: 15 },
  );
});
