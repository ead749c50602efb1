// replayEach (the callback read of audit replay: a plain pull consumer, its reply
// subject read by us) yields what replay yields: same messages, same bounds, and
// no gap or duplicate across a hard server restart mid-read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { isBusError } from "../../../libs/bus/errors.ts";
import { replay, replayEach, type BusMessage, type ReplayBound } from "../../../libs/bus/read.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { bytes, collect, text, uniqueGroup, useJetStream } from "./fixture.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));

/** Publishes `n` messages round-robin over `ids` of `group`; returns their sequences. */
async function publish(group: string, ids: string[], n: number, from = 0): Promise<number[]> {
  const acks = [];
  for (let i = from; i < from + n; i++) {
    const h = natsHeaders();
    h.set("Lbaas-Version", String(i + 1));
    const id = ids[i % ids.length] as string;
    acks.push(f.js.publish(`lbaas.evt.${group}.service.${id}`, bytes(`m${i}`), { headers: h }));
    if (acks.length % 1_000 === 0) await Promise.all(acks.slice(-1_000));
  }
  return (await Promise.all(acks)).map((a) => a.seq);
}

/** What replayEach visits, copied out of the reused view. */
async function visited(filter: string, bound: ReplayBound): Promise<BusMessage[]> {
  const out: BusMessage[] = [];
  const n = await replayEach(f.js, EVENTS_STREAM, filter, bound, (m) => {
    out.push({ seq: m.seq, subject: m.subject, data: m.data, time: m.time, headers: m.headers });
  });
  assert.equal(n, out.length, "the count is what was visited");
  return out;
}

const shape = (ms: BusMessage[]) =>
  ms.map((m) => ({
    seq: m.seq,
    subject: m.subject,
    data: text(m.data),
    time: m.time.getTime(),
    version: m.headers.get("Lbaas-Version"),
  }));

test("replayEach visits what replay yields, bound by sequence or time", async () => {
  const group = uniqueGroup("each");
  const filter = `lbaas.evt.${group}.>`;
  const seqs = await publish(group, ["a", "b", "c"], 30);
  await publish(uniqueGroup("noise"), ["z"], 5); // other groups in between
  await sleep(20);
  const cutTime = new Date();
  await sleep(20);
  const later = await publish(group, ["a"], 3, 30);
  const bounds: ReplayBound[] = [
    { toSeq: seqs[0] as number },
    { toSeq: seqs[16] as number },
    { toSeq: (seqs.at(-1) as number) + 2 }, // between two events of the filter
    { toSeq: 1e9 },
    { toTime: cutTime },
    { toTime: new Date() },
    { toTime: new Date(0) },
  ];
  for (const bound of bounds) {
    const expected = await collect(replay(f.js, EVENTS_STREAM, filter, bound));
    assert.deepEqual(shape(await visited(filter, bound)), shape(expected), JSON.stringify(bound));
  }
  assert.equal((await visited(filter, { toTime: cutTime })).length, 30);
  assert.equal((await visited(filter, { toSeq: 1e9 })).length, 30 + later.length);
  assert.deepEqual(await visited(filter, { toSeq: 0 }), []);
  assert.deepEqual(await visited(`lbaas.evt.${uniqueGroup("none")}.>`, { toSeq: 1e9 }), []);
});

test("replayEach: 'stop' and a throwing visitor end the read; bad bounds are refused", async () => {
  const group = uniqueGroup("stop");
  const filter = `lbaas.evt.${group}.>`;
  await publish(group, ["a"], 10);
  let seen = 0;
  const n = await replayEach(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }, () => {
    seen++;
    return seen === 4 ? "stop" : undefined;
  });
  assert.equal(n, 4);
  const boom = new Error("visitor failed");
  await assert.rejects(
    replayEach(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }, () => {
      throw boom;
    }),
    (err) => err === boom,
  );
  await assert.rejects(
    replayEach(f.js, EVENTS_STREAM, filter, { toSeq: -1 }, () => undefined),
    (err) => isBusError(err) && err.code === "invalid_argument",
  );
  await assert.rejects(
    replayEach(f.js, "NO_SUCH_STREAM", filter, { toSeq: 5 }, () => undefined),
    (err) => isBusError(err) && err.code === "no_stream",
  );
  const aborted = AbortSignal.abort();
  assert.equal(
    await replayEach(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }, () => undefined, {
      signal: aborted,
    }),
    0,
  );
});

test(
  "replayEach across a hard server restart: no gap, no duplicate",
  { timeout: 120_000 },
  async () => {
    const group = uniqueGroup("each-restart");
    const filter = `lbaas.evt.${group}.>`;
    const seqs = await publish(group, ["a", "b", "c", "d"], 20_000);
    const got: number[] = [];
    const server: { restarting: Promise<void> | null } = { restarting: null };
    await replayEach(f.js, EVENTS_STREAM, filter, { toSeq: seqs.at(-1) as number }, (m) => {
      got.push(m.seq);
      if (got.length === 2_000) server.restarting = f.server.restart({ hard: true });
    });
    assert.ok(server.restarting !== null, "the server was restarted mid-read");
    await server.restarting;
    assert.equal(got.length, seqs.length, "every message once");
    assert.deepEqual(got, seqs, "in order, no gap, no duplicate");
  },
);
