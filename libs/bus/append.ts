// Appending one event to its aggregate's subject with optimistic concurrency and
// de-duplication. Bytes in, sequence out: the bus does not know the schema.
import { headers as natsHeaders } from "@nats-io/transport-node";
import { PubHeaders, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import type { AckInbox } from "./ack-inbox.ts";
import { conflictFor, settleRefusal, storedIs } from "./append-outcome.ts";
import { BusError, isJetStreamApiError, toBusError } from "./errors.ts";
import { VERSION_HEADER } from "./version.ts";
import { WireHeaders } from "./wire-headers.ts";

export { parseVersion, VERSION_HEADER } from "./version.ts";

/** The JetStream client's default publish timeout, also used through an AckInbox. */
const DEFAULT_ACK_TIMEOUT_MS = 5_000;

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
  /**
   * Extra headers, e.g. `{"Lbaas-Event-Type": "ServiceUpserted"}`. May add the
   * stream-wide guards `Nats-Expected-Last-Sequence` and `Nats-Expected-Last-Msg-Id`;
   * their refusals are `ConflictError`s too.
   */
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
 * - a guard refused → `ConflictError` (`version_conflict`) with the subject's
 *   current last sequence and version, and `guard` naming the guard: the subject
 *   moved on (`last_subject_sequence`, API error 10071), or, when the headers add
 *   them, the stream moved on (`last_sequence`, also 10071) or its last message is
 *   another one (`last_msg_id`, API error 10070);
 * - no ack in time → `BusError` `timeout` (the event may or may not be stored:
 *   retry with the same msgId and expected sequence);
 * - no stream captures the subject → `no_stream`;
 * - anything else → `publish_failed`;
 * - bad arguments → `invalid_argument`, before anything is sent.
 *
 * With `inbox` the acknowledgement comes through that shared subscription instead of
 * a request per publish (same message, same outcomes, less CPU per append).
 */
export async function appendEvent(
  js: JetStreamClient,
  req: AppendRequest,
  inbox?: AckInbox,
): Promise<AppendResult> {
  if (!Number.isSafeInteger(req.version) || req.version < 1)
    throw new BusError("invalid_argument", `version: ${req.version} is not an integer >= 1`);
  if (!Number.isSafeInteger(req.expectedLastSubjectSeq) || req.expectedLastSubjectSeq < 0)
    throw new BusError(
      "invalid_argument",
      `expectedLastSubjectSeq: ${req.expectedLastSubjectSeq} is not an integer >= 0`,
    );
  if (req.msgId === "") throw new BusError("invalid_argument", `msgId: "" is empty`);

  // The version last (replacing a given one, as a set on the client's headers would).
  const given = Object.entries(req.headers ?? {}).filter(([name]) => name !== VERSION_HEADER);
  given.push([VERSION_HEADER, String(req.version)]);
  try {
    const ack = await (inbox === undefined
      ? viaRequest(js, req, given)
      : viaInbox(inbox, req, given));
    if (ack.duplicate && !(await storedIs(js, req, ack.stream, ack.seq)))
      throw await conflictFor(js, { ...req, stream: ack.stream });
    return { seq: ack.seq, duplicate: ack.duplicate };
  } catch (err) {
    if (isJetStreamApiError(err, 10071) || isJetStreamApiError(err, 10070))
      return await settleRefusal(js, req, err);
    throw toBusError(err, "publish_failed", `publish ${JSON.stringify(req.subject)}`);
  }
}

function viaRequest(
  js: JetStreamClient,
  req: AppendRequest,
  given: readonly [string, string][],
): Promise<PubAck> {
  const h = natsHeaders();
  for (const [name, value] of given) h.set(name, value);
  return js.publish(req.subject, req.data, {
    msgID: req.msgId,
    headers: h,
    expect: {
      lastSubjectSequence: req.expectedLastSubjectSeq,
      ...(req.stream !== undefined ? { streamName: req.stream } : {}),
    },
    ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}),
  });
}

/**
 * The same headers, in the same order, as the client's js.publish sends (viaRequest),
 * as WireHeaders (the same bytes for less CPU). A `given` name the client would set
 * too (a caller's Nats-Msg-Id) is replaced, as the client's set replaces it.
 */
function viaInbox(
  inbox: AckInbox,
  req: AppendRequest,
  given: readonly [string, string][],
): Promise<PubAck> {
  const h = new WireHeaders(given);
  h.set(PubHeaders.MsgIdHdr, req.msgId);
  if (req.stream !== undefined) h.set(PubHeaders.ExpectedStreamHdr, req.stream);
  h.set(PubHeaders.ExpectedLastSubjectSequenceHdr, String(req.expectedLastSubjectSeq));
  return inbox.publish(req.subject, req.data, h, req.timeoutMs ?? DEFAULT_ACK_TIMEOUT_MS);
}
