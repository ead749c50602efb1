import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { appendEvent } from "../../../libs/bus/append.ts";
import { isBusError } from "../../../libs/bus/errors.ts";
import { followFrom } from "../../../libs/bus/follow.ts";
import type { BusMessage } from "../../../libs/bus/message.ts";
import { replay } from "../../../libs/bus/read.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { bytes, collect, text, uniqueGroup, useJetStream } from "./fixture.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));

/** Appends one event per id, version `v`, after the given previous sequences; retries until stored. */
async function appendRound(
  group: string,
  ids: string[],
  v: number,
  last: Map<string, number>,
): Promise<void> {
  for (const id of ids) {
    const subject = `lbaas.evt.${group}.service.${id}`;
    const req = {
      subject,
      data: bytes(`${id}.v${v}`),
      msgId: `${group}.${id}.v${v}`,
      version: v,
      expectedLastSubjectSeq: last.get(id) ?? 0,
      timeoutMs: 1_000,
    };
    for (;;) {
      try {
        last.set(id, (await appendEvent(f.js, req)).seq);
        break;
      } catch (err) {
        // Server away (restart test): same msgId and expected seq, so a retry of
        // an event that did get stored comes back as its duplicate.
        const transient = ["timeout", "publish_failed", "no_stream"] as const;
        if (!transient.some((code) => isBusError(err, code))) throw err;
        await sleep(100);
      }
    }
  }
}

/** Takes `n` messages from an iterator (without ending it). */
async function take(it: AsyncIterator<BusMessage>, n: number): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

test("followFrom resumes from a checkpoint with no gap and no duplicate", async () => {
  const group = uniqueGroup("follow");
  const filter = `lbaas.evt.${group}.>`;
  const last = new Map<string, number>();
  for (let v = 1; v <= 3; v++) await appendRound(group, ["a", "b", "c"], v, last); // 9 events
  const first = followFrom(f.js, EVENTS_STREAM, filter, 0);
  const seen = await take(first[Symbol.asyncIterator](), 4);
  first.stop();
  const checkpoint = seen.at(-1)?.seq ?? 0;

  for (let v = 4; v <= 5; v++) await appendRound(group, ["a", "b", "c"], v, last); // 6 more
  const resumed = followFrom(f.js, EVENTS_STREAM, filter, checkpoint + 1);
  const rest = await take(resumed[Symbol.asyncIterator](), 11);
  resumed.stop();

  const all = await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }));
  assert.equal(all.length, 15);
  assert.deepEqual(
    [...seen, ...rest].map((m) => m.seq),
    all.map((m) => m.seq),
  );
  assert.deepEqual(
    rest.slice(-3).map((m) => text(m.data)),
    ["a.v5", "b.v5", "c.v5"],
  );
});

test("a follower tells how far behind it was at each delivery (pending)", async () => {
  const group = uniqueGroup("pending");
  const filter = `lbaas.evt.${group}.>`;
  const last = new Map<string, number>();
  for (let v = 1; v <= 2; v++) await appendRound(group, ["a", "b", "c"], v, last); // 6 events
  const follower = followFrom(f.js, EVENTS_STREAM, filter, 0);
  assert.equal(follower.pending, 0, "nothing delivered yet");
  const it = follower[Symbol.asyncIterator]();
  const seen: [number, number][] = [];
  for (let i = 0; i < 6; i++)
    for (const m of await take(it, 1)) seen.push([m.seq, follower.pending]);
  follower.stop();
  assert.deepEqual(
    seen.map(([, pending]) => pending),
    [5, 4, 3, 2, 1, 0],
  );
  // seq + pending never passes the filter's last sequence, and reaches it at the end.
  const head = Math.max(...last.values());
  assert.ok(seen.every(([seq, pending]) => seq + pending <= head));
  assert.equal(seen.at(-1)?.[0], head);
});

test("followFrom delivers events appended while it waits, and stop() ends it", async () => {
  const group = uniqueGroup("live");
  const follower = followFrom(f.js, EVENTS_STREAM, `lbaas.evt.${group}.>`, 1);
  const it = follower[Symbol.asyncIterator]();
  const pending = take(it, 2);
  await sleep(100);
  await appendRound(group, ["x", "y"], 1, new Map());
  assert.deepEqual(
    (await pending).map((m) => text(m.data)),
    ["x.v1", "y.v1"],
  );
  // Idle now: stop() must end the pending next() promptly.
  const waiting = it.next();
  const started = performance.now();
  follower.stop();
  assert.equal((await waiting).done, true);
  assert.ok(performance.now() - started < 2_000);
});

test("an AbortSignal stops a follower, even before it started", async () => {
  const already = AbortSignal.abort();
  const stopped = followFrom(f.js, EVENTS_STREAM, "lbaas.evt.>", 1, { signal: already });
  assert.deepEqual(await collect(stopped), []);
  const controller = new AbortController();
  const follower = followFrom(f.js, EVENTS_STREAM, `lbaas.evt.${uniqueGroup("ab")}.>`, 1, {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 200);
  assert.deepEqual(await collect(follower), []);
  assert.throws(() => followFrom(f.js, EVENTS_STREAM, "x", -1), /startSeq: -1/);
});

test("a nats-server restart mid-stream loses no event", { timeout: 120_000 }, async () => {
  const group = uniqueGroup("restart");
  const ids = ["a", "b", "c", "d"];
  const total = 40 * ids.length;
  const follower = followFrom(f.js, EVENTS_STREAM, `lbaas.evt.${group}.>`, 1);
  const received: BusMessage[] = [];
  const reading = (async () => {
    for await (const m of follower) {
      received.push(m);
      if (received.length === total) follower.stop();
    }
  })();
  const last = new Map<string, number>();
  const started = performance.now();
  for (let v = 1; v <= 40; v++) {
    if (v === 20) await f.server.restart({ hard: true }); // SIGKILL, same store, same port
    await appendRound(group, ids, v, last);
  }
  process.stderr.write(
    `[restart test] published in ${Math.round(performance.now() - started)} ms, received ${received.length}\n`,
  );
  const deadline = setTimeout(() => follower.stop(), 90_000);
  await reading;
  clearTimeout(deadline);
  process.stderr.write(
    `[restart test] ${received.length} events across a hard restart in ${Math.round(performance.now() - started)} ms\n`,
  );
  assert.equal(received.length, total, "every event arrived");
  const seqs = received.map((m) => m.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((x, y) => x - y),
    "in order",
  );
  assert.equal(new Set(seqs).size, total, "no duplicate");
  for (const id of ids)
    assert.deepEqual(
      received.filter((m) => m.subject.endsWith(`.${id}`)).map((m) => text(m.data)),
      Array.from({ length: 40 }, (_, i) => `${id}.v${i + 1}`),
      `aggregate ${id}: versions 1..40, each once`,
    );
});
