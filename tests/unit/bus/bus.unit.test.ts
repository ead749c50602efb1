import { test } from "node:test";
import assert from "node:assert/strict";
import { errors as natsErrors, nanos } from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamClient } from "@nats-io/jetstream";
import { appendEvent, parseVersion } from "../../../libs/bus/append.ts";
import {
  BusError,
  ConflictError,
  isBusError,
  isConflict,
  isStreamConfigConflict,
  isTimeout,
  StreamConfigError,
  toBusError,
} from "../../../libs/bus/errors.ts";
import { followFrom } from "../../../libs/bus/follow.ts";
import { replay } from "../../../libs/bus/read.ts";
import { configDifferences, wantedStreamConfigs } from "../../../libs/bus/streams.ts";

/** A client that must not be used: argument checks happen before any I/O. */
const noClient = new Proxy({} as JetStreamClient, {
  get: () => {
    throw new Error("the client was used");
  },
});

test("parseVersion accepts positive decimal integers only", () => {
  const table: [string | undefined, number | null][] = [
    ["1", 1],
    ["42", 42],
    ["9007199254740991", 9007199254740991],
    ["9007199254740993", null],
    ["0", null],
    ["01", null],
    ["-1", null],
    ["1.5", null],
    ["", null],
    [" 1", null],
    [undefined, null],
  ];
  for (const [input, expected] of table) assert.equal(parseVersion(input), expected, String(input));
});

test("the wanted streams: full history for events, bounded history for status", () => {
  const [events, status] = wantedStreamConfigs({ replicas: 3, statusMaxMsgsPerSubject: 7 });
  assert.equal(events?.name, "LBAAS_EVENTS");
  assert.deepEqual(events?.subjects, ["lbaas.evt.>"]);
  assert.equal(events?.max_msgs_per_subject, -1);
  assert.equal(events?.max_age, 0);
  assert.equal(events?.num_replicas, 3);
  assert.equal(events?.deny_delete, true);
  assert.equal(events?.deny_purge, true);
  assert.equal(events?.duplicate_window, nanos(120_000));
  assert.equal(status?.name, "LBAAS_STATUS");
  assert.equal(status?.max_msgs_per_subject, 7);
  assert.equal(status?.max_age, nanos(7 * 24 * 3600 * 1000));
  assert.equal(status?.allow_direct, true);
});

test("config differences: only wanted fields, subjects as sets, omitted defaults equal", () => {
  const wanted = { name: "S", subjects: ["a.>", "b.>"], max_age: 0, allow_direct: true };
  assert.deepEqual(
    configDifferences({ name: "S", subjects: ["b.>", "a.>"], allow_direct: true }, wanted),
    [],
  );
  assert.deepEqual(
    configDifferences({ name: "S", subjects: ["a.>"], max_age: 5, allow_direct: false }, wanted),
    [
      { field: "subjects", existing: ["a.>"], wanted: ["a.>", "b.>"] },
      { field: "max_age", existing: 5, wanted: 0 },
      { field: "allow_direct", existing: false, wanted: true },
    ],
  );
  assert.deepEqual(configDifferences({}, { allow_direct: true }), [
    { field: "allow_direct", existing: undefined, wanted: true },
  ]);
});

test("typed errors: codes, predicates and lower-case messages quoting values", () => {
  const conflict = new ConflictError({
    subject: "lbaas.evt.g.service.a",
    expectedLastSubjectSeq: 3,
    currentLastSeq: 9,
    currentVersion: 4,
  });
  assert.ok(isConflict(conflict) && isBusError(conflict, "version_conflict"));
  assert.equal(conflict.guard, "last_subject_sequence", "the default guard");
  assert.equal(
    conflict.message,
    'subject "lbaas.evt.g.service.a": expected last sequence 3, it is 9 (current version 4)',
  );
  const config = new StreamConfigError(
    "S",
    [{ field: "storage", existing: "memory", wanted: "file" }],
    "cannot change",
  );
  assert.ok(isStreamConfigConflict(config) && !isConflict(config));
  assert.equal(config.message, 'stream "S": storage is "memory", wanted "file": cannot change');
  assert.ok(!isBusError(new Error("x")) && !isConflict(null) && !isTimeout(undefined));
});

test("NATS client errors map to bus codes", () => {
  const table: [unknown, string][] = [
    [new natsErrors.TimeoutError(), "timeout"],
    [new natsErrors.NoRespondersError("x"), "no_stream"],
    [new Error("wrapped", { cause: new natsErrors.NoRespondersError("x") }), "no_stream"],
    [
      new JetStreamApiError({ code: 404, err_code: 10059, description: "stream not found" }),
      "no_stream",
    ],
    [new Error("Something Else"), "publish_failed"],
    ["not even an error", "publish_failed"],
  ];
  for (const [err, code] of table) {
    const mapped = toBusError(err, "publish_failed", 'publish "s"');
    assert.equal(mapped.code, code, String(err));
    assert.match(mapped.message, /^publish "s": /);
  }
  assert.equal(
    toBusError(new Error("Something Else"), "read_failed", "x").message,
    "x: something else",
  );
  const own = new BusError("timeout", "t");
  assert.equal(toBusError(own, "read_failed", "x"), own);
});

test("bad read and append arguments fail before any I/O", async () => {
  assert.throws(
    () => replay(noClient, "S", "x", { toSeq: -1 }),
    (e) => isBusError(e, "invalid_argument"),
  );
  assert.throws(() => replay(noClient, "S", "x", { toSeq: 1.5 }), /toSeq: 1.5/);
  assert.throws(
    () => replay(noClient, "S", "x", { toTime: new Date("nope") }),
    /toTime: invalid date/,
  );
  assert.throws(() => followFrom(noClient, "S", "x", -3), /startSeq: -3 is not an integer >= 0/);
  const base = {
    subject: "s",
    data: new Uint8Array(),
    msgId: "m",
    version: 1,
    expectedLastSubjectSeq: 0,
  };
  for (const bad of [
    { version: 0 },
    { version: 2 ** 60 },
    { expectedLastSubjectSeq: -1 },
    { msgId: "" },
  ])
    await assert.rejects(appendEvent(noClient, { ...base, ...bad }), (e) =>
      isBusError(e, "invalid_argument"),
    );
  // toSeq 0 replays nothing, also without touching the server.
  const none: unknown[] = [];
  for await (const m of replay(noClient, "S", "x", { toSeq: 0 })) none.push(m);
  assert.deepEqual(none, []);
});
