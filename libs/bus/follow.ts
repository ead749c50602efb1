// Endless ordered consumption from a checkpoint: how a gateway follows its
// group's events after bootstrap, and resumes after a restart.
import { BusError } from "./errors.ts";
import type { BusMessage } from "./message.ts";
import { orderedRead } from "./ordered-read.ts";
import type { JetStreamClient } from "@nats-io/jetstream";

/** An endless, stoppable iteration over a stream. Iterate it once. */
export interface Follower extends AsyncIterable<BusMessage> {
  /** Ends the iteration (the pending `next()` resolves as done); idempotent. */
  stop(): void;
  /**
   * Messages matching the filter that the server had stored after the last message
   * yielded, counted at its delivery (0 before the first): how far behind the
   * follower was then. `seq + pending` is a lower bound of the filter's last sequence.
   */
  readonly pending: number;
}

/**
 * Every message matching `filterSubject` with a stream sequence >= `startSeq`,
 * in order, then waits for new ones, forever, until `stop()` or `signal` ends it.
 * Resuming: a consumer that applied up to sequence N passes N + 1 and gets no gap
 * and no duplicate. `startSeq` 0 or 1 = from the start; past the end = only new
 * messages. Connection loss, server restarts and delivery gaps are repaired by
 * the client (the ordered consumer is recreated after the last delivered
 * sequence), so the sequence never goes back nor skips.
 *
 * Failures: `BusError` `invalid_argument` (negative or fractional `startSeq`),
 * then on iteration `read_failed` / `no_stream` / `timeout`.
 */
export function followFrom(
  js: JetStreamClient,
  stream: string,
  filterSubject: string,
  startSeq: number,
  opts: { readonly signal?: AbortSignal } = {},
): Follower {
  if (!Number.isSafeInteger(startSeq) || startSeq < 0)
    throw new BusError("invalid_argument", `startSeq: ${startSeq} is not an integer >= 0`);
  const stopper = new AbortController();
  const signal =
    opts.signal === undefined ? stopper.signal : AbortSignal.any([opts.signal, stopper.signal]);
  let pending = 0;
  const messages = orderedRead(js, {
    stream,
    filterSubject,
    start: { startSeq },
    bounded: false,
    signal,
    onDelivery: (n) => (pending = n),
  });
  return {
    [Symbol.asyncIterator]: () => messages,
    stop: () => stopper.abort(),
    get pending() {
      return pending;
    },
  };
}
