// Which guard refused an append, told from the server's 10070/10071 and the
// stream's content (a fake stream here; the real server in tests/integration/bus).
import { test } from "node:test";
import assert from "node:assert/strict";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamClient } from "@nats-io/jetstream";
import { settleRefusal } from "../../../libs/bus/append-outcome.ts";
import type { SentAppend } from "../../../libs/bus/append-outcome.ts";
import { ConflictError } from "../../../libs/bus/errors.ts";

const SUBJECT = "lbaas.evt.g.service.a";
const OTHER = "lbaas.evt.g.service.b";

interface FakeMsg {
  seq: number;
  subject: string;
  msgId: string;
  version: number;
  data: string;
}

/** A client over a fake stream; `reads` counts the gets. */
function fakeStream(messages: FakeMsg[]): { js: JetStreamClient; reads: () => number } {
  let reads = 0;
  const stored = (m: FakeMsg | undefined) =>
    m === undefined
      ? null
      : {
          seq: m.seq,
          subject: m.subject,
          data: new TextEncoder().encode(m.data),
          header: {
            get: (name: string) =>
              ({ "Nats-Msg-Id": m.msgId, "Lbaas-Version": String(m.version) })[name],
          },
        };
  const streams = {
    find: () => Promise.resolve("S"),
    getMessage: (_stream: string, q: { seq?: number; last_by_subj?: string }) => {
      reads++;
      if (q.seq !== undefined)
        return Promise.resolve(stored(messages.find((m) => m.seq === q.seq)));
      return Promise.resolve(stored(messages.filter((m) => m.subject === q.last_by_subj).at(-1)));
    },
  };
  const js = { jetstreamManager: () => Promise.resolve({ streams }) } as unknown as JetStreamClient;
  return { js, reads: () => reads };
}

const apiError = (code: number, description: string) =>
  new JetStreamApiError({ code: 400, err_code: code, description });

const request = (
  expectedLastSubjectSeq: number,
  headers: Record<string, string> = {},
): SentAppend => ({
  subject: SUBJECT,
  data: new TextEncoder().encode("mine"),
  msgId: "a.v9",
  expectedLastSubjectSeq,
  headers,
  stream: "S",
});

async function refusal(
  messages: FakeMsg[],
  req: SentAppend,
  err: JetStreamApiError,
): Promise<{ conflict: ConflictError; reads: number }> {
  const { js, reads } = fakeStream(messages);
  const conflict = await settleRefusal(js, req, err).then(
    () => assert.fail("expected a conflict"),
    (e: unknown) => e as ConflictError,
  );
  assert.ok(conflict instanceof ConflictError, String(conflict));
  assert.equal(conflict.cause, err);
  return { conflict, reads: reads() };
}

const a5: FakeMsg = { seq: 5, subject: SUBJECT, msgId: "a.v2", version: 2, data: "a2" };
const b8: FakeMsg = { seq: 8, subject: OTHER, msgId: "b.v1", version: 1, data: "b1" };
const a9: FakeMsg = { seq: 9, subject: SUBJECT, msgId: "a.v3", version: 3, data: "a3" };
const a12: FakeMsg = { seq: 12, subject: SUBJECT, msgId: "a.v4", version: 4, data: "a4" };
const seqGuard = { "Nats-Expected-Last-Sequence": "7" };

test("10071 without a stream-wide guard: the subject guard", async () => {
  const { conflict } = await refusal(
    [a5, a9],
    request(5),
    apiError(10071, "wrong last sequence: 9"),
  );
  assert.equal(conflict.guard, "last_subject_sequence");
  assert.deepEqual([conflict.currentLastSeq, conflict.currentVersion], [9, 3]);
  assert.deepEqual([conflict.expected, conflict.found], ["5", "9"]);
  assert.equal(
    conflict.message,
    'subject "lbaas.evt.g.service.a": expected last sequence 5, it is 9 (current version 3)',
  );
});

test("10071 naming the subject's last message: the subject guard (checked first by 2.9.10)", async () => {
  const { conflict, reads } = await refusal(
    [a5, b8, a9],
    request(5, seqGuard),
    apiError(10071, "wrong last sequence: 9"),
  );
  assert.equal(conflict.guard, "last_subject_sequence");
  assert.equal(reads, 1, "the subject's last message says it");
});

test("10071 while the subject is where the writer expected it: the stream guard", async () => {
  const { conflict, reads } = await refusal(
    [a5, b8],
    request(5, seqGuard),
    apiError(10071, "wrong last sequence: 8"),
  );
  assert.equal(conflict.guard, "last_sequence");
  assert.deepEqual([conflict.expected, conflict.found], ["7", "8"]);
  assert.deepEqual([conflict.currentLastSeq, conflict.currentVersion], [5, 2]);
  assert.equal(reads, 1);
  assert.equal(
    conflict.message,
    `subject "${SUBJECT}": expected the stream's last sequence 7, it is 8 (subject at 5, current version 2)`,
  );
});

test("10071 naming the expected subject sequence: the stream guard", async () => {
  const { conflict } = await refusal(
    [a5, b8, a12],
    request(5, { "nats-expected-last-sequence": "4" }), // header names are matched case-insensitively
    apiError(10071, "wrong last sequence: 5"),
  );
  assert.equal(conflict.guard, "last_sequence");
  assert.deepEqual([conflict.expected, conflict.found], ["4", "5"]);
});

test("the subject moved again after the refusal: message N tells which guard", async () => {
  // Refused by the subject guard at a9, then a12 was appended.
  const bySubject = await refusal(
    [a5, b8, a9, a12],
    request(5, seqGuard),
    apiError(10071, "wrong last sequence: 9"),
  );
  assert.equal(bySubject.conflict.guard, "last_subject_sequence");
  assert.equal(bySubject.reads, 2, "one more read: message 9");
  assert.equal(bySubject.conflict.currentLastSeq, 12);
  // Refused by the stream guard at b8 (the subject was at a5), then a12 was appended.
  const byStream = await refusal(
    [a5, b8, a12],
    request(5, seqGuard),
    apiError(10071, "wrong last sequence: 8"),
  );
  assert.equal(byStream.conflict.guard, "last_sequence");
  assert.equal(byStream.reads, 2);
});

test("10070: the message id guard, with what it expected and found", async () => {
  const { conflict } = await refusal(
    [a5, b8],
    request(5, { ...seqGuard, "Nats-Expected-Last-Msg-Id": "a.v2" }),
    apiError(10070, "wrong last msg ID: b.v1"),
  );
  assert.equal(conflict.guard, "last_msg_id");
  assert.equal(conflict.code, "version_conflict");
  assert.deepEqual([conflict.expected, conflict.found], ["a.v2", "b.v1"]);
  assert.deepEqual([conflict.currentLastSeq, conflict.currentVersion], [5, 2]);
  assert.equal(
    conflict.message,
    `subject "${SUBJECT}": expected the stream's last message id "a.v2", it is "b.v1" (subject at 5, current version 2)`,
  );
});

test("a refusal whose subject ends with this very event is a success (lost ack)", async () => {
  const mine: FakeMsg = { seq: 13, subject: SUBJECT, msgId: "a.v9", version: 9, data: "mine" };
  for (const err of [
    apiError(10071, "wrong last sequence: 13"),
    apiError(10070, "wrong last msg ID: a.v9"),
  ]) {
    const { js } = fakeStream([a5, mine]);
    assert.deepEqual(await settleRefusal(js, request(5, seqGuard), err), {
      seq: 13,
      duplicate: true,
    });
  }
});

test("the follow-up read fails: still a conflict, current position unknown", async () => {
  const js = {
    jetstreamManager: () => Promise.reject(new Error("no answer")),
  } as unknown as JetStreamClient;
  const conflict = await settleRefusal(
    js,
    request(5),
    apiError(10071, "wrong last sequence: 9"),
  ).catch((e: unknown) => e as ConflictError);
  assert.ok(conflict instanceof ConflictError);
  assert.deepEqual([conflict.currentLastSeq, conflict.currentVersion], [-1, null]);
  assert.ok(conflict.cause instanceof AggregateError);
});
