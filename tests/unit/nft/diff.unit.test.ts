// Incremental correctness: applying full(A) then incremental(A -> B) to the fake
// yields exactly the state of full(B), for random A, B and settings.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FakeNft } from "../../../libs/nft/fake.ts";
import { renderFull, renderIncremental, toScript } from "../../../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { inventoryArb, settingsArb } from "./arbitraries.ts";
import { inventory, service } from "./inventory-builder.ts";

function stateAfter(...txs: Parameters<FakeNft["apply"]>[0][]): string {
  const fake = new FakeNft();
  for (const tx of txs) fake.apply(tx);
  return fake.dump();
}

test("incremental A->B on the fake equals a full render of B", () => {
  fc.assert(
    fc.property(inventoryArb, inventoryArb, settingsArb, (a, b, settings) => {
      const full = renderFull(a, settings);
      const inc = renderIncremental(full.ruleset, b, settings);
      assert.equal(inc.kind, "incremental");
      const expected = stateAfter(renderFull(b, settings).tx);
      assert.equal(stateAfter(full.tx, inc.tx), expected);
    }),
    { numRuns: 300 },
  );
});

test("incremental of an unchanged state is empty", () => {
  fc.assert(
    fc.property(inventoryArb, settingsArb, (a, settings) => {
      const full = renderFull(a, settings);
      assert.equal(renderIncremental(full.ruleset, a, settings).tx.length, 0);
    }),
  );
});

test("full sync replaces whatever the fake held before", () => {
  fc.assert(
    fc.property(inventoryArb, inventoryArb, settingsArb, (a, b, settings) => {
      const first = renderFull(a, settings);
      assert.equal(
        stateAfter(first.tx, renderFull(b, settings, first.ruleset).tx),
        stateAfter(renderFull(b, settings).tx),
      );
    }),
    { numRuns: 100 },
  );
});

test("a renamed table makes the incremental render fall back to full and deletes the old table", () => {
  const inv = inventory([service({ id: "web", endpoints: [{ address: "192.0.2.11" }] })]);
  const first = renderFull(inv, DEFAULT_GATEWAY_SETTINGS);
  const renamed = { ...DEFAULT_GATEWAY_SETTINGS, natTableName: "lb2" };
  const next = renderIncremental(first.ruleset, inv, renamed);
  assert.equal(next.kind, "full");
  const fake = new FakeNft();
  fake.apply(first.tx);
  fake.apply(next.tx);
  assert.deepEqual(fake.tableNames(), ["lb2", "lbaas-filter"]);
});

test("one changed service touches only its chain", () => {
  const before = inventory([
    service({ id: "a", vips: ["203.0.113.1"], endpoints: [{ address: "192.0.2.1" }] }),
    service({ id: "b", vips: ["203.0.113.2"], endpoints: [{ address: "192.0.2.2" }] }),
  ]);
  const after = inventory([
    service({
      id: "a",
      vips: ["203.0.113.1"],
      endpoints: [{ address: "192.0.2.1" }, { address: "192.0.2.3", weight: 2 }],
    }),
    service({ id: "b", vips: ["203.0.113.2"], endpoints: [{ address: "192.0.2.2" }] }),
  ]);
  const inc = renderIncremental(
    renderFull(before, DEFAULT_GATEWAY_SETTINGS).ruleset,
    after,
    DEFAULT_GATEWAY_SETTINGS,
  );
  assert.equal(
    toScript(inc.tx),
    [
      "flush chain inet lbaas svc-a-tcp-80-v4",
      "add chain inet lbaas svc-a-tcp-80-v4 {",
      "\tmeta l4proto tcp numgen inc mod 3 < 1 dnat ip to 192.0.2.1:80",
      "\tmeta l4proto tcp dnat ip to 192.0.2.3:80",
      "}",
      "",
    ].join("\n"),
  );
});

test("a removed service deletes its dispatch element before its chain", () => {
  const before = inventory([service({ id: "a", endpoints: [{ address: "192.0.2.1" }] })]);
  const inc = renderIncremental(
    renderFull(before, DEFAULT_GATEWAY_SETTINGS).ruleset,
    inventory([]),
    DEFAULT_GATEWAY_SETTINGS,
  );
  assert.equal(
    toScript(inc.tx),
    [
      "flush chain inet lbaas svc-a-tcp-80-v4",
      "delete element inet lbaas service-ips-v4 { 203.0.113.10 . tcp . 80 }",
      "delete chain inet lbaas svc-a-tcp-80-v4",
      "",
    ].join("\n"),
  );
});

test("affinity: endpoint change flushes the map, timeout change recreates it", () => {
  const mk = (timeoutSeconds: number, eps: string[]) =>
    inventory([
      service({
        id: "a",
        sessionAffinity: { timeoutSeconds },
        endpoints: eps.map((address) => ({ address })),
      }),
    ]);
  const base = renderFull(mk(60, ["192.0.2.1", "192.0.2.2"]), DEFAULT_GATEWAY_SETTINGS).ruleset;
  const drained = toScript(
    renderIncremental(base, mk(60, ["192.0.2.1"]), DEFAULT_GATEWAY_SETTINGS).tx,
  );
  assert.match(drained, /^flush map inet lbaas aff-a-tcp-80-v4-80$/m);
  const retimed = toScript(
    renderIncremental(base, mk(120, ["192.0.2.1", "192.0.2.2"]), DEFAULT_GATEWAY_SETTINGS).tx,
  );
  assert.match(
    retimed,
    /^flush chain inet lbaas svc-a-tcp-80-v4\ndelete map inet lbaas aff-a-tcp-80-v4-80\nadd map inet lbaas aff-a-tcp-80-v4-80 \{ .*timeout 120s;/ms,
  );
});
