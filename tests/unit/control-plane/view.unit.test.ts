// The view's overlay without a server: tentative writes, rollback of a refused tail
// while the follower delivers a foreign event at the same sequence, confirmed vs
// tentative subject sequences, and the follower reusing acknowledged events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { encodeEvent } from "../../../libs/events/codec.ts";
import { subjectOf, type LbEvent } from "../../../libs/events/event.ts";
import { claimKey } from "../../../services/control-plane/decide/claims.ts";
import { View } from "../../../services/control-plane/view.ts";
import { serviceSpec } from "../../fixtures/domain-events.ts";

function view(): View {
  // start() is never called: no server is needed.
  return new View({
    js: {} as JetStreamClient,
    jsm: {} as JetStreamManager,
    logger: pino({ level: "silent" }),
  });
}

function upsert(id: string, version: number, vip = "203.0.113.10"): LbEvent {
  return {
    meta: {
      eventId: `e-${id}-${version}`,
      kind: "service",
      id,
      group: "default",
      version,
      schemaVersion: 2,
      occurredAt: 1,
      actor: "",
      reason: "",
      correlationId: "",
    },
    body: { type: "ServiceUpserted", spec: serviceSpec(id, { vips: [vip] }) },
  };
}

/** Feeds one stored event to the follower side of the view. */
function deliver(v: View, seq: number, event: LbEvent, bytes = encodeEvent(event)): void {
  const { kind, group, id } = event.meta;
  // What the follower does for each stored message (no server needed).
  (v as unknown as { reader: { deliver(m: unknown): void } }).reader.deliver({
    seq,
    subject: subjectOf(kind, group, id),
    data: bytes,
    headers: new Map(),
    time: new Date(),
  });
}

const KEY = claimKey("203.0.113.10", "tcp", 80);

test("a tentative write is visible at once; its rollback restores the previous state", () => {
  const v = view();
  deliver(v, 1, upsert("a", 1, "203.0.113.1"));
  const t = v.applyTentative([
    { event: upsert("b", 1), seq: 2 },
    { event: upsert("a", 2, "203.0.113.2"), seq: 3 },
  ]);
  assert.deepEqual([v.position, v.service("b")?.version, v.service("a")?.version], [3, 1, 2]);
  assert.deepEqual([...v.claims.ownersOf(KEY)], ["b"]);
  assert.equal(t.undo[1]?.mark.subjectSeq, 1, "expected last subject sequence of a's second event");
  v.rollback(t, 1); // b landed, a's update was refused
  assert.deepEqual([v.service("a")?.version, v.service("a")?.spec?.vips], [1, ["203.0.113.1"]]);
  assert.equal(v.subjectSeq(subjectOf("service", "default", "a")), 1);
  assert.equal(v.position, 2);
  v.rollback(t, 0);
  assert.equal(v.service("b"), undefined);
  assert.deepEqual([...v.claims.ownersOf(KEY)], []);
  assert.equal(v.position, 1);
});

test("rollback after the follower delivered a foreign event at the predicted sequence", () => {
  const v = view();
  const t = v.applyTentative([{ event: upsert("mine", 1), seq: 1 }]);
  // Another writer won sequence 1 with the same vip:port (its own aggregate).
  deliver(v, 1, upsert("theirs", 1));
  assert.deepEqual([...v.claims.ownersOf(KEY)].sort(), ["mine", "theirs"]);
  v.rollback(t, 0);
  assert.deepEqual(
    [...v.claims.ownersOf(KEY)],
    ["theirs"],
    "the foreign claim survives the rollback",
  );
  assert.equal(v.service("mine"), undefined);
  assert.equal(v.position, 1);
  assert.equal(v.headOf("default"), 1);
});

test("rollback never erases a confirmed subject sequence of the same subject", () => {
  const v = view();
  deliver(v, 1, upsert("a", 1));
  const t = v.applyTentative([{ event: upsert("a", 2, "203.0.113.2"), seq: 2 }]);
  deliver(v, 2, upsert("a", 2, "203.0.113.3")); // another writer's v2 at seq 2
  v.rollback(t, 0);
  const subject = subjectOf("service", "default", "a");
  assert.equal(v.subjectSeq(subject), 2);
  assert.deepEqual(v.service("a")?.spec?.vips, ["203.0.113.3"]);
});

test("the follower applies an acknowledged event without decoding its bytes", () => {
  const v = view();
  const ev = upsert("a", 1);
  const t = v.applyTentative([{ event: ev, seq: 1 }]);
  v.confirm([{ event: ev, seq: 1 }]);
  assert.equal(t.undo.length, 1);
  deliver(v, 1, ev, new Uint8Array([0xff])); // garbage bytes: the known event is used
  assert.deepEqual([v.fold.lastSeq, v.fold.services.get("a")?.version], [1, 1]);
  // An undecodable foreign event is skipped but its sequence counts.
  deliver(v, 2, upsert("b", 1), new Uint8Array([0xff]));
  assert.deepEqual(
    [v.followedSeq, v.fold.services.has("b"), v.subjectSeq(subjectOf("service", "default", "b"))],
    [2, false, 2],
  );
});

test("the follower applies a sent event without decoding when the stored bytes are the ones sent", () => {
  const v = view();
  const ev = upsert("a", 1);
  const bytes = encodeEvent(ev);
  v.applyTentative([{ event: ev, seq: 1 }]);
  v.sending(ev, subjectOf("service", "default", "a"), bytes, 1);
  // The follower may deliver before the acknowledgement arrives: the same bytes (a
  // copy, as read from the socket) at the predicted sequence are this very event.
  deliver(v, 1, ev, Uint8Array.from(bytes));
  assert.equal(
    v.fold.services.get("a")?.spec,
    ev.body.type === "ServiceUpserted" ? ev.body.spec : null,
  );
});

test("a sent event is not used when another writer stored other bytes at its sequence", () => {
  const v = view();
  const mine = upsert("a", 1, "203.0.113.1");
  const t = v.applyTentative([{ event: mine, seq: 1 }]);
  v.sending(mine, subjectOf("service", "default", "a"), encodeEvent(mine), 1);
  // Another control plane won sequence 1 with its own version 1 of the same service.
  const theirs = upsert("a", 1, "203.0.113.2");
  deliver(v, 1, theirs);
  v.rollback(t, 0);
  assert.deepEqual(v.fold.services.get("a")?.spec?.vips, ["203.0.113.2"]);
  assert.deepEqual(v.service("a")?.spec?.vips, ["203.0.113.2"]);
  // Bytes that do not decode are skipped, never replaced by the sent event.
  const v2 = view();
  v2.sending(mine, subjectOf("service", "default", "a"), encodeEvent(mine), 1);
  deliver(v2, 1, mine, new Uint8Array([0xff]));
  assert.equal(v2.fold.services.has("a"), false);
});

test("eventsAfter counts a group's events after a sequence", () => {
  const v = view();
  for (let s = 1; s <= 5; s++) deliver(v, s, upsert(`s${s}`, 1, `203.0.113.${s}`));
  assert.deepEqual(
    [
      v.eventsAfter("default", 0),
      v.eventsAfter("default", 3),
      v.eventsAfter("default", 5),
      v.eventsAfter("edge", 0),
    ],
    [5, 2, 0, 0],
  );
  assert.deepEqual(v.groups(), ["default"]);
});

test("writes are refused (unavailable) until the view has replayed the stream", async () => {
  const { Writer } = await import("../../../services/control-plane/writer.ts");
  const { createMetrics } = await import("../../../services/control-plane/metrics.ts");
  const v = view();
  const writer = new Writer({
    js: {} as JetStreamClient,
    view: v,
    config: { pools: new Map(), maxEndpointsPerService: 1000 },
    metrics: createMetrics(false),
    logger: pino({ level: "silent" }),
  });
  const stamp = { actor: "a", reason: "", correlationId: "c" };
  const out = await writer.write({ type: "deleteService", id: "x" }, stamp);
  assert.equal(out.outcome, "unavailable");
  const sync = await writer.sync({}, { prune: false, dryRun: true }, stamp);
  assert.equal(sync.outcome, "unavailable");
  v.ready = true;
  assert.equal(
    (await writer.write({ type: "deleteService", id: "x" }, stamp)).outcome,
    "not_found",
  );
});
