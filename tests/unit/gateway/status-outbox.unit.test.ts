import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { StatusOutbox, type StatusType } from "../../../services/gateway/status-outbox.ts";

interface Sent {
  subject: string;
  text: string;
  msgId: string;
  type: StatusType;
}

function outbox(capacity = 3) {
  const sent: Sent[] = [];
  let failing = false;
  let attempts = 0;
  const box = new StatusOutbox({
    capacity,
    idPrefix: "gw-1.run",
    retryMs: 5,
    send: (subject, data, msgId, type) => {
      attempts += 1;
      if (failing) return Promise.reject(new Error("no answer"));
      sent.push({ subject, text: new TextDecoder().decode(data), msgId, type });
      return Promise.resolve();
    },
  });
  const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
  return {
    box,
    sent,
    enc,
    fail: (v: boolean) => (failing = v),
    attempts: () => attempts,
  };
}

test("status outbox - sends reports in order, then the newest heartbeat", async () => {
  const o = outbox();
  o.box.setOnline(false);
  o.box.enqueueReport("s", o.enc("r1"));
  o.box.setHeartbeat("s", o.enc("h1"));
  o.box.enqueueReport("s", o.enc("r2"));
  o.box.setHeartbeat("s", o.enc("h2"));
  await sleep(10);
  assert.equal(o.sent.length, 0, "nothing is sent while offline");
  assert.equal(o.box.size, 3);
  o.box.setOnline(true);
  await sleep(10);
  assert.deepEqual(
    o.sent.map((s) => [s.text, s.type, s.msgId]),
    [
      ["r1", "report", "gw-1.run.1"],
      ["r2", "report", "gw-1.run.3"],
      ["h2", "heartbeat", "gw-1.run.4"],
    ],
  );
  assert.equal(o.box.size, 0);
});

test("status outbox - a full queue drops the oldest reports and counts them", async () => {
  const o = outbox(3);
  o.box.setOnline(false);
  for (let i = 1; i <= 5; i++) o.box.enqueueReport("s", o.enc(`r${i}`));
  assert.equal(o.box.dropped, 2);
  o.box.setOnline(true);
  await sleep(10);
  assert.deepEqual(
    o.sent.map((s) => s.text),
    ["r3", "r4", "r5"],
  );
});

test("status outbox - a failed send is retried with the same message id; enqueue never waits", async () => {
  const o = outbox();
  o.fail(true);
  const started = performance.now();
  for (let i = 0; i < 3; i++) o.box.enqueueReport("s", o.enc(`r${i}`));
  assert.ok(performance.now() - started < 5, "enqueue returns at once");
  await sleep(30);
  assert.ok(o.attempts() >= 2, "retried while failing");
  assert.equal(o.sent.length, 0);
  o.fail(false);
  await sleep(30);
  assert.deepEqual(
    o.sent.map((s) => [s.text, s.msgId]),
    [
      ["r0", "gw-1.run.1"],
      ["r1", "gw-1.run.2"],
      ["r2", "gw-1.run.3"],
    ],
  );
});

test("status outbox - close flushes what it can within the timeout", async () => {
  const o = outbox();
  o.box.enqueueReport("s", o.enc("r1"));
  assert.equal(await o.box.close(500), true);
  assert.deepEqual(
    o.sent.map((s) => s.text),
    ["r1"],
  );
  o.box.enqueueReport("s", o.enc("late"));
  assert.equal(o.box.size, 0, "closed: nothing more is taken");

  const stuck = outbox();
  stuck.box.setOnline(false);
  stuck.box.enqueueReport("s", stuck.enc("r1"));
  assert.equal(await stuck.box.close(30), false);
});

test("status outbox - a report queued while the pump is finishing is not stranded", async () => {
  // Enqueue from inside the first send, after 0..8 microtask hops: whichever hop
  // lands between the pump's last look at the queue and its end must still be sent.
  for (let hops = 0; hops <= 8; hops++) {
    const sent: string[] = [];
    const box: StatusOutbox = new StatusOutbox({
      capacity: 10,
      idPrefix: "p",
      send: (_s, data) => {
        const text = new TextDecoder().decode(data);
        sent.push(text);
        if (text === "first") {
          let p = Promise.resolve();
          for (let i = 0; i < hops; i++) p = p.then(() => undefined);
          void p.then(() => box.enqueueReport("s", new TextEncoder().encode("late")));
        }
        return Promise.resolve();
      },
    });
    box.enqueueReport("s", new TextEncoder().encode("first"));
    await sleep(20);
    assert.deepEqual(sent, ["first", "late"], `late report after ${hops} hops`);
  }
});
