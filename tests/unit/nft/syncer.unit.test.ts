// The sync engine against the in-memory fake: full, incremental, noop, failure
// handling, serialization.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Inventory } from "../../../libs/domain/model.ts";
import { NftError, isNftError } from "../../../libs/nft/errors.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import { rulesetHash } from "../../../libs/nft/hash.ts";
import {
  buildRuleset,
  fullTransaction,
  isRenderError,
  renderFull,
  toScript,
  type Ruleset,
  type Transaction,
} from "../../../libs/nft/render/index.ts";
import type { ApplyOptions, NftRunResult } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { Syncer } from "../../../libs/nft/syncer.ts";
import { inventoryArb, settingsArb } from "./arbitraries.ts";
import { applyStep, stepArb } from "./change-arbitraries.ts";
import { inventory, service } from "./inventory-builder.ts";

/** A fake that can be told to fail its next apply. */
class FlakyFake extends FakeNft {
  failNext = false;
  calls = 0;
  override applyTransaction(
    tx: Transaction,
    opts?: { readonly check?: boolean },
  ): Promise<NftRunResult> {
    this.calls++;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new NftError("failed", "injected failure"));
    }
    return super.applyTransaction(tx, opts);
  }
}

const A = inventory([service({ id: "a", endpoints: [{ address: "192.0.2.1" }] })]);
const B = inventory([
  service({ id: "a", endpoints: [{ address: "192.0.2.1" }, { address: "192.0.2.2" }] }),
]);

function freshDump(inv: Inventory): string {
  const f = new FakeNft();
  f.apply(renderFull(inv, DEFAULT_GATEWAY_SETTINGS).tx);
  return f.dump();
}

test("syncer: full first, then incremental, then noop without any nft call", async () => {
  const fake = new FlakyFake();
  const syncer = new Syncer({
    executor: fake,
    settings: DEFAULT_GATEWAY_SETTINGS,
    keepScript: true,
  });
  const first = await syncer.sync(A);
  assert.equal(first.kind, "full");
  assert.match(first.hash, /^sha256:[0-9a-f]{64}$/);
  const second = await syncer.sync(B);
  assert.equal(second.kind, "incremental");
  assert.equal(second.operations, 3);
  assert.equal(
    second.script,
    [
      "flush chain inet lbaas svc-a-tcp-80-v4",
      "add chain inet lbaas svc-a-tcp-80-v4 {",
      "\tmeta l4proto tcp numgen inc mod 2 < 1 dnat ip to 192.0.2.1:80",
      "\tmeta l4proto tcp dnat ip to 192.0.2.2:80",
      "}",
      "",
    ].join("\n"),
  );
  assert.equal(fake.dump(), freshDump(B));
  const calls = fake.calls;
  const same = await syncer.sync(B);
  const equal = await syncer.sync(structuredClone(B));
  assert.deepEqual([same.kind, equal.kind, fake.calls], ["noop", "noop", calls]);
  assert.equal(equal.hash, second.hash);
});

test("syncer: equal states report equal hashes however they were reached", async () => {
  const viaA = new Syncer({ executor: new FakeNft(), settings: DEFAULT_GATEWAY_SETTINGS });
  await viaA.sync(A);
  const h1 = (await viaA.sync(B)).hash;
  const direct = new Syncer({ executor: new FakeNft(), settings: DEFAULT_GATEWAY_SETTINGS });
  assert.equal((await direct.sync(B)).hash, h1);
});

test("syncer: a failure keeps the previous ruleset and makes the next sync full", async () => {
  const fake = new FlakyFake();
  const syncer = new Syncer({ executor: fake, settings: DEFAULT_GATEWAY_SETTINGS });
  await syncer.sync(A);
  fake.failNext = true;
  await assert.rejects(syncer.sync(B), (err) => isNftError(err, "failed"));
  assert.equal(fake.dump(), freshDump(A));
  assert.equal((await syncer.sync(B)).kind, "full");
  assert.equal(fake.dump(), freshDump(B));
  assert.equal((await syncer.sync(A)).kind, "incremental");
});

test("syncer: concurrent syncs are applied one after the other, in call order", async () => {
  const fake = new FlakyFake();
  const syncer = new Syncer({ executor: fake, settings: DEFAULT_GATEWAY_SETTINGS });
  const results = await Promise.all([syncer.sync(A), syncer.sync(B), syncer.sync(A)]);
  assert.deepEqual(
    results.map((r) => r.kind),
    ["full", "incremental", "incremental"],
  );
  assert.equal(fake.dump(), freshDump(A));
});

test("syncer: repair before any sync does nothing; a requested full sync is full", async () => {
  const syncer = new Syncer({ executor: new FakeNft(), settings: DEFAULT_GATEWAY_SETTINGS });
  assert.equal(await syncer.repair(), null);
  await syncer.sync(A);
  syncer.requestFullSync();
  assert.equal((await syncer.sync(A)).kind, "full");
});

test("syncer: random change sequences: the fake always holds a full render's state, hashes match a fresh render", async () => {
  await fc.assert(
    fc.asyncProperty(
      inventoryArb,
      fc.array(stepArb, { minLength: 1, maxLength: 8 }),
      settingsArb,
      async (start, steps, settings) => {
        const fake = new FakeNft();
        const syncer = new Syncer({ executor: fake, settings });
        assert.equal((await syncer.sync(start)).kind, "full");
        let inv = start;
        for (const step of steps) {
          inv = applyStep(inv, step);
          const r = await syncer.sync(inv);
          assert.notEqual(r.kind, "full");
          const expected = new FakeNft();
          expected.apply(renderFull(inv, settings).tx);
          assert.equal(fake.dump(), expected.dump());
          assert.equal(r.hash, rulesetHash(buildRuleset(inv, settings)));
        }
        const fresh = new Syncer({ executor: new FakeNft(), settings });
        assert.equal((await fresh.sync(inv)).hash, (await syncer.sync(inv)).hash);
        assert.equal(
          toScript(fullTransaction(syncer.committedRuleset as Ruleset)),
          toScript(fullTransaction(buildRuleset(inv, settings))),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test("syncer: input the render refuses is reported as before, keeps the kernel, next sync is full", async () => {
  const fake = new FlakyFake();
  const syncer = new Syncer({ executor: fake, settings: DEFAULT_GATEWAY_SETTINGS });
  const one = inventory([service({ id: "a", vips: ["203.0.113.1"] })]);
  await syncer.sync(one);
  const clash = inventory([
    service({ id: "a", vips: ["203.0.113.1"] }),
    service({ id: "b", vips: ["203.0.113.1"] }),
  ]);
  await assert.rejects(syncer.sync(clash), (err) => isRenderError(err, "duplicate_key"));
  const bad = inventory([service({ id: "a", vips: ["203.0.113.010"] })]);
  await assert.rejects(syncer.sync(bad), (err) => isRenderError(err, "unsafe_address"));
  assert.equal(fake.dump(), freshDump(one));
  assert.equal((await syncer.sync(one)).kind, "full");
});

/** A fake that runs the overlap hook like the real runner (once nft runs), counting calls. */
class OverlappingFake extends FakeNft {
  hooks = 0;
  override applyTransaction(tx: Transaction, opts?: ApplyOptions): Promise<NftRunResult> {
    if (opts?.whileRunning !== undefined) {
      this.hooks++;
      opts.whileRunning();
    }
    return super.applyTransaction(tx, opts);
  }
}

test("syncer: a full sync hashes while nft runs when the executor allows, same hashes either way", async () => {
  const overlapping = new OverlappingFake();
  const withHook = new Syncer({ executor: overlapping, settings: DEFAULT_GATEWAY_SETTINGS });
  const plain = new Syncer({ executor: new FakeNft(), settings: DEFAULT_GATEWAY_SETTINGS });
  const cases: readonly [Inventory, "full" | "incremental"][] = [
    [A, "full"],
    [B, "incremental"],
  ];
  for (const [inv, kind] of cases) {
    const a = await withHook.sync(inv);
    const b = await plain.sync(inv);
    assert.equal(a.kind, kind);
    assert.equal(a.hash, b.hash);
    assert.equal(a.hash, rulesetHash(buildRuleset(inv, DEFAULT_GATEWAY_SETTINGS)));
  }
  assert.equal(overlapping.hooks, 1, "only the full sync has work to overlap");
});
