// Watchdogs of one consumer round of a read. Both only count time the reader
// spends WAITING for a message: time spent on a message (back-pressure) is not
// idleness.
//
// - Idle (bounded reads): a read that counted on N pending messages must not wait
//   forever when some vanish before delivery (max_age or per-subject limits on
//   LBAAS_STATUS drop them between the consumer's creation and the pull). After
//   2 s of waiting it asks the server; nothing pending and everything delivered
//   arrived → `end`.
// - Stall (all reads): a healthy pull gets a message or an idle heartbeat every
//   few seconds. Nothing at all for 20 s means the consumer is gone in a way the
//   client does not repair, e.g. its cluster node died while our connection
//   moved to another node: the client then retries the consumer's info, which
//   times out instead of saying "not found", and never recreates it → `restart`.
import type { Consumer, JsMsg } from "@nats-io/jetstream";

const IDLE_CHECK_MS = 2_000;
const STALL_MS = 20_000;

export interface ReadWatch {
  /** A message arrived (call before handing it over). */
  received(m: JsMsg): void;
  /** The server sent an idle heartbeat: the consumer is alive. */
  heartbeat(): void;
  /** The reader is waiting for the next message again. */
  waiting(): void;
  close(): void;
}

/**
 * Starts both watchdogs for `consumer` (the idle one only when `bounded`).
 * `end` and `restart` are each called at most once.
 */
export function watchRead(
  consumer: Consumer,
  bounded: boolean,
  end: () => void,
  restart: () => void,
): ReadWatch {
  let waitingSince = Date.now();
  let alive = Date.now();
  let lastDelivery = 0;
  let checking = false;
  let fired = false;
  const timer = setInterval(() => {
    if (fired || waitingSince === 0) return;
    const now = Date.now();
    if (now - Math.max(waitingSince, alive) >= STALL_MS) {
      fired = true;
      restart();
      return;
    }
    if (!bounded || checking || now - waitingSince < IDLE_CHECK_MS) return;
    checking = true;
    consumer
      .info()
      .then((ci) => {
        if (fired || ci.num_pending !== 0 || ci.delivered.consumer_seq > lastDelivery) return;
        fired = true;
        end();
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
    heartbeat(): void {
      alive = Date.now();
    },
    waiting(): void {
      waitingSince = Date.now();
    },
    close(): void {
      clearInterval(timer);
    },
  };
}
