// The one reading engine behind readLastPerSubject, replay and followFrom: an
// ordered consumer (ephemeral, one replica, memory storage, no acks) pulled in
// large batches, with OUR cursor (the last sequence yielded).
//
// Why our own cursor: @nats-io/jetstream 3.4.0 recreates an ordered consumer
// after a server restart but keeps the old pull's outstanding count, so its next
// pull asks for too few messages and the stream stalls until two heartbeats are
// missed (measured: 45 s); and it never replaces a consumer whose cluster node
// died (measured: stuck for 60 s and counting). So whenever the client announces
// a `reset`, heartbeats go missing, a pull request is lost by the server (2.9.10
// drops an expired one without its 408 now and then), or nothing at all arrives
// for 20 s while we wait (read-watch.ts), this engine drops that consumer and
// opens a fresh one at cursor + 1: no gap, no duplicate, no stall.
//
// nats-server 2.9.10 limits that shape it: one filter subject (no
// `filter_subjects` arrays), no batch direct get, no `start_time` direct get.
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { toBusError } from "./errors.ts";
import { toBusMessage } from "./message.ts";
import type { BusMessage } from "./message.ts";
import { openConsumer } from "./open-consumer.ts";
import type { Start } from "./open-consumer.ts";
import { watchRead } from "./read-watch.ts";
import type { ReadWatch } from "./read-watch.ts";

/** How a round's pull requests last and how often an idle one hears from the server. */
export interface PullTiming {
  /** `expires` of each pull request (ms, >= 2 heartbeats). */
  readonly expiresMs: number;
  /** Idle heartbeat the server sends while a pull waits (ms). */
  readonly heartbeatMs: number;
}

/**
 * Heartbeats every 5 s: a consumer lost on a server that died behind a healthy
 * connection is noticed in ~10 s (two missed). `expires` 60 s (client default
 * 30 s): an idle follower costs the server one pull request a minute and a
 * heartbeat every 5 s; every expiry is also a chance for 2.9.10 to drop the pull
 * without its 408 (read-watch.ts), caught ~250 ms after the expiry.
 */
export const PULL_TIMING: PullTiming = { expiresMs: 60_000, heartbeatMs: 5_000 };

/**
 * Messages per pull request. Measured on one host (2.9.10, small messages):
 * 100 (the client's default) gives ~100k msg/s, 1,000 ~170k msg/s, 5,000 ~195k msg/s.
 * The client refuses max_bytes together with max_messages (and caps a byte-only
 * pull at 100 messages), so memory is bounded by count: ~2 batches in flight.
 */
export const PULL_BATCH = 2_000;

/** Per-message decision of a bounded read. */
export type Verdict = "yield" | "yield_and_end" | "end";

export interface OrderedReadPlan {
  readonly stream: string;
  readonly filterSubject: string;
  /** `last_per_subject`, or every message from `startSeq` on. */
  readonly start: Start;
  /** Bounded reads end when caught up (nothing pending); endless ones wait for more. */
  readonly bounded: boolean;
  /** Optional per-message bound (e.g. "up to sequence N"). */
  readonly decide?: (m: JsMsg) => Verdict;
  readonly signal?: AbortSignal;
  /** Pull timing; tests shorten it (default: 60 s pulls, 5 s heartbeats). */
  readonly pull?: PullTiming;
  /** Told, before each message is yielded, how many matching messages the server had after it. */
  readonly onDelivery?: (pending: number) => void;
}

/**
 * Yields the plan's messages in stream order. A bounded read whose consumer has
 * nothing pending at creation ends at once (empty stream or filter); otherwise it
 * ends after the message that leaves nothing pending. An aborted signal ends the
 * iteration (no error). Failures: `BusError` `read_failed`, `no_stream`, `timeout`.
 * Server-side consumers are deleted when the iteration ends, however it ends.
 */
export async function* orderedRead(
  js: JetStreamClient,
  plan: OrderedReadPlan,
): AsyncGenerator<BusMessage, void, undefined> {
  const what = `read ${plan.stream} ${JSON.stringify(plan.filterSubject)}`;
  let cursor = 0; // stream sequence of the last message yielded
  const pull = plan.pull ?? PULL_TIMING;
  for (;;) {
    if (plan.signal?.aborted === true) return;
    const start: Start = cursor === 0 ? plan.start : { startSeq: cursor + 1 };
    const consumer = await openConsumer(js, plan.stream, plan.filterSubject, start, plan);
    if (consumer === null) return; // aborted while retrying
    let restart = false;
    try {
      if (plan.bounded && (await consumer.info(true)).num_pending === 0) return;
      const messages = await consumer.consume({
        max_messages: PULL_BATCH,
        expires: pull.expiresMs,
        idle_heartbeat: pull.heartbeatMs,
      });
      const stop = (): void => void messages.stop();
      const replace = (): void => {
        restart = true;
        stop();
      };
      plan.signal?.addEventListener("abort", stop, { once: true });
      // aborted while the consumer was being created (the listener came too late)
      if (plan.signal?.aborted) stop();
      const watch = watchRead(
        consumer,
        { bounded: plan.bounded, pullExpiresMs: pull.expiresMs },
        stop,
        replace,
      );
      void watchStatus(messages, watch, replace);
      try {
        for await (const m of messages) {
          if (restart) break; // messages of the dropped consumer: the next round resends them
          watch.received(m.info.deliverySequence);
          const verdict = plan.decide?.(m) ?? "yield";
          if (verdict === "end") return;
          cursor = m.seq;
          plan.onDelivery?.(m.info.pending);
          yield toBusMessage(m);
          if (verdict === "yield_and_end" || (plan.bounded && m.info.pending === 0)) return;
          watch.waiting();
        }
      } finally {
        plan.signal?.removeEventListener("abort", stop);
        watch.close();
        stop();
      }
    } catch (err) {
      throw toBusError(err, "read_failed", what);
    } finally {
      // Best effort: an ordered consumer also vanishes by itself after 5 idle minutes.
      consumer.delete().catch(() => undefined);
    }
    if (!restart) return;
  }
}

/**
 * Feeds heartbeats to the watch, and calls `replace` once when the consumer
 * needs replacing: the client announces it is recreating it (`reset`), or two
 * heartbeats were missed (a consumer on a cluster node that died behind a
 * healthy connection: the client's info requests time out rather than say "not
 * found", so it never recreates it), or a status listed in `alsoReplaceOn`.
 */
export async function watchStatus(
  messages: ConsumerMessages,
  watch: ReadWatch,
  replace: () => void,
  alsoReplaceOn: readonly string[] = [],
): Promise<void> {
  try {
    for await (const s of messages.status()) {
      if (s.type === "heartbeat") watch.heartbeat();
      if (s.type === "next") watch.pulled();
      if (s.type === "reset" || s.type === "heartbeats_missed" || alsoReplaceOn.includes(s.type)) {
        replace();
        return;
      }
    }
  } catch {
    // the status stream ends with the messages; nothing to do
  }
}
