// Appending a decision's events in order, pipelined, each guarded twice:
// - `Nats-Expected-Last-Subject-Sequence` (the bus's expectedLastSubjectSeq): the
//   aggregate has not moved since the view saw it (per-aggregate OCC, decision 2);
// - `Nats-Expected-Last-Sequence` = view position + i: NOTHING was appended to the
//   stream since the state the decision was made on. This makes every write of every
//   control plane serializable, so cross-object rules (VIP:port uniqueness, endpoints
//   that are VIPs, `auto` allocation) hold across instances too, on nats-server 2.9
//   which has no multi-subject OCC. A refused append means "another writer was first":
//   the writer catches up and decides again.
// - `Nats-Expected-Last-Msg-Id` = the previous event of the batch (from the second
//   event on; for the first, the last event of a batch still in flight that this one
//   was decided on top of): events are pipelined, and once one is refused every later
//   one must be refused too, or a later one could land on a state it was not decided on.
// All three are honoured by 2.9.10 (checked in tests); the message id makes a retried
// publish idempotent within the duplicate window.
import type { JetStreamClient } from "@nats-io/jetstream";
import type { AckInbox } from "../../libs/bus/ack-inbox.ts";
import { appendEvent } from "../../libs/bus/append.ts";
import { isConflict } from "../../libs/bus/errors.ts";
import { EVENTS_STREAM } from "../../libs/bus/streams.ts";
import { encodeValidatedEvent } from "../../libs/events/codec.ts";
import { messageIdOf, subjectOf, type LbEvent } from "../../libs/events/event.ts";
import type { Acknowledged } from "./view.ts";

/** Header naming the event type (readers can filter without decoding). */
export const EVENT_TYPE_HEADER = "Lbaas-Event-Type";
/** Whole-stream optimistic concurrency (JetStream, since nats-server 2.2). */
export const EXPECTED_LAST_SEQUENCE_HEADER = "Nats-Expected-Last-Sequence";
/** The stream's last message must carry this message id (since nats-server 2.2). */
export const EXPECTED_LAST_MSG_ID_HEADER = "Nats-Expected-Last-Msg-Id";

/** Appends in flight at once (a bulk sync of 10,000 services has 20,000 events). */
export const PUBLISH_WINDOW = 1_024;

/** What happened to a list of events. */
export interface PublishOutcome {
  /** Every acknowledged event, in order, with the sequence the stream gave it. */
  readonly published: readonly Acknowledged[];
  /**
   * How many leading events were acknowledged with no failure before them: only
   * these may be acknowledged to the view (after a timeout, a later event may be
   * stored while an earlier one's fate is unknown).
   */
  readonly prefix: number;
  /** The first event that failed, its index, and why; null when all were acknowledged. */
  readonly failure: { readonly index: number; readonly error: unknown } | null;
}

/** One event to append and the last sequence its subject must have (0 = none). */
export interface PublishItem {
  readonly event: LbEvent;
  readonly expectedLastSubjectSeq: number;
}

export interface PublishTarget {
  readonly js: JetStreamClient;
  /** Where acknowledgements arrive (one subscription for every append); without: a request each. */
  readonly inbox?: AckInbox;
  /** Stream sequence the decision was made at: every earlier event is known. */
  readonly position: number;
  /**
   * The message id of the event at `position` when it is still in flight (an earlier
   * batch this one was decided on top of): the first event then expects it as the
   * stream's last message, so if that batch is refused this one is too.
   */
  readonly chainTo?: string | null;
  /**
   * Called just before an event is sent, with its subject, its encoded bytes and the
   * stream sequence it gets if it lands (`position + i + 1`).
   */
  readonly onSend?: (event: LbEvent, subject: string, bytes: Uint8Array, seq: number) => void;
  /** Called as soon as an event is acknowledged, with the sequence it got. */
  readonly onAck?: (event: LbEvent, seq: number) => void;
  /** Called with the seconds each acknowledged append took. */
  readonly observe?: (seconds: number) => void;
}

/**
 * Appends `events` in order (pipelined, up to PUBLISH_WINDOW in flight; one NATS
 * connection keeps their order), event i expecting the stream's last sequence to be
 * `position + i`. Stops issuing at the first failure; since every later event expects
 * a sequence that failed event would have taken, they are refused too, so the
 * published events are a prefix. (A timeout is the exception: the event may have
 * been stored and later ones with it; `prefix` says how far the order is certain.)
 * Events must be deciders' events: their specs are validated already and are not
 * validated again (encodeValidatedEvent); one whose envelope does not check (a bug)
 * fails before it is sent. Never throws. Several events may be on one subject (each
 * states its own expected subject sequence).
 */
export async function publishInOrder(
  target: PublishTarget,
  items: readonly PublishItem[],
): Promise<PublishOutcome> {
  const events = items.map((i) => i.event);
  const pending: Promise<number>[] = [];
  let stop = false;
  const results: ({ ok: true; seq: number } | { ok: false; error: unknown } | undefined)[] = [];
  let previousMsgId: string | null = target.chainTo ?? null;
  for (let i = 0; i < events.length && !stop; i++) {
    const ev = events[i] as LbEvent;
    const started = performance.now();
    let sent: Promise<{ seq: number }>;
    try {
      const { kind, group, id, version } = ev.meta;
      const subject = subjectOf(kind, group, id);
      const msgId = messageIdOf(kind, group, id, version);
      // Deciders build events from validated specs only (decide/*.ts).
      const data = encodeValidatedEvent(ev);
      target.onSend?.(ev, subject, data, target.position + i + 1);
      const request = {
        subject,
        data,
        msgId,
        type: ev.body.type,
        version,
        expectedLastSubjectSeq: (items[i] as PublishItem).expectedLastSubjectSeq,
        expectedLastSeq: target.position + i,
        previousMsgId,
      };
      previousMsgId = msgId;
      // The NATS client builds two Error objects per request (for a useful stack should
      // it time out); capturing their stacks is ~40% of its cost per publish. Our errors
      // are wrapped with context by the bus anyway, so skip the capture here.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        sent = append(target.js, request, target.inbox);
      } finally {
        Error.stackTraceLimit = limit;
      }
    } catch (error) {
      sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const p = sent.then(
      (r) => {
        target.observe?.((performance.now() - started) / 1000);
        target.onAck?.(ev, r.seq);
        results[i] = { ok: true, seq: r.seq };
        return r.seq;
      },
      (error: unknown) => {
        stop = true;
        results[i] = { ok: false, error };
        return -1;
      },
    );
    pending.push(p);
    // When the window is full, wait until half of it is acknowledged, then send the
    // next half in one go: the client writes what is sent in one tick with one
    // syscall, while waiting after every event would write them one by one.
    if (pending.length >= PUBLISH_WINDOW) await pending[pending.length - PUBLISH_WINDOW / 2];
  }
  await Promise.all(pending);
  const published: Acknowledged[] = [];
  let failure: PublishOutcome["failure"] = null;
  let prefix = 0;
  for (let i = 0; i < events.length; i++) {
    const r = results[i];
    if (r?.ok === true) {
      published.push({ event: events[i] as LbEvent, seq: r.seq });
      if (failure === null) prefix++;
    } else if (failure === null)
      failure = { index: i, error: r === undefined ? new Error("not sent") : r.error };
  }
  return { published, prefix, failure };
}

/** One guarded append, its bytes and ids computed by the caller. */
interface GuardedAppend {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
  /** The event type (header `Lbaas-Event-Type`). */
  readonly type: string;
  readonly version: number;
  readonly expectedLastSubjectSeq: number;
  readonly expectedLastSeq: number;
  /** The message id of the previous event of the batch; null for the first. */
  readonly previousMsgId: string | null;
}

function append(
  js: JetStreamClient,
  a: GuardedAppend,
  inbox: AckInbox | undefined,
): Promise<{ seq: number }> {
  // Chain to the previous event of the batch: if it was refused, the stream's last
  // message is not it, so this one is refused too. (The expected sequence alone is
  // not enough: after one foreign event, event i+1 would expect exactly the new last
  // sequence and slip in.)
  const headers: Record<string, string> = {
    [EVENT_TYPE_HEADER]: a.type,
    [EXPECTED_LAST_SEQUENCE_HEADER]: String(a.expectedLastSeq),
  };
  if (a.previousMsgId !== null) headers[EXPECTED_LAST_MSG_ID_HEADER] = a.previousMsgId;
  return appendEvent(
    js,
    {
      subject: a.subject,
      data: a.data,
      msgId: a.msgId,
      version: a.version,
      expectedLastSubjectSeq: a.expectedLastSubjectSeq,
      stream: EVENTS_STREAM,
      headers,
    },
    inbox,
  );
}

/**
 * True when an append was refused because another writer appended first: a
 * ConflictError from any of the three guards (wrong last subject or stream
 * sequence, API error 10071; wrong last message id, API error 10070).
 */
export function isStreamConflict(err: unknown): boolean {
  return isConflict(err);
}
