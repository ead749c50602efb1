import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { appendEvent } from "../../../libs/bus/append.ts";
import { isBusError } from "../../../libs/bus/errors.ts";
import { lastSequence, readLastPerSubject, replay } from "../../../libs/bus/read.ts";
import type { BusMessage } from "../../../libs/bus/read.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { bytes, collect, text, uniqueGroup, useJetStream } from "./fixture.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));

/** Appends `versions` events to each of `ids` (interleaved); returns every seq by "id.vN". */
async function history(
  group: string,
  ids: string[],
  versions: number,
): Promise<Map<string, number>> {
  const seqs = new Map<string, number>();
  for (let v = 1; v <= versions; v++)
    for (const id of ids) {
      const subject = `lbaas.evt.${group}.service.${id}`;
      const r = await appendEvent(f.js, {
        subject,
        data: bytes(`${id}.v${v}`),
        msgId: `${group}.${id}.v${v}`,
        version: v,
        expectedLastSubjectSeq: seqs.get(`${id}.v${v - 1}`) ?? 0,
        headers: { "Lbaas-Event-Type": "ServiceUpserted" },
      });
      seqs.set(`${id}.v${v}`, r.seq);
    }
  return seqs;
}

const payloads = (ms: BusMessage[]) => ms.map((m) => text(m.data));

test("the last event of each subject is read back, and only that", async () => {
  const group = uniqueGroup("lps");
  await history(group, ["a", "b", "c"], 4);
  await history(uniqueGroup("other"), ["a"], 2); // another group: not ours
  const got = await collect(readLastPerSubject(f.js, EVENTS_STREAM, `lbaas.evt.${group}.>`));
  assert.deepEqual(payloads(got), ["a.v4", "b.v4", "c.v4"]);
  assert.equal(got[0]?.headers.get("Lbaas-Version"), "4");
  assert.equal(got[0]?.headers.get("Lbaas-Event-Type"), "ServiceUpserted");
  assert.equal(got[0]?.subject, `lbaas.evt.${group}.service.a`);
  assert.ok(got[0]?.time instanceof Date && Math.abs(got[0].time.getTime() - Date.now()) < 60_000);
});

test("reading the last events of an empty stream or filter ends at once", async () => {
  await f.jsm.streams.add({ name: "EMPTY_TEST", subjects: ["empty.>"] });
  for (const [stream, filter] of [
    ["EMPTY_TEST", "empty.>"],
    [EVENTS_STREAM, `lbaas.evt.${uniqueGroup("none")}.>`],
  ] as const) {
    const started = performance.now();
    assert.deepEqual(await collect(readLastPerSubject(f.js, stream, filter)), []);
    assert.ok(performance.now() - started < 1_000, `${stream} ${filter} ended at once`);
    assert.deepEqual(await collect(replay(f.js, stream, filter, { toSeq: 1_000 })), []);
  }
});

test("replay stops exactly at a given sequence", async () => {
  const group = uniqueGroup("rs");
  const seqs = await history(group, ["a", "b"], 5); // 10 events
  const filter = `lbaas.evt.${group}.>`;
  const all = [...seqs.values()];
  for (const cut of [1, 3, 7, 10]) {
    const toSeq = all[cut - 1] ?? -1;
    const got = await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq }));
    assert.deepEqual(
      got.map((m) => m.seq),
      all.slice(0, cut),
      `replay to the ${cut}th event (seq ${toSeq})`,
    );
  }
  // Past the end: everything there is, then the end.
  const beyond = await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }));
  assert.deepEqual(
    beyond.map((m) => m.seq),
    all,
  );
  // A bound between two events of the filter (events of other groups in between).
  await history(uniqueGroup("noise"), ["z"], 3);
  const gap = await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq: (all[9] ?? 0) + 2 }));
  assert.equal(gap.length, 10);
  assert.deepEqual(await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq: 0 })), []);
});

test("replay stops exactly at a given time", async () => {
  const group = uniqueGroup("rt");
  const filter = `lbaas.evt.${group}.>`;
  await history(group, ["a", "b"], 2);
  const firstPart = await collect(replay(f.js, EVENTS_STREAM, filter, { toSeq: 1e9 }));
  const cut = firstPart.at(-1)?.time ?? new Date(0);
  await sleep(20); // later events get a later millisecond
  await history(uniqueGroup("rt-later"), ["x"], 1); // other groups go on too
  for (let v = 3; v <= 4; v++)
    await appendEvent(f.js, {
      subject: `lbaas.evt.${group}.service.a`,
      data: bytes(`a.v${v}`),
      msgId: `${group}.a.v${v}`,
      version: v,
      expectedLastSubjectSeq: await lastSequence(
        f.jsm,
        EVENTS_STREAM,
        `lbaas.evt.${group}.service.a`,
      ),
    });
  const got = await collect(replay(f.js, EVENTS_STREAM, filter, { toTime: cut }));
  assert.deepEqual(payloads(got), ["a.v1", "b.v1", "a.v2", "b.v2"]);
  const later = await collect(replay(f.js, EVENTS_STREAM, filter, { toTime: new Date() }));
  assert.equal(later.length, 6);
  assert.deepEqual(await collect(replay(f.js, EVENTS_STREAM, filter, { toTime: new Date(0) })), []);
});

test("lastSequence gives the head of a filter, wildcards included", async () => {
  const group = uniqueGroup("head");
  assert.equal(await lastSequence(f.jsm, EVENTS_STREAM, `lbaas.evt.${group}.>`), 0);
  const seqs = await history(group, ["a", "b"], 2);
  await history(uniqueGroup("after"), ["c"], 2); // newer events outside the filter
  assert.equal(await lastSequence(f.jsm, EVENTS_STREAM, `lbaas.evt.${group}.>`), seqs.get("b.v2"));
  assert.equal(
    await lastSequence(f.jsm, EVENTS_STREAM, `lbaas.evt.${group}.service.a`),
    seqs.get("a.v2"),
  );
  assert.equal(
    await lastSequence(f.jsm, EVENTS_STREAM, `lbaas.evt.${group}.*.a`),
    seqs.get("a.v2"),
  );
});

test("reading a stream that does not exist fails with no_stream", async () => {
  await assert.rejects(collect(readLastPerSubject(f.js, "NO_SUCH_STREAM", "x.>")), (err) =>
    isBusError(err, "no_stream"),
  );
  await assert.rejects(lastSequence(f.jsm, "NO_SUCH_STREAM", "x.>"), (err) =>
    isBusError(err, "no_stream"),
  );
  assert.throws(() => replay(f.js, EVENTS_STREAM, "x", { toSeq: -1 }), /toSeq: -1/);
});
