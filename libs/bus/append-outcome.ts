// What the server's answer to an append means beyond its face value. One extra
// read of the stream, only on the rare paths: a duplicate ack (is the stored
// message really ours?) and a refusal by an optimistic-concurrency guard (was our
// event stored after all? which guard refused? where is the subject now?).
import type { JetStreamClient, StoredMsg } from "@nats-io/jetstream";
import { ConflictError } from "./errors.ts";
import type { ConflictDetails } from "./errors.ts";
import { parseVersion, VERSION_HEADER } from "./version.ts";

/** What these checks need to know about the append (an `AppendRequest` fits). */
export interface SentAppend {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
  readonly expectedLastSubjectSeq: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly stream?: string;
}

/** The stream-wide guards a caller may add as headers (both honoured by 2.9.10). */
const EXPECTED_LAST_SEQUENCE = "nats-expected-last-sequence";
const EXPECTED_LAST_MSG_ID = "nats-expected-last-msg-id";

/**
 * A duplicate ack only says that SOME message with this id is stored. With
 * deterministic ids (`<aggregate>.v<version>`) two writers racing for the same
 * version share the id, and 2.9.10 checks ids before expected sequences: the loser
 * would get `duplicate: true` for the winner's event. So compare the stored bytes:
 * a genuine retry stored the very same bytes; anything else is a conflict.
 */
export async function storedIs(
  js: JetStreamClient,
  req: SentAppend,
  stream: string,
  seq: number,
): Promise<boolean> {
  const jsm = await js.jetstreamManager();
  const stored = await jsm.streams.getMessage(stream, { seq });
  return stored !== null && stored.subject === req.subject && sameBytes(stored.data, req.data);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A guard refused the append (`err` is the server's 10070 or 10071). That is also
 * what a writer gets when retrying an event that WAS stored (the ack got lost: a
 * timeout, a leader change) once the duplicate window has passed or when a new
 * stream leader answers the retry. If the subject's last message is this very
 * event (same msgId, same bytes), the append succeeded: it is reported as a
 * duplicate. Otherwise throws the `ConflictError` naming the guard.
 */
export async function settleRefusal(
  js: JetStreamClient,
  req: SentAppend,
  err: Error & { readonly code: number },
): Promise<{ seq: number; duplicate: true }> {
  const last = await lastOfSubject(js, req).catch((e: unknown) => e as Error);
  if (
    !(last instanceof Error) &&
    last !== null &&
    last.header.get("Nats-Msg-Id") === req.msgId &&
    sameBytes(last.data, req.data)
  )
    return { seq: last.seq, duplicate: true };
  throw conflictFrom(req, last, err, await refusingGuard(js, req, err, last));
}

/** A duplicate ack for another event under our id: the conflict, with where the subject is now. */
export async function conflictFor(js: JetStreamClient, req: SentAppend): Promise<ConflictError> {
  const last = await lastOfSubject(js, req).catch((err: unknown) => err as Error);
  return conflictFrom(req, last, null, { guard: "last_subject_sequence" });
}

type Guard = Pick<ConflictDetails, "guard" | "expected" | "found">;

/**
 * Which guard refused. 10070 is the message id guard. 10071 is either sequence
 * guard, "wrong last sequence: N" (2.9.10 checks the subject's first): N is the
 * subject's last sequence when the subject guard refused, the stream's last when
 * the stream guard did. N equal to the expected subject sequence, or N not a
 * message of the subject, means the subject guard passed.
 */
async function refusingGuard(
  js: JetStreamClient,
  req: SentAppend,
  err: Error & { readonly code: number },
  last: StoredMsg | null | Error,
): Promise<Guard> {
  if (err.code === 10070)
    return {
      guard: "last_msg_id",
      expected: headerOf(req, EXPECTED_LAST_MSG_ID) ?? "",
      found: /wrong last msg id: ?(.*)$/i.exec(err.message)?.[1] ?? "",
    };
  const subjectGuard: Guard = { guard: "last_subject_sequence" };
  const expected = headerOf(req, EXPECTED_LAST_SEQUENCE);
  if (expected === undefined) return subjectGuard;
  const named = /wrong last sequence: ?(\d+)/i.exec(err.message)?.[1];
  const streamGuard: Guard = { guard: "last_sequence", expected, found: named ?? "" };
  const lastSeq = last instanceof Error ? -1 : (last?.seq ?? 0);
  const unmoved = lastSeq === req.expectedLastSubjectSeq ? streamGuard : subjectGuard;
  if (named === undefined) return unmoved;
  const n = Number(named);
  // N is what the subject guard expected, or the subject has not moved at all: the
  // subject guard passed. N is the subject's last message: the subject guard refused.
  if (n === req.expectedLastSubjectSeq || lastSeq === req.expectedLastSubjectSeq)
    return streamGuard;
  if (n === 0 || n === lastSeq) return subjectGuard;
  // The subject moved again after the refusal: is message N one of its messages?
  try {
    const jsm = await js.jetstreamManager();
    const stream = req.stream ?? (await jsm.streams.find(req.subject));
    const message = await jsm.streams.getMessage(stream, { seq: n });
    return message?.subject === req.subject ? subjectGuard : streamGuard;
  } catch {
    return unmoved; // the refusal stands; the guard is our best guess
  }
}

function headerOf(req: SentAppend, lowerCaseName: string): string | undefined {
  for (const [name, value] of Object.entries(req.headers ?? {}))
    if (name.toLowerCase() === lowerCaseName) return value;
  return undefined;
}

async function lastOfSubject(js: JetStreamClient, req: SentAppend): Promise<StoredMsg | null> {
  const jsm = await js.jetstreamManager();
  const stream = req.stream ?? (await jsm.streams.find(req.subject));
  // The stream leader (STREAM.MSG.GET), not a direct get, which any replica may
  // answer and a lagging follower might answer with an older message.
  return jsm.streams.getMessage(stream, { last_by_subj: req.subject });
}

function conflictFrom(
  req: SentAppend,
  last: StoredMsg | null | Error,
  cause: Error | null,
  guard: Guard,
): ConflictError {
  const details = {
    subject: req.subject,
    expectedLastSubjectSeq: req.expectedLastSubjectSeq,
    ...guard,
  };
  const options = cause === null ? {} : { cause };
  if (last === null)
    return new ConflictError({ ...details, currentLastSeq: 0, currentVersion: 0 }, options);
  if (last instanceof Error)
    // The refusal stands even when the follow-up read fails; say what is unknown.
    return new ConflictError(
      { ...details, currentLastSeq: -1, currentVersion: null },
      { cause: new AggregateError(cause === null ? [last] : [cause, last], "reading failed") },
    );
  const currentVersion = parseVersion(last.header.get(VERSION_HEADER));
  return new ConflictError({ ...details, currentLastSeq: last.seq, currentVersion }, options);
}
