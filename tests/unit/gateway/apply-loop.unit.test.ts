import { test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointsSpec, Inventory, ServiceSpec } from "../../../libs/domain/model.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import { renderFull } from "../../../libs/nft/render/index.ts";
import { rulesetHash } from "../../../libs/nft/hash.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { EventLog, MemoryStream, endpointsOf, serviceOf } from "./event-log.ts";
import { loopFixture, type LoopFixture } from "./loop-fixture.ts";

const G = "g1";

/** What a fresh gateway would hold for exactly these services and endpoints. */
function freshDump(
  services: ServiceSpec[],
  endpoints: EndpointsSpec[],
): { dump: string; hash: string } {
  const sorted = [...services].sort((a, b) => (a.id < b.id ? -1 : 1));
  const inv: Inventory = {
    services: sorted,
    endpoints: sorted.map(
      (s) =>
        endpoints.find((e) => e.serviceId === s.id) ?? {
          serviceId: s.id,
          group: s.group,
          endpoints: [],
        },
    ),
    policies: [],
  };
  const fake = new FakeNft();
  const r = renderFull(inv, DEFAULT_GATEWAY_SETTINGS);
  fake.apply(r.tx);
  return { dump: fake.dump(), hash: rulesetHash(r.ruleset) };
}

/** Bootstraps `f` from the last message per subject of `stream`. */
async function bootstrap(f: LoopFixture, stream: MemoryStream): Promise<void> {
  for (const m of stream.lastPerSubject(`lbaas.evt.${G}.`)) f.offer(m);
  await f.loop.completeBootstrap();
}

test("apply loop - bootstrap from long history applies exactly the latest state, full, once", async () => {
  const log = new EventLog(G);
  const stream = new MemoryStream();
  for (let v = 0; v < 20; v++) {
    stream.append(log.upsertService(serviceOf("web", G, "203.0.113.10", 80 + v)));
    stream.append(log.replaceEndpoints(endpointsOf("web", G, [`192.0.2.${10 + v}`, "192.0.2.99"])));
    stream.append(log.upsertService(serviceOf("gone", G, "203.0.113.11")));
  }
  stream.append(log.deleteService("gone"));
  const f = loopFixture(G);
  await bootstrap(f, stream);

  const want = freshDump(
    [serviceOf("web", G, "203.0.113.10", 99)],
    [endpointsOf("web", G, ["192.0.2.29", "192.0.2.99"])],
  );
  assert.equal(f.nft.fake.dump(), want.dump);
  assert.equal(f.nft.attempts.length, 1);
  assert.equal(f.reports.length, 1);
  const r = f.reports[0]!;
  assert.deepEqual(
    { ok: r.result.ok, kind: r.syncKind, seq: r.streamSequence, hash: r.rulesetHash },
    { ok: true, kind: "full", seq: stream.messages.length, hash: want.hash },
  );
  assert.deepEqual(r.counts, { services: 1, endpoints: 2, policies: 0 });
  assert.deepEqual(
    { ...f.loop.status(), startedAt: 0 },
    {
      ready: true,
      lastApplyOk: true,
      receivedSeq: stream.messages.length,
      appliedSeq: stream.messages.length,
      hash: want.hash,
      lastError: null,
      startedAt: 0,
      consecutiveFailures: 0,
    },
  );
  assert.equal(f.loop.nextSeq, stream.messages.length + 1);
});

test("apply loop - a burst after bootstrap becomes one incremental apply, quietMs after its last event", async () => {
  const log = new EventLog(G);
  const stream = new MemoryStream();
  stream.append(log.upsertService(serviceOf("web", G, "203.0.113.10")));
  const f = loopFixture(G);
  await bootstrap(f, stream);

  for (let i = 0; i < 5; i++) {
    f.offer(stream.append(log.replaceEndpoints(endpointsOf("web", G, [`192.0.2.${20 + i}`]))));
    await f.timers.advance(10);
  }
  // last event at t=40 → due at t=90
  await f.timers.advance(39);
  assert.equal(f.reports.length, 1, "nothing applied before the burst is quiet");
  await f.timers.advance(1);
  assert.equal(f.reports.length, 2);
  const r = f.reports[1]!;
  assert.equal(r.syncKind, "incremental");
  assert.equal(r.streamSequence, 6);
  assert.ok(r.result.ok);
  assert.equal(f.nft.attempts.length, 2);
  const want = freshDump(
    [serviceOf("web", G, "203.0.113.10")],
    [endpointsOf("web", G, ["192.0.2.24"])],
  );
  assert.equal(f.nft.fake.dump(), want.dump);
  assert.equal(r.rulesetHash, want.hash);
});

test("apply loop - nft failure: NACK keeps the last good hash, retry after backoff is full, then ACK", async () => {
  const log = new EventLog(G);
  const stream = new MemoryStream();
  stream.append(log.upsertService(serviceOf("web", G, "203.0.113.10")));
  const f = loopFixture(G);
  await bootstrap(f, stream);
  const goodDump = f.nft.fake.dump();
  const goodHash = f.reports[0]!.rulesetHash;

  f.nft.failNext = 3;
  f.offer(stream.append(log.upsertService(serviceOf("api", G, "203.0.113.20"))));
  await f.timers.advance(50);
  assert.equal(f.reports.length, 2);
  const nack = f.reports[1]!;
  assert.deepEqual(nack.result, {
    ok: false,
    error: {
      code: "nft.failed",
      message: "nft -f -: error: could not process rule: device or resource busy",
    },
  });
  assert.equal(nack.syncKind, "incremental");
  assert.equal(nack.rulesetHash, goodHash, "a NACK names the ruleset still running");
  assert.equal(nack.streamSequence, 2);
  assert.equal(f.nft.fake.dump(), goodDump, "the last good ruleset stays");
  assert.equal(f.loop.status().lastApplyOk, false);

  // An event during the backoff waits for the retry, which covers it.
  f.offer(stream.append(log.upsertService(serviceOf("db", G, "203.0.113.30"))));
  await f.timers.advance(499);
  assert.equal(f.reports.length, 2, "no apply before the first retry is due");
  await f.timers.advance(1); // retry 1 at +500 fails
  await f.timers.advance(1_000); // retry 2 at +1000 fails
  assert.equal(f.reports.length, 4);
  assert.deepEqual(
    f.reports.slice(2).map((r) => [r.syncKind, r.result.ok]),
    [
      ["full", false],
      ["full", false],
    ],
  );
  await f.timers.advance(1_999);
  assert.equal(f.reports.length, 4, "third retry waits 2000 ms");
  await f.timers.advance(1);
  const ack = f.reports[4]!;
  assert.deepEqual([ack.syncKind, ack.result.ok, ack.streamSequence], ["full", true, 3]);
  const want = freshDump(
    ["web", "api", "db"].map((id, i) => serviceOf(id, G, `203.0.113.${10 * (i + 1)}`)),
    [],
  );
  assert.equal(f.nft.fake.dump(), want.dump);
  assert.equal(f.loop.status().consecutiveFailures, 0);
  assert.equal(f.loop.status().lastError, null);
});

test("apply loop - a bad event is reported with its sequence, skipped, and covered by the next apply", async () => {
  const log = new EventLog(G);
  const stream = new MemoryStream();
  stream.append(log.upsertService(serviceOf("web", G, "203.0.113.10")));
  const f = loopFixture(G);
  await bootstrap(f, stream);

  const bad = stream.append({
    seq: 0,
    subject: `lbaas.evt.${G}.service.junk`,
    data: new Uint8Array([0xff, 1, 2]),
  });
  f.offer(bad);
  const other = {
    seq: 0,
    subject: `lbaas.evt.${G}.service.web`,
    data: log.upsertService(serviceOf("x", G, "203.0.113.9")).data,
  };
  f.offer(stream.append(other)); // envelope names service "x" on the subject of "web"
  f.offer(stream.append(log.upsertService(serviceOf("api", G, "203.0.113.20"))));
  assert.equal(f.reports.length, 3, "bad events are reported at once");
  const [b1, b2] = [f.reports[1]!, f.reports[2]!];
  assert.equal(b1.streamSequence, 2);
  assert.ok(!b1.result.ok && b1.result.error.code === "bad_event");
  assert.match(
    !b1.result.ok ? b1.result.error.message : "",
    /^seq 2 "lbaas\.evt\.g1\.service\.junk" skipped: bad_bytes/,
  );
  assert.ok(!b2.result.ok && /wrong_aggregate/.test(b2.result.error.message));
  assert.equal(b1.rulesetHash, f.reports[0]!.rulesetHash);
  assert.deepEqual(b1.counts, f.reports[0]!.counts);

  await f.timers.advance(50);
  const ack = f.reports[3]!;
  assert.deepEqual([ack.result.ok, ack.streamSequence, ack.counts.services], [true, 4, 2]);
  assert.equal(f.loop.status().appliedSeq, 4);
});

test("apply loop - an event of another group is refused, never applied", async () => {
  const f = loopFixture(G);
  await f.loop.completeBootstrap();
  const other = new EventLog("g2").upsertService(serviceOf("web", "g2", "203.0.113.10"));
  f.offer({ seq: 7, subject: other.subject, data: other.data });
  assert.ok(!f.reports[1]!.result.ok);
  await f.timers.advance(100);
  assert.equal(f.reports[2]!.counts.services, 0);
});

test("apply loop - events during an apply start the next apply when it ends", async () => {
  const log = new EventLog(G);
  const f = loopFixture(G);
  await f.loop.completeBootstrap();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const original = f.nft.applyTransaction.bind(f.nft);
  f.nft.applyTransaction = async (tx, o) => {
    await gate;
    return original(tx, o);
  };
  f.loop.offer({
    ok: true,
    subject: "s",
    stored: { seq: 1, event: log.upsertService(serviceOf("a", G, "203.0.113.1")).event },
  });
  await f.timers.advance(50); // apply 2 starts and blocks
  f.loop.offer({
    ok: true,
    subject: "s",
    stored: { seq: 2, event: log.upsertService(serviceOf("b", G, "203.0.113.2")).event },
  });
  await f.timers.advance(200); // burst due while busy
  assert.equal(f.reports.length, 1);
  release();
  await f.timers.advance(0);
  await f.loop.idle();
  assert.deepEqual(
    f.reports.map((r) => r.streamSequence),
    [0, 1, 2],
  );
  assert.equal(f.reports[2]!.counts.services, 2);
});

test("apply loop - drift is repaired by a full sync; drift_repaired precedes the ACK", async () => {
  const log = new EventLog(G);
  const stream = new MemoryStream();
  stream.append(log.upsertService(serviceOf("web", G, "203.0.113.10")));
  const f = loopFixture(G);
  await bootstrap(f, stream);
  assert.equal((await f.loop.checkDrift())?.clean, true);
  assert.equal(f.reports.length, 1, "clean: nothing reported");

  f.drift = {
    clean: false,
    differences: ["table lbaas: chain prerouting has 0 rules, expected 1"],
  };
  const finding = await f.loop.checkDrift();
  assert.equal(finding?.clean, false);
  assert.deepEqual(
    f.reports.slice(1).map((r) => [r.result.ok ? "ok" : r.result.error.code, r.syncKind]),
    [
      ["drift_repaired", "full"],
      ["ok", "full"],
    ],
  );
  const drift = f.reports[1]!;
  assert.match(
    !drift.result.ok ? drift.result.error.message : "",
    /1 difference in the owned tables: table lbaas/,
  );
  assert.equal(f.nft.attempts.length, 2);
});

test("apply loop - drift check is skipped while an apply is pending or failing", async () => {
  const log = new EventLog(G);
  const f = loopFixture(G);
  await f.loop.completeBootstrap();
  f.drift = { clean: false, differences: ["x"] };
  f.loop.offer({
    ok: true,
    subject: "s",
    stored: { seq: 1, event: log.upsertService(serviceOf("a", G, "203.0.113.1")).event },
  });
  assert.equal(await f.loop.checkDrift(), null, "pending burst");
  f.nft.failNext = 1;
  await f.timers.advance(50);
  assert.equal(await f.loop.checkDrift(), null, "last apply failed");
});

test("apply loop - stop finishes the apply in flight and ignores later events", async () => {
  const log = new EventLog(G);
  const f = loopFixture(G);
  await f.loop.completeBootstrap();
  f.loop.offer({
    ok: true,
    subject: "s",
    stored: { seq: 1, event: log.upsertService(serviceOf("a", G, "203.0.113.1")).event },
  });
  await f.timers.advance(50);
  await f.loop.stop();
  f.loop.offer({
    ok: true,
    subject: "s",
    stored: { seq: 2, event: log.upsertService(serviceOf("b", G, "203.0.113.2")).event },
  });
  await f.timers.advance(1_000);
  assert.deepEqual(
    f.reports.map((r) => r.streamSequence),
    [0, 1],
  );
  assert.equal(f.loop.status().receivedSeq, 1);
});
