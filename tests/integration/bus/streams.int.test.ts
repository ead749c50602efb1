import { test } from "node:test";
import assert from "node:assert/strict";
import { nanos } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { ensureStreams, EVENTS_STREAM, STATUS_STREAM } from "../../../libs/bus/streams.ts";
import { isStreamConfigConflict } from "../../../libs/bus/errors.ts";
import { useJetStream } from "./fixture.ts";

const f = useJetStream();

test("an existing events stream with another storage type is reported, not replaced", async () => {
  await f.jsm.streams.add({
    name: EVENTS_STREAM,
    subjects: ["lbaas.evt.>"],
    storage: StorageType.Memory,
  });
  await assert.rejects(ensureStreams(f.jsm), (err) => {
    assert.ok(isStreamConfigConflict(err));
    assert.equal(err.code, "stream_config_conflict");
    assert.equal(err.stream, EVENTS_STREAM);
    assert.ok(err.differences.some((d) => d.field === "storage" && d.wanted === "file"));
    assert.match(err.message, /storage is "memory", wanted "file"/);
    return true;
  });
  await f.jsm.streams.delete(EVENTS_STREAM);
});

test("streams are created once, then left alone", async () => {
  const first = await ensureStreams(f.jsm);
  assert.deepEqual(
    first.map((s) => [s.name, s.action]),
    [
      [EVENTS_STREAM, "created"],
      [STATUS_STREAM, "created"],
    ],
  );
  const second = await ensureStreams(f.jsm);
  assert.deepEqual(
    second.map((s) => [s.name, s.action]),
    [
      [EVENTS_STREAM, "unchanged"],
      [STATUS_STREAM, "unchanged"],
    ],
  );
});

test("the streams have the configuration of the design", async () => {
  const events = (await f.jsm.streams.info(EVENTS_STREAM)).config;
  assert.deepEqual(events.subjects, ["lbaas.evt.>"]);
  assert.equal(events.storage, "file");
  assert.equal(events.retention, "limits");
  assert.equal(events.max_msgs_per_subject, -1);
  assert.equal(events.max_age, 0);
  assert.equal(events.discard, "old");
  assert.equal(events.allow_direct, true);
  assert.equal(events.duplicate_window, nanos(120_000));
  assert.equal(events.deny_delete, true);
  assert.equal(events.deny_purge, true);
  const status = (await f.jsm.streams.info(STATUS_STREAM)).config;
  assert.deepEqual(status.subjects, ["lbaas.status.>"]);
  assert.equal(status.max_msgs_per_subject, 100);
  assert.equal(status.max_age, nanos(7 * 24 * 3600 * 1000));
  assert.equal(status.allow_direct, true);
});

test("audit safety: the events stream refuses message deletes and purges", async () => {
  await f.js.publish("lbaas.evt.audit.service.a", new Uint8Array([1]));
  await assert.rejects(f.jsm.streams.deleteMessage(EVENTS_STREAM, 1), /delete/i);
  await assert.rejects(f.jsm.streams.purge(EVENTS_STREAM), /purge/i);
});

test("a changed option is updated in place and reported", async () => {
  const result = await ensureStreams(f.jsm, { statusMaxMsgsPerSubject: 20 });
  const status = result.find((s) => s.name === STATUS_STREAM);
  assert.equal(status?.action, "updated");
  assert.deepEqual(status?.changed, [{ field: "max_msgs_per_subject", existing: 100, wanted: 20 }]);
  assert.equal((await f.jsm.streams.info(STATUS_STREAM)).config.max_msgs_per_subject, 20);
  assert.equal(result.find((s) => s.name === EVENTS_STREAM)?.action, "unchanged");
});

test("three replicas on a single server are refused, not silently recorded", async () => {
  await assert.rejects(ensureStreams(f.jsm, { replicas: 3 }), (err) => {
    assert.ok(isStreamConfigConflict(err));
    assert.match(err.message, /3 replicas need a clustered server/);
    return true;
  });
  assert.equal((await f.jsm.streams.info(EVENTS_STREAM)).config.num_replicas, 1);
});
