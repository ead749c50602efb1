// nats-server 2.9.10 now and then ends a pull request without sending its "408
// Request Timeout" (an expired request meets a new message before its expiry
// timer ran; fixed in 2.9.16). The client then believes its pull is open and
// delivers nothing until two idle heartbeats are missed: ~10 s with 5 s
// heartbeats, measured with 100 followers. A proxy drops the 408 here on demand,
// with short pulls (3 s, heartbeats 1.5 s) so the test stays short.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { orderedRead } from "../../../libs/bus/ordered-read.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { uniqueGroup, useJetStream } from "./fixture.ts";
import { startDroppingProxy } from "./status-dropping-proxy.ts";

const f = useJetStream((f) => ensureStreams(f.jsm));
const PULL = { expiresMs: 3_000, heartbeatMs: 1_500 };

/** Names of the consumers reading `filter` now. */
async function consumersOf(filter: string): Promise<string[]> {
  const infos = await f.jsm.consumers.list(EVENTS_STREAM).next();
  return infos.filter((ci) => ci.config.filter_subject === filter).map((ci) => ci.name);
}

test(
  "a pull ended without its 408 delays the next event by well under a second",
  { timeout: 60_000 },
  async (t) => {
    const proxy = await startDroppingProxy(f.server.url);
    const nc = await connect({ ...f.server.connectOptions, servers: [proxy.url] });
    const stopper = new AbortController();
    t.after(async () => {
      stopper.abort();
      await nc.close();
      await proxy.close();
    });
    const group = uniqueGroup("lost");
    const filter = `lbaas.evt.${group}.>`;
    const subject = `lbaas.evt.${group}.service.a`;
    const first = (await f.js.publish(subject, "0")).seq;
    const reader = orderedRead(jetstream(nc), {
      stream: EVENTS_STREAM,
      filterSubject: filter,
      start: { startSeq: first },
      bounded: false,
      signal: stopper.signal,
      pull: PULL,
    })[Symbol.asyncIterator]();
    assert.equal((await reader.next()).value?.seq, first);

    // Healthy pulls expire and are renewed: the consumer is never replaced.
    const [consumer] = await consumersOf(filter);
    const idle = reader.next();
    await sleep(2.5 * PULL.expiresMs);
    assert.deepEqual(await consumersOf(filter), [consumer], "same consumer after 2 expiries");

    // The server ends the current pull, the client never hears of it.
    await proxy.dropNext((headers) => headers.startsWith("NATS/1.0 408"));
    const sent = performance.now();
    const seq = (await f.js.publish(subject, "1")).seq;
    assert.equal((await idle).value?.seq, seq);
    const latency = performance.now() - sent;
    process.stderr.write(`[lost pull] event delivered ${Math.round(latency)} ms after publish\n`);
    assert.ok(
      latency < 1_500,
      `delivered after ${Math.round(latency)} ms (the client alone waits for 2 missed heartbeats: 3-4.5 s)`,
    );
    const [replacement] = await consumersOf(filter);
    assert.notEqual(replacement, consumer, "the consumer was replaced");

    // No gap, no duplicate afterwards.
    const third = (await f.js.publish(subject, "2")).seq;
    assert.equal((await reader.next()).value?.seq, third);
  },
);
