// Watchdogs of one consumer round of a read. All only count time the reader
// spends WAITING for a message: time spent on a message (back-pressure) is not
// idleness, and the client sends its next pull only when the reader asks.
//
// - Idle (bounded reads): a read that counted on N pending messages must not wait
//   forever when some vanish before delivery (max_age or per-subject limits on
//   LBAAS_STATUS drop them between the consumer's creation and the pull). After
//   2 s of waiting it asks the server; nothing pending and everything delivered
//   arrived → `end`.
// - Lost pull (all reads): a healthy `consume()` sends a new pull at the latest
//   when its newest one expires (the server's 408 ends it, the client pulls
//   again at once). nats-server 2.9.10 (fixed in 2.9.16) sometimes drops an
//   expired pull WITHOUT the 408: when a message is stored just after the expiry
//   and before its own expiry timer ran (`nextWaiting` removes the request
//   silently). The client then believes its pull is open, sends none, and
//   delivers nothing until two idle heartbeats are missed (10 s). Measured: 6 of
//   ~900 expiries with 100 followers and 5 events/s. So: no new pull within
//   `expires` + 250 ms while waiting → ask the server for the consumer (proof
//   that the connection works) → `restart`.
// - Stall (all reads): a healthy pull gets a message or an idle heartbeat every
//   few seconds. Nothing at all for 20 s means the consumer is gone in a way the
//   client does not repair, e.g. its cluster node died while our connection
//   moved to another node: the client then retries the consumer's info, which
//   times out instead of saying "not found", and never recreates it → `restart`.
import type { Consumer } from "@nats-io/jetstream";

const IDLE_CHECK_MS = 2_000;
const STALL_MS = 20_000;
/** A 408 and the client's next pull normally follow the expiry within a few ms. */
const PULL_LATE_MS = 250;
/** Queued socket data (a late 408) is read within this much after the reader waits again. */
const SETTLE_MS = 50;

export interface ReadWatch {
  /** A message with this delivery (consumer) sequence arrived (call before handing it over). */
  received(deliverySeq: number): void;
  /** The server sent an idle heartbeat: the consumer is alive. */
  heartbeat(): void;
  /** The client sent a pull request (status `next`). */
  pulled(): void;
  /** The reader is waiting for the next message again. */
  waiting(): void;
  close(): void;
}

/** What the watch needs to know about the round. */
export interface ReadWatchPlan {
  /** Bounded reads also end when nothing is left to deliver. */
  readonly bounded: boolean;
  /** The `expires` of the round's pull requests (ms). */
  readonly pullExpiresMs: number;
}

/**
 * Starts the watchdogs for `consumer` (the idle one only when `plan.bounded`).
 * `end` and `restart` are each called at most once, and never both.
 */
export function watchRead(
  consumer: Consumer,
  plan: ReadWatchPlan,
  end: () => void,
  restart: () => void,
): ReadWatch {
  let waitingSince = Date.now();
  let alive = Date.now();
  let lastDelivery = 0;
  let checking = false;
  let fired = false;
  const fire = (action: () => void): void => {
    if (fired) return;
    fired = true;
    action();
  };
  const timer = setInterval(() => {
    if (fired || waitingSince === 0) return;
    const now = Date.now();
    if (now - Math.max(waitingSince, alive) >= STALL_MS) return fire(restart);
    if (!plan.bounded || checking || now - waitingSince < IDLE_CHECK_MS) return;
    checking = true;
    consumer
      .info()
      .then((ci) => {
        if (ci.num_pending !== 0 || ci.delivered.consumer_seq > lastDelivery) return;
        fire(end);
      })
      .catch(() => undefined) // transient; the next tick asks again
      .finally(() => (checking = false));
  }, IDLE_CHECK_MS / 2);
  timer.unref();
  const pulls = watchPulls(
    consumer,
    plan.pullExpiresMs,
    () => waitingSince,
    () => fire(restart),
  );
  return {
    received(deliverySeq: number): void {
      waitingSince = 0;
      lastDelivery = deliverySeq;
    },
    heartbeat(): void {
      alive = Date.now();
    },
    pulled(): void {
      pulls.pulled();
    },
    waiting(): void {
      waitingSince = Date.now();
      pulls.waiting(waitingSince);
    },
    close(): void {
      clearInterval(timer);
      pulls.close();
    },
  };
}

/**
 * The lost-pull rule. One timer, armed for the newest pull's deadline and moved
 * lazily (a pull only records its time). `waitingSince` is 0 while the reader is
 * busy with a message.
 */
function watchPulls(
  consumer: Consumer,
  expiresMs: number,
  waitingSince: () => number,
  lost: () => void,
): { pulled(): void; waiting(now: number): void; close(): void } {
  let lastPull = Date.now();
  let handle: NodeJS.Timeout | null = null;
  let armedFor = 0;
  let postponed = false;
  let probing = false;
  let closed = false;
  const arm = (at: number): void => {
    if (closed || probing || (handle !== null && armedFor <= at)) return;
    if (handle !== null) clearTimeout(handle);
    armedFor = at;
    handle = setTimeout(check, Math.max(0, at - Date.now()));
    handle.unref();
  };
  const check = (): void => {
    handle = null;
    const now = Date.now();
    const due = lastPull + expiresMs + PULL_LATE_MS;
    if (now < due) return arm(due);
    const since = waitingSince();
    if (since === 0) return; // busy: the pull waits in the client's queue; waiting() re-arms
    if (now < since + SETTLE_MS) return arm(since + SETTLE_MS);
    // Fired late: the event loop was busy and timers run before the socket data
    // that waited meanwhile (maybe the 408). Look again once that data was read.
    if (now > armedFor + SETTLE_MS && !postponed) {
      postponed = true;
      return arm(now + SETTLE_MS);
    }
    postponed = false;
    const before = lastPull;
    probing = true;
    consumer.info().then(
      () => {
        probing = false;
        if (closed) return;
        if (lastPull === before) return lost(); // the connection works: the pull is gone
        arm(lastPull + expiresMs + PULL_LATE_MS); // it was only late
      },
      () => {
        // No answer (disconnected, cluster election) or no consumer: the client's
        // reconnect handling and the other watchdogs take over from here.
        probing = false;
        arm(Date.now() + expiresMs);
      },
    );
  };
  arm(lastPull + expiresMs + PULL_LATE_MS);
  return {
    pulled(): void {
      lastPull = Date.now();
    },
    waiting(now: number): void {
      const due = lastPull + expiresMs + PULL_LATE_MS;
      if (now >= due) arm(now + SETTLE_MS);
    },
    close(): void {
      closed = true;
      if (handle !== null) clearTimeout(handle);
      handle = null;
    },
  };
}
