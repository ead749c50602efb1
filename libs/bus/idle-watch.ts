// Guard of bounded reads: a read that counted on N pending messages must not
// wait forever when some vanish before delivery (max_age or per-subject limits
// on LBAAS_STATUS drop them between the consumer's creation and the pull).
import type { Consumer, JsMsg } from "@nats-io/jetstream";

/** A bounded read that waited this long for a message asks whether any is still due. */
const IDLE_CHECK_MS = 2_000;

export interface IdleWatch {
  /** A message arrived (call before handing it over). */
  received(m: JsMsg): void;
  /** The reader is waiting for the next message again. */
  waiting(): void;
  close(): void;
}

/**
 * Calls `stop` when the reader has waited IDLE_CHECK_MS for a message while the
 * server reports nothing pending and nothing delivered that has not arrived.
 * Time the reader spends on a message (back-pressure) does not count as idle.
 */
export function idleWatch(consumer: Consumer, stop: () => void): IdleWatch {
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
