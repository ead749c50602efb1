// The lost-pull rule of read-watch.ts with mocked timers: nats-server 2.9.10 now
// and then drops an expired pull request without its 408, and the client then
// waits for two missed heartbeats. The watch must notice within ~250 ms of the
// expiry, and only when the reader is waiting and the connection answers.
import { afterEach, beforeEach, mock, test } from "node:test";
import assert from "node:assert/strict";
import type { Consumer } from "@nats-io/jetstream";
import { watchRead } from "../../../libs/bus/read-watch.ts";
import type { ReadWatch } from "../../../libs/bus/read-watch.ts";

const EXPIRES = 1_000;

// A realistic clock: 0 means "busy" to the watch.
beforeEach(() =>
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: 1_700_000_000_000 }),
);
afterEach(() => mock.timers.reset());

/** Moves the clock in small steps (one big tick would make every timer look late). */
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 10) {
    mock.timers.tick(Math.min(10, left));
    await settle();
  }
}

/** Lets promise callbacks (the consumer info answer) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

interface Harness {
  watch: ReadWatch;
  infos: number;
  restarts: number;
  ends: number;
  /** Answers the pending info request (ok or failed). */
  answer(ok: boolean): void;
}

/** A watch on a consumer whose info requests stay pending until `answer`. */
function start(): Harness {
  const pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  const consumer = {
    info: () => {
      h.infos++;
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
  } as unknown as Consumer;
  const h: Harness = {
    watch: undefined as unknown as ReadWatch,
    infos: 0,
    restarts: 0,
    ends: 0,
    answer(ok: boolean): void {
      const p = pending.shift();
      if (ok) p?.resolve({ num_pending: 0, delivered: { consumer_seq: 0 } });
      else p?.reject(new Error("timeout"));
    },
  };
  h.watch = watchRead(
    consumer,
    { bounded: false, pullExpiresMs: EXPIRES },
    () => h.ends++,
    () => h.restarts++,
  );
  return h;
}

const deliverySeq = 1;

test("no new pull within expires + 250 ms while waiting: asks the server, then restarts", async () => {
  const h = start();
  h.watch.waiting();
  await advance(EXPIRES + 200);
  assert.equal(h.infos, 0, "not before the deadline");
  await advance(100);
  assert.equal(h.infos, 1, "the server is asked once");
  assert.equal(h.restarts, 0);
  h.answer(true);
  await settle();
  assert.equal(h.restarts, 1, "the connection works: the pull is gone");
  await advance(5 * EXPIRES);
  assert.equal(h.restarts, 1, "at most once");
  h.watch.close();
});

test("pulls renewed at every expiry: never lost", async () => {
  const h = start();
  h.watch.waiting();
  for (let i = 0; i < 20; i++) {
    await advance(EXPIRES + 20); // the 408 and the next pull, a little late
    h.watch.pulled();
    h.watch.heartbeat(); // (else the 20 s stall rule fires)
  }
  assert.equal(h.infos, 0);
  assert.equal(h.restarts, 0);
  h.watch.close();
});

test("a busy reader holds the client's next pull: judged only once it waits again", async () => {
  const h = start();
  h.watch.received(deliverySeq); // the reader works on it for a long time
  await advance(5 * EXPIRES);
  assert.equal(h.infos, 0, "not while the reader is busy");
  h.watch.waiting(); // the queued pull would be sent now; none comes
  await advance(100);
  assert.equal(h.infos, 1);
  h.answer(true);
  await settle();
  assert.equal(h.restarts, 1);
  h.watch.close();
});

test("a pull sent while the server is asked: it was only late, no restart", async () => {
  const h = start();
  h.watch.waiting();
  await advance(EXPIRES + 300);
  assert.equal(h.infos, 1);
  h.watch.pulled();
  h.answer(true);
  await settle();
  assert.equal(h.restarts, 0);
  // The new pull is watched in turn.
  await advance(EXPIRES + 300);
  assert.equal(h.infos, 2);
  h.answer(true);
  await settle();
  assert.equal(h.restarts, 1);
  h.watch.close();
});

test("no answer from the server (disconnected): no restart, asks again an expiry later", async () => {
  const h = start();
  h.watch.waiting();
  await advance(EXPIRES + 300);
  h.answer(false);
  await settle();
  assert.equal(h.restarts, 0);
  await advance(EXPIRES + 100);
  assert.equal(h.infos, 2);
  h.watch.close();
});

test("close() stops the watch", async () => {
  const h = start();
  h.watch.waiting();
  h.watch.close();
  await advance(5 * EXPIRES);
  assert.equal(h.infos + h.restarts + h.ends, 0);
});
