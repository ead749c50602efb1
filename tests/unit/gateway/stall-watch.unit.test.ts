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
  await s.timers.advance(1_000);
  assert.deepEqual(s.stalls, [1_000]);
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
