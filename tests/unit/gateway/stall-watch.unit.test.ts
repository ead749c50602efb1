import { test } from "node:test";
import assert from "node:assert/strict";
import { StallWatch } from "../../../services/gateway/stall-watch.ts";
import { FakeTimers } from "./fake-timers.ts";

function setUp(): { timers: FakeTimers; w: StallWatch; stalls: number[] } {
  const timers = new FakeTimers();
  const stalls: number[] = [];
  const w = new StallWatch({ timers, graceMs: 1_000, onStall: () => stalls.push(timers.now()) });
  return { timers, w, stalls };
}

test("stall watch - a ring answered by a delivery within the grace is fine", async () => {
  const s = setUp();
  s.w.rang();
  await s.timers.advance(300);
  s.w.delivered();
  await s.timers.advance(2_000);
  assert.deepEqual(s.stalls, []);
});

test("stall watch - a ring with no delivery within the grace is a stall", async () => {
  const s = setUp();
  s.w.delivered();
  await s.timers.advance(100);
  s.w.rang();
  await s.timers.advance(999);
  assert.deepEqual(s.stalls, []);
  await s.timers.advance(1);
  assert.deepEqual(s.stalls, [1_100]);
});

test("stall watch - many rings make one check; a later ring starts the next", async () => {
  const s = setUp();
  for (let i = 0; i < 50; i++) {
    s.w.rang();
    await s.timers.advance(10);
  }
  assert.equal(s.timers.dueTimes().length, 1);
  await s.timers.advance(500);
  assert.deepEqual(s.stalls, [1_000], "due 1 s after the first unanswered ring");
  s.w.rang();
  await s.timers.advance(500);
  s.w.delivered();
  await s.timers.advance(1_000);
  assert.deepEqual(s.stalls, [1_000], "answered");
});

test("stall watch - close cancels the pending check", async () => {
  const s = setUp();
  s.w.rang();
  s.w.close();
  await s.timers.advance(5_000);
  assert.deepEqual(s.stalls, []);
});

test("stall watch - a ring after the answer to an earlier ring is checked on its own", async () => {
  const s = setUp();
  s.w.rang(); // t=0
  await s.timers.advance(100);
  s.w.delivered(); // answers the first ring
  await s.timers.advance(300);
  s.w.rang(); // t=400: never answered
  await s.timers.advance(1_399 - 400);
  assert.deepEqual(s.stalls, []);
  await s.timers.advance(1);
  assert.deepEqual(s.stalls, [1_400]);
});

test("stall watch - a check delayed by a busy event loop looks again before calling it a stall", () => {
  // A fake whose timers fire only when told, at a chosen (late) time.
  let now = 0;
  const due: { at: number; fn: () => void }[] = [];
  const timers = {
    now: () => now,
    set: (fn: () => void, ms: number) => due.push({ at: now + ms, fn }),
    clear: () => undefined,
  };
  const stalls: number[] = [];
  const w = new StallWatch({ timers, graceMs: 300, onStall: () => stalls.push(now) });
  w.rang();
  now = 900; // the loop was blocked by a 900 ms apply
  due.shift()!.fn();
  assert.deepEqual(stalls, [], "postponed");
  w.delivered(); // the data that waited is read first
  now = 920;
  due.shift()!.fn();
  assert.deepEqual(stalls, []);
  w.rang();
  now = 1_500;
  due.shift()!.fn();
  now = 1_520;
  due.shift()!.fn();
  assert.deepEqual(stalls, [1_520], "still nothing delivered: a stall");
});
