import { test } from "node:test";
import assert from "node:assert/strict";
import { AckInbox } from "../../../libs/bus/ack-inbox.ts";
import { appendEvent, VERSION_HEADER } from "../../../libs/bus/append.ts";
import { isBusError, isConflict } from "../../../libs/bus/errors.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { bytes, uniqueGroup, useJetStream } from "./fixture.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));

// Each way of waiting for the acknowledgement must give the same outcomes.
const ways = [
  { name: "a request per append", inbox: (): AckInbox | undefined => undefined },
  { name: "the shared inbox", inbox: (): AckInbox | undefined => new AckInbox(f.nc) },
];

for (const way of ways) {
  test(`${way.name}: stores the same headers, refuses a stale guard, accepts a duplicate`, async () => {
    const inbox = way.inbox();
    try {
      const subject = `lbaas.evt.${uniqueGroup("i")}.service.web`;
      const req = {
        subject,
        data: bytes("v1"),
        msgId: `${subject}.v1`,
        version: 1,
        expectedLastSubjectSeq: 0,
        headers: { "Lbaas-Event-Type": "ServiceUpserted" },
        stream: EVENTS_STREAM,
      };
      const r = await appendEvent(f.js, req, inbox);
      assert.equal(r.duplicate, false);
      const stored = await f.jsm.streams.getMessage(EVENTS_STREAM, { seq: r.seq });
      assert.equal(stored?.subject, subject);
      assert.deepEqual(
        [...(stored?.header.keys() ?? [])],
        [
          "Lbaas-Event-Type",
          VERSION_HEADER,
          "Nats-Msg-Id",
          "Nats-Expected-Stream",
          "Nats-Expected-Last-Subject-Sequence",
        ],
      );
      assert.equal(stored?.header.get("Nats-Expected-Last-Subject-Sequence"), "0");
      // The same event again: a duplicate with the original sequence.
      assert.deepEqual(await appendEvent(f.js, req, inbox), { seq: r.seq, duplicate: true });
      // Another version 2 that expects an empty subject: refused by the guard.
      await assert.rejects(
        appendEvent(f.js, { ...req, data: bytes("v2"), msgId: `${subject}.v2`, version: 2 }, inbox),
        (err: unknown) => isConflict(err),
      );
      // A stream-wide guard refused (the stream has moved on since sequence 0).
      await assert.rejects(
        appendEvent(
          f.js,
          {
            ...req,
            data: bytes("v2"),
            msgId: `${subject}.v2`,
            version: 2,
            expectedLastSubjectSeq: r.seq,
            headers: { "Nats-Expected-Last-Sequence": "0" },
          },
          inbox,
        ),
        (err: unknown) => isConflict(err),
      );
      // No stream captures the subject.
      const { stream: _stream, ...withoutStream } = req;
      await assert.rejects(
        appendEvent(f.js, { ...withoutStream, subject: "nowhere.at.all" }, inbox),
        (err: unknown) => isBusError(err, "no_stream"),
      );
    } finally {
      inbox?.close();
    }
  });
}

test("the shared inbox times out an unanswered append", async () => {
  const inbox = new AckInbox(f.nc);
  try {
    // A subject somebody subscribes to but never answers.
    const sub = f.nc.subscribe("lbaas.silent.x");
    await f.nc.flush();
    const started = Date.now();
    await assert.rejects(
      appendEvent(
        f.js,
        {
          subject: "lbaas.silent.x",
          data: bytes("x"),
          msgId: "silent.x.v1",
          version: 1,
          expectedLastSubjectSeq: 0,
          timeoutMs: 300,
        },
        inbox,
      ),
      (err: unknown) => isBusError(err, "timeout"),
    );
    assert.ok(Date.now() - started >= 300, "not before the timeout");
    sub.unsubscribe();
  } finally {
    inbox.close();
  }
});

test("many appends in flight through one inbox each get their own sequence", async () => {
  const inbox = new AckInbox(f.nc);
  try {
    const group = uniqueGroup("m");
    const seqs = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        appendEvent(
          f.js,
          {
            subject: `lbaas.evt.${group}.service.s${i}`,
            data: bytes(`s${i}`),
            msgId: `${group}.s${i}.v1`,
            version: 1,
            expectedLastSubjectSeq: 0,
          },
          inbox,
        ).then((r) => r.seq),
      ),
    );
    assert.equal(new Set(seqs).size, 200);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] ?? 0) + 1);
  } finally {
    inbox.close();
  }
});
