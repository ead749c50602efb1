import { test } from "node:test";
import assert from "node:assert/strict";
import { Coalescer } from "../../../services/gateway/coalescer.ts";
import { retryDelayMs } from "../../../services/gateway/backoff.ts";
import { FakeTimers } from "./fake-timers.ts";

function setUp(quietMs = 50, maxMs = 200): { timers: FakeTimers; c: Coalescer; fired: number[] } {
  const timers = new FakeTimers();
  const fired: number[] = [];
  const c = new Coalescer({ quietMs, maxMs, timers, onDue: () => fired.push(timers.now()) });
  return { timers, c, fired };
}

/** Notifies at each of the given times (ms from 0), then runs the clock to `until`. */
async function run(c: Coalescer, timers: FakeTimers, at: number[], until: number): Promise<void> {
  for (const t of at) {
    await timers.advance(t - timers.now());
    c.notify();
  }
  await timers.advance(until - timers.now());
}

const cases: { name: string; at: number[]; until: number; fired: number[] }[] = [
  { name: "one event fires quietMs later", at: [0], until: 1_000, fired: [50] },
  {
    name: "a burst fires once, quietMs after its last event",
    at: [0, 10, 20, 30],
    until: 1_000,
    fired: [80],
  },
  {
    name: "a steady trickle fires at maxMs after the first event",
    at: [0, 40, 80, 120, 160, 199],
    until: 1_000,
    fired: [200],
  },
  {
    name: "a trickle longer than maxMs fires at the cap, then starts a new burst",
    at: [0, 40, 80, 120, 160, 200, 240, 280],
    until: 1_000,
    fired: [200, 330],
  },
  { name: "two bursts apart fire twice", at: [0, 10, 500, 510], until: 1_000, fired: [60, 560] },
  { name: "nothing happens without events", at: [], until: 1_000, fired: [] },
];

for (const c of cases) {
  test(`coalescer - ${c.name}`, async () => {
    const s = setUp();
    await run(s.c, s.timers, c.at, c.until);
    assert.deepEqual(s.fired, c.fired);
  });
}

test("coalescer - quietMs 0 fires on the next timer turn", async () => {
  const s = setUp(0, 0);
  s.c.notify();
  assert.equal(s.c.pending, true);
  await s.timers.advance(0);
  assert.deepEqual(s.fired, [0]);
  assert.equal(s.c.pending, false);
});

test("coalescer - cancel drops the pending burst and its timer", async () => {
  const s = setUp();
  s.c.notify();
  await s.timers.advance(20);
  assert.equal(s.c.waitedMs(), 20);
  s.c.cancel();
  assert.equal(s.c.pending, false);
  assert.deepEqual(s.timers.dueTimes(), []);
  await s.timers.advance(1_000);
  assert.deepEqual(s.fired, []);
});

test("coalescer - keeps exactly one timer however many events arrive", async () => {
  const s = setUp();
  for (let i = 0; i < 1_000; i++) s.c.notify();
  assert.equal(s.timers.dueTimes().length, 1);
  await s.timers.advance(1_000);
  assert.deepEqual(s.fired, [50]);
});

test("backoff - doubles from the base up to the cap", () => {
  const opts = { baseMs: 500, maxMs: 30_000 };
  const got = [1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => retryDelayMs(n, opts));
  assert.deepEqual(got, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(retryDelayMs(0, opts), 500);
  assert.equal(retryDelayMs(-3, opts), 500);
});

test("backoff - jitter shortens by at most its fraction", () => {
  const opts = { baseMs: 1_000, maxMs: 1_000, jitter: 0.2 };
  assert.equal(retryDelayMs(1, { ...opts, random: () => 0 }), 1_000);
  assert.equal(retryDelayMs(1, { ...opts, random: () => 0.5 }), 900);
  assert.equal(retryDelayMs(1, { ...opts, random: () => 0.999999 }), 800);
});
