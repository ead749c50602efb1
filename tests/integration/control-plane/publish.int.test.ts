// The guarded, pipelined publish against a real server: the whole-stream expected
// sequence refuses a writer whose view is behind, and a refused event stops the rest.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { startJetStream } from "../../harness/nats.ts";

import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import { isStreamConflict, publishInOrder } from "../../../services/control-plane/publish.ts";
import { serviceSpec } from "../../fixtures/domain-events.ts";

function upsert(id: string, version = 1): LbEvent {
  return {
    meta: {
      eventId: `e-${id}-${version}`,
      kind: "service",
      id,
      group: "default",
      version,
      schemaVersion: 2,
      occurredAt: 1,
      actor: "t",
      reason: "",
      correlationId: "",
    },
    body: { type: "ServiceUpserted", spec: serviceSpec(id, { vips: [`203.0.113.${version}`] }) },
  };
}

/** A fresh server with the streams; stopped after the test. */
async function freshStreams(
  t: TestContext,
): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  const server = await startJetStream();
  const nc = await connect(server.connectOptions);
  t.after(async () => {
    await nc.close();
    await server.stop();
  });
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  return { js: jetstream(nc), jsm };
}

test("publishInOrder: pipelined in order; a stale stream position is refused and nothing after it is stored", async (t) => {
  const { js, jsm } = await freshStreams(t);
  const subjects = new Map<string, number>();
  const target = (position: number) => ({ js, position });
  const items = (events: LbEvent[]) =>
    events.map((event) => ({
      event,
      expectedLastSubjectSeq: subjects.get(`lbaas.evt.default.service.${event.meta.id}`) ?? 0,
    }));

  const batch = Array.from({ length: 300 }, (_, i) => upsert(`s${i}`));
  const ok = await publishInOrder(target(0), items(batch));
  assert.equal(ok.failure, null);
  assert.equal(ok.prefix, 300);
  assert.deepEqual(
    ok.published.map((p) => p.seq),
    batch.map((_, i) => i + 1),
  );
  for (const p of ok.published) subjects.set(`lbaas.evt.default.service.${p.event.meta.id}`, p.seq);

  // A writer that believes the stream ends at 299 (another writer appended 300): the
  // first event is refused (sequence), and so is the second, although it expects the
  // actual last sequence 300 (message id chain).
  const stale = await publishInOrder(target(299), items([upsert("t1"), upsert("t2")]));
  assert.equal(stale.published.length, 0);
  assert.equal(stale.failure?.index, 0);
  assert.ok(isStreamConflict(stale.failure?.error), String(stale.failure?.error));
  assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages, 300);

  // A stale aggregate (subject moved on) is refused even with the right position.
  subjects.set("lbaas.evt.default.service.s0", 0);
  const moved = await publishInOrder(
    target(300),
    items([upsert("u1"), upsert("s0", 2), upsert("u2")]),
  );
  assert.equal(moved.prefix, 1);
  assert.equal(moved.failure?.index, 1);
  assert.ok(isStreamConflict(moved.failure?.error));
  assert.equal(moved.published.length, 1, "nothing after the refused event");
  assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages, 301);
});

test("publishInOrder: a batch chained to a refused one in flight is refused even where its sequence matches", async (t) => {
  const { js, jsm } = await freshStreams(t);
  const one = (event: LbEvent) => [{ event, expectedLastSubjectSeq: 0 }];
  assert.equal((await publishInOrder({ js, position: 0 }, one(upsert("base")))).prefix, 1);
  // Another writer appends at 2 while this one believes the stream ends at 1.
  assert.equal((await publishInOrder({ js, position: 1 }, one(upsert("foreign")))).prefix, 1);
  // Group A (one event, expects 1) is refused; group B was decided on top of A and
  // expects A's sequence 2, which the foreign event happens to hold.
  const a = await publishInOrder({ js, position: 1 }, one(upsert("a")));
  assert.equal(a.prefix, 0);
  const chained = await publishInOrder(
    { js, position: 2, chainTo: "default.service.a.v1" },
    one(upsert("b")),
  );
  assert.equal(chained.prefix, 0, "refused: the stream's last message is not A's");
  assert.ok(isStreamConflict(chained.failure?.error), String(chained.failure?.error));
  assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages, 2);
  // Without the chain the same append lands on the foreign event: what the chain prevents.
  const unchained = await publishInOrder({ js, position: 2 }, one(upsert("b")));
  assert.equal(unchained.prefix, 1);
});
