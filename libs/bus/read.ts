// Bounded reads of a stream: the last message of each subject (gateway
// bootstrap), a replay of history up to a sequence or a time (audit), and the
// head sequence of a filter (lag). Endless consumption is in follow.ts.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { BusError, toBusError } from "./errors.ts";
import type { BusMessage } from "./message.ts";
import type { MessageView } from "./message-view.ts";
import { orderedRead, type Verdict } from "./ordered-read.ts";
import { orderedVisit, type VisitResult } from "./ordered-visit.ts";

export type { BusMessage } from "./message.ts";
export type { MessageView } from "./message-view.ts";
export type { VisitResult } from "./ordered-visit.ts";
export { followFrom } from "./follow.ts";
export type { Follower } from "./follow.ts";

/**
 * The last message of every subject matching `filterSubject` (one filter, may
 * have wildcards), in stream order, then the iteration ends: it ends when the
 * consumer has nothing pending, and at once on an empty stream or filter.
 *
 * Messages appended while reading are delivered too (the consumer goes on past
 * the last-per-subject set until caught up), so a subject may show up twice,
 * newer last; applying the messages in order gives the state at the end of the
 * read. Same if the client recreates its consumer mid-read (reconnect, gap).
 *
 * Failures: `BusError` `read_failed` / `no_stream` / `timeout`. `signal` ends the
 * iteration early without an error.
 */
export function readLastPerSubject(
  js: JetStreamClient,
  stream: string,
  filterSubject: string,
  opts: { readonly signal?: AbortSignal } = {},
): AsyncIterable<BusMessage> {
  return orderedRead(js, {
    stream,
    filterSubject,
    start: { lastPerSubject: true },
    bounded: true,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
}

/** Where a replay stops (inclusive). */
export type ReplayBound =
  | { readonly toSeq: number }
  /** Messages stored at or before this time (compared at millisecond precision). */
  | { readonly toTime: Date };

/**
 * Every message matching `filterSubject` from the start of the stream up to and
 * including `toSeq` (or stored at or before `toTime`), in order, then the
 * iteration ends. Exact: no message past the bound is yielded, and the read stops
 * at the bound even in the middle of a huge stream. A bound past the end ends at
 * the current end; an empty stream or filter, or `toSeq: 0`, yields nothing.
 *
 * Failures: `BusError` `invalid_argument` (negative or fractional `toSeq`,
 * invalid date), `read_failed` / `no_stream` / `timeout`.
 */
export function replay(
  js: JetStreamClient,
  stream: string,
  filterSubject: string,
  bound: ReplayBound,
  opts: { readonly signal?: AbortSignal } = {},
): AsyncIterable<BusMessage> {
  const decide = boundRule(bound);
  if (decide === null) return empty();
  return orderedRead(js, {
    stream,
    filterSubject,
    start: { startSeq: 1 },
    bounded: true,
    decide: (m) => decide(m.seq, m.time.getTime()),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
}

/**
 * `replay` for a synchronous visitor, at close to the client's own speed (see
 * ordered-visit.ts): calls `visit` with every message matching `filterSubject`
 * up to the bound, in order, and resolves with the number of messages visited.
 * The `MessageView` is one object reused for every message: valid during the
 * call only. `visit` returning "stop" ends the read after that message; an
 * exception of `visit` ends it and is rethrown as is. Same bound rules as
 * `replay` (empty stream or filter, or `toSeq: 0`: resolves with 0).
 *
 * Failures: `BusError` `invalid_argument` (bad bound), `read_failed` /
 * `no_stream` / `timeout`. `signal` ends the read early without an error.
 */
export async function replayEach(
  js: JetStreamClient,
  stream: string,
  filterSubject: string,
  bound: ReplayBound,
  visit: (m: MessageView) => VisitResult,
  opts: { readonly signal?: AbortSignal } = {},
): Promise<number> {
  const decide = boundRule(bound);
  if (decide === null) return 0;
  return orderedVisit(
    js,
    {
      stream,
      filterSubject,
      start: { startSeq: 1 },
      decide,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    },
    visit,
  );
}

/**
 * The per-message rule of `bound` from a message's sequence and storage time
 * (ms), or null when nothing can be read (`toSeq: 0`). Throws `BusError`
 * `invalid_argument` for a negative or fractional `toSeq` or an invalid date.
 */
function boundRule(bound: ReplayBound): ((seq: number, timeMs: number) => Verdict) | null {
  if ("toSeq" in bound) {
    const toSeq = bound.toSeq;
    if (!Number.isSafeInteger(toSeq) || toSeq < 0)
      throw new BusError("invalid_argument", `toSeq: ${toSeq} is not an integer >= 0`);
    if (toSeq === 0) return null;
    return (seq) => (seq < toSeq ? "yield" : seq === toSeq ? "yield_and_end" : "end");
  }
  const toMs = bound.toTime.getTime();
  if (Number.isNaN(toMs)) throw new BusError("invalid_argument", "toTime: invalid date");
  return (_seq, timeMs) => (timeMs <= toMs ? "yield" : "end");
}

/**
 * The stream sequence of the newest message matching `filterSubject` (wildcards
 * allowed), 0 when none does. Gateway lag = this minus the gateway's applied
 * sequence.
 *
 * nats-server 2.9.10 answers a `last_by_subj` get with a WILDCARD subject (file
 * and memory storage, checked: `lbaas.evt.g1.>` returns the newest message under
 * it even when newer messages of other subjects follow), so this is one request.
 * It goes to the stream leader (consistent), not to a direct get, which needs
 * `allow_direct` (a stream without it times out after 5 s instead of failing) and
 * may be answered by a lagging replica. Cost grows with the stream: ~6 ms for a
 * wildcard over 200k messages.
 *
 * Failures: `BusError` `read_failed` / `no_stream` / `timeout`.
 */
export async function lastSequence(
  jsm: JetStreamManager,
  stream: string,
  filterSubject: string,
): Promise<number> {
  try {
    const last = await jsm.streams.getMessage(stream, { last_by_subj: filterSubject });
    return last?.seq ?? 0;
  } catch (err) {
    throw toBusError(
      err,
      "read_failed",
      `last sequence ${stream} ${JSON.stringify(filterSubject)}`,
    );
  }
}

async function* empty(): AsyncGenerator<BusMessage, void, undefined> {
  // nothing to replay
}
