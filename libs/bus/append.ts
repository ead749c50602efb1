// Appending one event to its aggregate's subject with optimistic concurrency and
// de-duplication. Bytes in, sequence out: the bus does not know the schema.
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient, StoredMsg } from "@nats-io/jetstream";
import { ConflictError, BusError, isJetStreamApiError, toBusError } from "./errors.ts";

/** Header carrying the aggregate version of the event (a decimal integer >= 1). */
export const VERSION_HEADER = "Lbaas-Version";

/** One event to append. */
export interface AppendRequest {
  /** The aggregate's subject, e.g. `lbaas.evt.default.service.web`. */
  readonly subject: string;
  /** The encoded event. */
  readonly data: Uint8Array;
  /** Deterministic message id, e.g. `default.service.web.v7` (de-duplication key). */
  readonly msgId: string;
  /** The aggregate version this event creates (>= 1); stored in `Lbaas-Version`. */
  readonly version: number;
  /** Stream sequence of the subject's last message as the writer knows it; 0 = subject must be empty. */
  readonly expectedLastSubjectSeq: number;
  /** Extra headers, e.g. `{"Lbaas-Event-Type": "ServiceUpserted"}`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The stream that must capture the subject (checked by the server; also speeds up conflict reads). */
  readonly stream?: string;
  /** Milliseconds to wait for the server's acknowledgement (default: the client's, 5 s). */
  readonly timeoutMs?: number;
}

/** Where the event landed. */
export interface AppendResult {
  /** Stream sequence of the stored event (the original one for a duplicate). */
  readonly seq: number;
  /** True when the message id was seen within the duplicate window: nothing new was stored. */
  readonly duplicate: boolean;
}

/**
 * Publishes one event with `Nats-Msg-Id = msgId` and
 * `Nats-Expected-Last-Subject-Sequence = expectedLastSubjectSeq`, plus the
 * `Lbaas-Version` header and the given headers, and waits for the stream's ack.
 *
 * De-duplication: a retried publish with the same msgId inside the stream's
 * duplicate window (2 minutes) returns the ORIGINAL sequence with
 * `duplicate: true` and stores nothing; nats-server 2.9.10 checks the message id
 * before the expected sequence, so the retry succeeds even though the subject
 * has moved on. After the window, the expected sequence is what protects.
 * A duplicate is accepted only if the stored message has the same subject and
 * the same bytes (one extra read); a different event under the same id (a
 * concurrent writer of the same version) is a `ConflictError`. Conversely a
 * refusal whose subject ends with this very event (same msgId and bytes: a retry
 * after a lost ack, answered by a new leader or after the window) is a success
 * with `duplicate: true`.
 *
 * Failures:
 * - the subject moved on (server API error 10071) → `ConflictError`
 *   (`version_conflict`) with the subject's current last sequence and version;
 * - no ack in time → `BusError` `timeout` (the event may or may not be stored:
 *   retry with the same msgId and expected sequence);
 * - no stream captures the subject → `no_stream`;
 * - anything else → `publish_failed`;
 * - bad arguments → `invalid_argument`, before anything is sent.
 */
export async function appendEvent(js: JetStreamClient, req: AppendRequest): Promise<AppendResult> {
  if (!Number.isSafeInteger(req.version) || req.version < 1)
    throw new BusError("invalid_argument", `version: ${req.version} is not an integer >= 1`);
  if (!Number.isSafeInteger(req.expectedLastSubjectSeq) || req.expectedLastSubjectSeq < 0)
    throw new BusError(
      "invalid_argument",
      `expectedLastSubjectSeq: ${req.expectedLastSubjectSeq} is not an integer >= 0`,
    );
  if (req.msgId === "") throw new BusError("invalid_argument", `msgId: "" is empty`);

  const h = natsHeaders();
  for (const [name, value] of Object.entries(req.headers ?? {})) h.set(name, value);
  h.set(VERSION_HEADER, String(req.version));
  try {
    const ack = await js.publish(req.subject, req.data, {
      msgID: req.msgId,
      headers: h,
      expect: {
        lastSubjectSequence: req.expectedLastSubjectSeq,
        ...(req.stream !== undefined ? { streamName: req.stream } : {}),
      },
      ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}),
    });
    if (ack.duplicate && !(await storedIs(js, req, ack.stream, ack.seq)))
      throw await conflictFor(js, { ...req, stream: ack.stream }, null);
    return { seq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    if (isJetStreamApiError(err, 10071)) return settleRefusal(js, req, err);
    throw toBusError(err, "publish_failed", `publish ${JSON.stringify(req.subject)}`);
  }
}

/**
 * A duplicate ack only says that SOME message with this id is stored. With
 * deterministic ids (`<aggregate>.v<version>`) two writers racing for the same
 * version share the id, and 2.9.10 checks ids before expected sequences: the loser
 * would get `duplicate: true` for the winner's event. So compare the stored bytes:
 * a genuine retry stored the very same bytes; anything else is a conflict.
 */
async function storedIs(
  js: JetStreamClient,
  req: AppendRequest,
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
 * "Wrong last sequence" is also what a writer gets when retrying an event that
 * WAS stored (the ack got lost: a timeout, a leader change) once the duplicate
 * window has passed or when a new stream leader answers the retry. If the
 * subject's last message is this very event (same msgId, same bytes), the append
 * succeeded: report it as a duplicate. Otherwise it is a conflict.
 */
async function settleRefusal(
  js: JetStreamClient,
  req: AppendRequest,
  cause: Error,
): Promise<AppendResult> {
  const last = await lastOfSubject(js, req).catch((err: unknown) => err as Error);
  if (
    !(last instanceof Error) &&
    last !== null &&
    last.header.get("Nats-Msg-Id") === req.msgId &&
    sameBytes(last.data, req.data)
  )
    return { seq: last.seq, duplicate: true };
  throw conflictFrom(req, last, cause);
}

async function lastOfSubject(js: JetStreamClient, req: AppendRequest): Promise<StoredMsg | null> {
  const jsm = await js.jetstreamManager();
  const stream = req.stream ?? (await jsm.streams.find(req.subject));
  return jsm.streams.getMessage(stream, { last_by_subj: req.subject });
}

/**
 * Reads the subject's last message to tell the writer where the aggregate is now.
 * The read goes to the stream leader (STREAM.MSG.GET), not to a direct get, which
 * any replica may answer and a lagging follower might answer with an older message.
 */
async function conflictFor(
  js: JetStreamClient,
  req: AppendRequest,
  cause: Error | null,
): Promise<ConflictError> {
  const last = await lastOfSubject(js, req).catch((err: unknown) => err as Error);
  return conflictFrom(req, last, cause);
}

function conflictFrom(
  req: AppendRequest,
  last: StoredMsg | null | Error,
  cause: Error | null,
): ConflictError {
  const details = { subject: req.subject, expectedLastSubjectSeq: req.expectedLastSubjectSeq };
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

/** Parses a `Lbaas-Version` header value; null when absent or not a positive integer. */
export function parseVersion(value: string | undefined): number | null {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}
