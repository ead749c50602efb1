// The one reading engine behind readLastPerSubject, replay and followFrom: an
// ordered consumer (ephemeral, one replica, memory storage, no acks; the client
// recreates it past the last seen sequence after a gap, a missed heartbeat or a
// reconnect) pulled in large batches.
//
// nats-server 2.9.10 limits that shape it: one filter subject (no
// `filter_subjects` arrays), no batch direct get, no `start_time` direct get.
import { DeliverPolicy } from "@nats-io/jetstream";
import type { Consumer, JetStreamClient, JsMsg, OrderedConsumerOptions } from "@nats-io/jetstream";
import { toBusError } from "./errors.ts";
import { toBusMessage } from "./message.ts";
import type { BusMessage } from "./message.ts";

/**
 * Messages per pull request. Measured on one host (2.9.10, small messages):
 * 100 (the client's default) gives ~100k msg/s, 1,000 ~170k msg/s, 5,000 ~195k msg/s.
 * The byte cap keeps a batch of large state-carrying events bounded in memory.
 */
const PULL_BATCH = { max_messages: 5_000, max_bytes: 16 * 1024 * 1024 };
/** A bounded read that waited this long for a message checks whether any is still due. */
const IDLE_CHECK_MS = 2_000;

/** Per-message decision of a bounded read. */
export type Verdict = "yield" | "yield_and_end" | "end";

export interface OrderedReadPlan {
  readonly stream: string;
  readonly filterSubject: string;
  /** `last_per_subject`, or every message from `startSeq` on. */
  readonly start: { readonly lastPerSubject: true } | { readonly startSeq: number };
  /** Bounded reads end when caught up (nothing pending); endless ones wait for more. */
  readonly bounded: boolean;
  /** Optional per-message bound (e.g. "up to sequence N"). */
  readonly decide?: (m: JsMsg) => Verdict;
  readonly signal?: AbortSignal;
}

/**
 * Yields the plan's messages in stream order. A bounded read whose consumer has
 * nothing pending at creation ends at once (empty stream or filter); otherwise it
 * ends after the message that leaves nothing pending. An aborted signal ends the
 * iteration (no error). Failures: `BusError` `read_failed`, `no_stream`, `timeout`.
 * The server-side consumer is deleted when the iteration ends, however it ends.
 */
export async function* orderedRead(
  js: JetStreamClient,
  plan: OrderedReadPlan,
): AsyncGenerator<BusMessage, void, undefined> {
  const what = `read ${plan.stream} ${JSON.stringify(plan.filterSubject)}`;
  if (plan.signal?.aborted === true) return;
  let consumer: Consumer;
  try {
    consumer = await js.consumers.get(plan.stream, consumerOptions(plan));
  } catch (err) {
    throw toBusError(err, "read_failed", what);
  }
  try {
    if (plan.bounded && (await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume(PULL_BATCH);
    const stop = (): void => void messages.stop();
    plan.signal?.addEventListener("abort", stop, { once: true });
    // aborted while the consumer was being created (the listener came too late)
    if (plan.signal?.aborted) stop();
    const idle = plan.bounded ? idleWatch(consumer, stop) : null;
    try {
      for await (const m of messages) {
        idle?.received(m);
        const verdict = plan.decide?.(m) ?? "yield";
        if (verdict === "end") return;
        yield toBusMessage(m);
        if (verdict === "yield_and_end" || (plan.bounded && m.info.pending === 0)) return;
        idle?.waiting();
      }
    } finally {
      plan.signal?.removeEventListener("abort", stop);
      idle?.close();
      stop();
    }
  } catch (err) {
    throw toBusError(err, "read_failed", what);
  } finally {
    // Best effort: an ordered consumer also vanishes by itself after 5 idle minutes.
    consumer.delete().catch(() => undefined);
  }
}

function consumerOptions(plan: OrderedReadPlan): Partial<OrderedConsumerOptions> {
  // A string, never an array: filter_subjects arrays need 2.10.
  const options: Partial<OrderedConsumerOptions> = { filter_subjects: plan.filterSubject };
  if ("lastPerSubject" in plan.start) options.deliver_policy = DeliverPolicy.LastPerSubject;
  else if (plan.start.startSeq <= 1) options.deliver_policy = DeliverPolicy.All;
  else options.opt_start_seq = plan.start.startSeq;
  return options;
}

/**
 * Guards a bounded read against waiting forever when the messages it counted on
 * vanish before delivery (max_age or per-subject limits on LBAAS_STATUS): after
 * IDLE_CHECK_MS without a message while waiting for one, ask the server; when
 * nothing is pending and everything delivered has arrived, end the read.
 */
function idleWatch(consumer: Consumer, stop: () => void) {
  let waitingSince = Date.now();
  let lastDelivery = 0;
  let checking = false;
  const timer = setInterval(() => {
    if (checking || waitingSince === 0 || Date.now() - waitingSince < IDLE_CHECK_MS) return;
    checking = true;
    consumer
      .info()
      .then((ci) => {
        if (ci.num_pending === 0 && ci.delivered.consumer_seq <= lastDelivery) stop();
      })
      .catch(() => undefined) // transient; the next tick asks again
      .finally(() => (checking = false));
  }, IDLE_CHECK_MS / 2);
  timer.unref();
  return {
    received(m: JsMsg): void {
      waitingSince = 0;
      lastDelivery = m.info.deliverySequence;
    },
    waiting(): void {
      waitingSince = Date.now();
    },
    close(): void {
      clearInterval(timer);
    },
  };
}
