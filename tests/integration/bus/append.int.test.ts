import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { nanos } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import { appendEvent, VERSION_HEADER } from "../../../libs/bus/append.ts";
import { isBusError, isConflict } from "../../../libs/bus/errors.ts";
import type { ConflictError } from "../../../libs/bus/errors.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { bytes, uniqueGroup, useJetStream } from "./fixture.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));

/** Appends versions 1..n of one aggregate; returns the sequence of each. */
async function appendVersions(subject: string, n: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let v = 1; v <= n; v++) {
    const r = await appendEvent(f.js, {
      subject,
      data: bytes(`${subject} v${v}`),
      msgId: `${subject}.v${v}`,
      version: v,
      expectedLastSubjectSeq: seqs.at(-1) ?? 0,
    });
    assert.equal(r.duplicate, false);
    seqs.push(r.seq);
  }
  return seqs;
}

test("an append stores the version and the given headers", async () => {
  const subject = `lbaas.evt.${uniqueGroup("h")}.service.web`;
  const r = await appendEvent(f.js, {
    subject,
    data: bytes("v1"),
    msgId: `${subject}.v1`,
    version: 1,
    expectedLastSubjectSeq: 0,
    headers: { "Lbaas-Event-Type": "ServiceUpserted" },
    stream: EVENTS_STREAM,
  });
  const stored = await f.jsm.streams.getMessage(EVENTS_STREAM, { seq: r.seq });
  assert.equal(stored?.subject, subject);
  assert.equal(stored?.header.get(VERSION_HEADER), "1");
  assert.equal(stored?.header.get("Lbaas-Event-Type"), "ServiceUpserted");
  assert.equal(stored?.header.get("Nats-Msg-Id"), `${subject}.v1`);
});

test("two writers with the same expected sequence: exactly one wins", async () => {
  for (const sameMsgId of [false, true]) {
    const subject = `lbaas.evt.${uniqueGroup("w")}.service.web`;
    const [s1, s2] = await appendVersions(subject, 2);
    // Both writers read version 2 at sequence s2 and write version 3. With
    // deterministic ids they even share the message id.
    const write = (writer: string) =>
      appendEvent(f.js, {
        subject,
        data: bytes(`v3 by ${writer}`),
        msgId: sameMsgId ? `${subject}.v3` : `${subject}.v3.${writer}`,
        version: 3,
        expectedLastSubjectSeq: s2 ?? -1,
      });
    const results = await Promise.allSettled([write("a"), write("b")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1, `same msgId ${sameMsgId}: one writer wins`);
    assert.equal(lost.length, 1, `same msgId ${sameMsgId}: one writer is refused`);
    const err = lost[0]?.reason as ConflictError;
    assert.ok(isConflict(err), `same msgId ${sameMsgId}: ${String(err)}`);
    assert.equal(err.code, "version_conflict");
    assert.equal(err.subject, subject);
    assert.equal(err.currentVersion, 3);
    assert.equal(err.currentLastSeq, won[0]?.value.seq);
    assert.equal(err.expectedLastSubjectSeq, s2);
    assert.ok(s1 !== undefined && s1 < (s2 ?? 0));
  }
});

test("a stale expected sequence is refused with the current version", async () => {
  const subject = `lbaas.evt.${uniqueGroup("s")}.policy.p`;
  const seqs = await appendVersions(subject, 4);
  await assert.rejects(
    appendEvent(f.js, {
      subject,
      data: bytes("late"),
      msgId: `${subject}.v2-late`,
      version: 2,
      expectedLastSubjectSeq: seqs[0] ?? -1,
    }),
    (err) => {
      assert.ok(isConflict(err));
      assert.equal(err.currentVersion, 4);
      assert.equal(err.currentLastSeq, seqs[3]);
      assert.match(err.message, /expected last sequence \d+, it is \d+ \(current version 4\)/);
      return true;
    },
  );
});

test("'must be empty' (expected 0) on an existing aggregate is a conflict", async () => {
  const subject = `lbaas.evt.${uniqueGroup("e")}.endpoints.web`;
  const [seq] = await appendVersions(subject, 1);
  await assert.rejects(
    appendEvent(f.js, {
      subject,
      data: bytes("again"),
      msgId: `${subject}.other`,
      version: 1,
      expectedLastSubjectSeq: 0,
    }),
    (err) => isConflict(err) && err.currentVersion === 1 && err.currentLastSeq === seq,
  );
});

test("a retried publish (same msgId, same bytes) is stored once", async () => {
  const subject = `lbaas.evt.${uniqueGroup("d")}.service.web`;
  const req = {
    subject,
    data: bytes("v1"),
    msgId: `${subject}.v1`,
    version: 1,
    expectedLastSubjectSeq: 0,
  };
  const first = await appendEvent(f.js, req);
  const retry = await appendEvent(f.js, req);
  assert.deepEqual(retry, { seq: first.seq, duplicate: true });
  // Even after the subject moved on, the retry inside the window is a duplicate.
  await appendEvent(f.js, {
    ...req,
    data: bytes("v2"),
    msgId: `${subject}.v2`,
    version: 2,
    expectedLastSubjectSeq: first.seq,
  });
  assert.deepEqual(await appendEvent(f.js, req), { seq: first.seq, duplicate: true });
  const info = await f.jsm.streams.info(EVENTS_STREAM, { subjects_filter: subject });
  assert.equal(info.state.subjects?.[subject], 2);
});

test("a retry after the duplicate window whose event is stored is a duplicate, not a conflict", async () => {
  await f.jsm.streams.add({
    name: "SHORT_WINDOW",
    subjects: ["short.>"],
    duplicate_window: nanos(300),
  });
  const req = {
    subject: "short.service.a",
    data: bytes("v1"),
    msgId: "short.service.a.v1",
    version: 1,
    expectedLastSubjectSeq: 0,
    stream: "SHORT_WINDOW",
  };
  const first = await appendEvent(f.js, req);
  await sleep(600); // the server forgot the id: only the expected sequence guards now
  assert.deepEqual(await appendEvent(f.js, req), { seq: first.seq, duplicate: true });
  // Same version, different bytes: a real conflict.
  await assert.rejects(
    appendEvent(f.js, { ...req, data: bytes("v1 by someone else") }),
    (err) => isConflict(err) && err.currentVersion === 1,
  );
  assert.equal((await f.jsm.streams.info("SHORT_WINDOW")).state.messages, 1);
});

test("each guard's refusal is a ConflictError naming the guard (2.9.10: 10071, 10071, 10070)", async () => {
  await f.jsm.streams.add({ name: "GUARDS", subjects: ["guards.>"] });
  const stream = "GUARDS";
  const append = (subject: string, v: number, expected: number, headers = {}) =>
    appendEvent(f.js, {
      subject,
      data: bytes(`${subject} v${v}`),
      msgId: `${subject}.v${v}`,
      version: v,
      expectedLastSubjectSeq: expected,
      headers,
      stream,
    });
  const a = "guards.service.a";
  const b = "guards.service.b";
  const a1 = await append(a, 1, 0); // seq 1
  await append(b, 1, 0); // seq 2
  const refused = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail("expected a refusal"),
      (err: unknown) => {
        assert.ok(isConflict(err), String(err));
        return err;
      },
    );

  // The aggregate is where the writer saw it, the stream is not.
  const stream1 = await refused(append(a, 2, a1.seq, { "Nats-Expected-Last-Sequence": "1" }));
  assert.equal(stream1.guard, "last_sequence");
  assert.deepEqual([stream1.expected, stream1.found], ["1", "2"]);
  assert.deepEqual([stream1.currentLastSeq, stream1.currentVersion], [a1.seq, 1]);

  // Both sequences right, the message id chain wrong.
  const chain = await refused(
    append(a, 2, a1.seq, {
      "Nats-Expected-Last-Sequence": "2",
      "Nats-Expected-Last-Msg-Id": `${a}.v1`,
    }),
  );
  assert.equal(chain.guard, "last_msg_id");
  assert.deepEqual([chain.expected, chain.found], [`${a}.v1`, `${b}.v1`]);
  assert.equal(chain.currentVersion, 1);

  // Everything stale: 2.9.10 reports the subject guard first.
  const all = await refused(
    append(a, 2, 0, { "Nats-Expected-Last-Sequence": "0", "Nats-Expected-Last-Msg-Id": "x" }),
  );
  assert.equal(all.guard, "last_subject_sequence");
  assert.deepEqual([all.expected, all.found], ["0", String(a1.seq)]);

  // And all three right: stored.
  const a2 = await append(a, 2, a1.seq, {
    "Nats-Expected-Last-Sequence": "2",
    "Nats-Expected-Last-Msg-Id": `${b}.v1`,
  });
  assert.deepEqual(a2, { seq: 3, duplicate: false });
  assert.equal((await f.jsm.streams.info(stream)).state.messages, 3);
});

test("a subject no stream captures fails with no_stream", async () => {
  await assert.rejects(
    appendEvent(f.js, {
      subject: "nowhere.at.all",
      data: bytes("x"),
      msgId: "x",
      version: 1,
      expectedLastSubjectSeq: 0,
      timeoutMs: 2_000,
    }),
    (err) => isBusError(err, "no_stream"),
  );
});

test("bad arguments are refused before anything is sent", async () => {
  const base = { subject: "lbaas.evt.x.service.y", data: bytes("x"), msgId: "m" };
  const cases = [
    { version: 0, expectedLastSubjectSeq: 0, message: /version: 0 is not an integer >= 1/ },
    { version: 1.5, expectedLastSubjectSeq: 0, message: /version: 1.5/ },
    { version: 1, expectedLastSubjectSeq: -1, message: /expectedLastSubjectSeq: -1/ },
  ];
  for (const c of cases)
    await assert.rejects(
      appendEvent(f.js, { ...base, ...c }),
      (err) => isBusError(err, "invalid_argument") && c.message.test(err.message),
    );
});
