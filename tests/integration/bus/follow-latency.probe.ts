// Probe (not a test): delivery latency of many followers, and the server's cost
// of idle followers, on a spawned nats-server 2.9.10.
//
//   node tests/integration/bus/follow-latency.probe.ts [mode] [followers] [rate/s] [seconds] [idle-seconds]
//
// Modes:
// - `bus` (default): libs/bus followFrom, what the gateways use;
// - `pull:<expires ms>:<heartbeat ms>`: a bare client ordered consumer,
//   `consume({max_messages: 2000, expires, idle_heartbeat})`;
// - `push:<heartbeat ms>`: a bare push consumer (ack none, flow control, memory, R1).
//
// Phase 1 publishes `rate` events/s for `seconds` and prints per-event delivery
// latency over all followers (publish → follower got it): p50, p99, max, and how
// many deliveries took more than 1 s and 2 s, and the JetStream API requests
// served meanwhile (libs/bus: 3 per consumer it replaced). Phase 2 publishes nothing for
// `idle-seconds` and prints what the idle followers cost the server: client →
// server messages per second per follower (pull requests: `in_msgs` of /varz),
// server → client messages per follower (heartbeats, 408s), and server CPU.
// Followers get one NATS connection each (like gateways), in this one process.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamClient } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { followFrom } from "../../../libs/bus/follow.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { makeTempDir, removeDir, spawnNatsServer, stopNatsProcess } from "../../harness/nats.ts";

const [mode = "bus", followersArg = "100", rateArg = "5", secondsArg = "120", idleArg = "30"] =
  process.argv.slice(2);
const FOLLOWERS = Number(followersArg);
const RATE = Number(rateArg);
const SECONDS = Number(secondsArg);
const IDLE_SECONDS = Number(idleArg);
const GROUP = "probe";
const FILTER = `lbaas.evt.${GROUP}.>`;

type Receive = (seq: number) => void;

/** Starts one follower of `mode` from `startSeq`; returns its stop function. */
async function startFollower(
  js: JetStreamClient,
  nc: NatsConnection,
  startSeq: number,
  onMessage: Receive,
): Promise<() => Promise<void>> {
  if (mode === "bus") {
    const follower = followFrom(js, EVENTS_STREAM, FILTER, startSeq);
    const done = (async () => {
      for await (const m of follower) onMessage(m.seq);
    })();
    return async () => {
      follower.stop();
      await done;
    };
  }
  const [kind, a, b] = mode.split(":");
  if (kind === "pull") {
    const consumer = await js.consumers.get(EVENTS_STREAM, {
      filter_subjects: FILTER,
      opt_start_seq: startSeq,
    });
    const messages = await consumer.consume({
      max_messages: 2_000,
      expires: Number(a),
      idle_heartbeat: Number(b),
    });
    const done = (async () => {
      for await (const m of messages) onMessage(m.seq);
    })();
    return async () => {
      await messages.close();
      await done;
      await consumer.delete().catch(() => undefined);
    };
  }
  if (kind === "push") {
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const inbox = `_INBOX.probe.${Math.random().toString(36).slice(2)}`;
    const ci = await jsm.consumers.add(EVENTS_STREAM, {
      filter_subject: FILTER,
      deliver_subject: inbox,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      ack_policy: AckPolicy.None,
      flow_control: true,
      idle_heartbeat: nanos(Number(a)),
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(300_000),
    });
    const consumer = await js.consumers.getPushConsumer(EVENTS_STREAM, ci.name);
    const messages = await consumer.consume();
    const done = (async () => {
      for await (const m of messages) onMessage(m.seq);
    })();
    return async () => {
      await messages.close();
      await done;
      await consumer.delete().catch(() => undefined);
    };
  }
  throw new Error(`unknown mode ${JSON.stringify(mode)}`);
}

interface Varz {
  in_msgs: number;
  out_msgs: number;
}

async function varz(monitor: string): Promise<Varz> {
  return (await (await fetch(`${monitor}/varz`)).json()) as Varz;
}

/** JetStream API requests served so far (consumer creates, deletes, infos, ...). */
async function apiRequests(monitor: string): Promise<number> {
  const jsz = (await (await fetch(`${monitor}/jsz`)).json()) as { api: { total: number } };
  return jsz.api.total;
}

/** CPU seconds (user + system) the process used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const dir = makeTempDir("lbaas-nats-probe");
const server = await spawnNatsServer(
  ["-js", "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "-sd", join(dir, "store")],
  dir,
);
const portsFile = readdirSync(dir).find((f) => f.endsWith(".ports")) ?? "";
const ports = JSON.parse(readFileSync(join(dir, portsFile), "utf8")) as { monitoring: string[] };
const monitor = ports.monitoring[0] ?? "";
const serverPid = server.child.pid ?? 0;

const pub = await connect({ servers: server.url, name: "probe publisher" });
const js = jetstream(pub);
await ensureStreams(await jetstreamManager(pub));
const startSeq = (await js.publish(`lbaas.evt.${GROUP}.warmup`, "w")).seq + 1;

const sentAt = new Map<number, number>();
const latencies: number[] = [];
const receivedBy: Map<number, number>[] = [];
const connections: NatsConnection[] = [];
const stops: (() => Promise<void>)[] = [];
for (let i = 0; i < FOLLOWERS; i++) {
  const nc = await connect({ servers: server.url, name: `probe follower ${i}` });
  connections.push(nc);
  const received = new Map<number, number>();
  stops.push(
    await startFollower(jetstream(nc), nc, startSeq, (seq) => {
      received.set(seq, performance.now());
    }),
  );
  receivedBy.push(received);
}
process.stderr.write(
  `${FOLLOWERS} followers (${mode}) started; publishing ${RATE}/s for ${SECONDS} s\n`,
);
await sleep(1_000);

const events = Math.round(RATE * SECONDS);
const api0 = await apiRequests(monitor);
const t0 = performance.now();
for (let k = 0; k < events; k++) {
  const due = t0 + (k * 1_000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  const sent = performance.now();
  const ack = await js.publish(`lbaas.evt.${GROUP}.service.s${k % 50}`, `event ${k}`);
  sentAt.set(ack.seq, sent);
}
await sleep(12_000); // let stalled followers catch up (heartbeats missed: ~10 s)
const api1 = await apiRequests(monitor);

let missing = 0;
let over1s = 0;
let over2s = 0;
const stalledFollowers = new Set<number>();
receivedBy.forEach((received, f) => {
  for (const [seq, sent] of sentAt) {
    const got = received.get(seq);
    if (got === undefined) {
      missing++;
      continue;
    }
    const ms = got - sent;
    latencies.push(ms);
    if (ms > 1_000) {
      over1s++;
      stalledFollowers.add(f);
    }
    if (ms > 2_000) over2s++;
  }
});
latencies.sort((x, y) => x - y);
const round = (x: number): number => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    mode,
    followers: FOLLOWERS,
    events,
    deliveries: latencies.length,
    missing,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    p999_ms: round(percentile(latencies, 99.9)),
    max_ms: round(latencies.at(-1) ?? NaN),
    deliveries_over_1s: over1s,
    deliveries_over_2s: over2s,
    followers_with_a_delivery_over_1s: stalledFollowers.size,
    // libs/bus: 3 per consumer replaced (info, delete, create)
    api_requests_while_publishing: api1 - api0,
  }),
);

if (IDLE_SECONDS > 0) {
  await sleep(2_000);
  const v0 = await varz(monitor);
  const c0 = cpuSeconds(serverPid);
  await sleep(IDLE_SECONDS * 1_000);
  const v1 = await varz(monitor);
  const c1 = cpuSeconds(serverPid);
  const perFollowerPerSecond = (n: number): number =>
    Math.round((n / FOLLOWERS / IDLE_SECONDS) * 1_000) / 1_000;
  console.log(
    JSON.stringify({
      mode,
      followers: FOLLOWERS,
      idle_seconds: IDLE_SECONDS,
      requests_per_s_per_follower: perFollowerPerSecond(v1.in_msgs - v0.in_msgs),
      server_msgs_per_s_per_follower: perFollowerPerSecond(v1.out_msgs - v0.out_msgs),
      server_cpu_percent: Math.round(((c1 - c0) / IDLE_SECONDS) * 1_000) / 10,
    }),
  );
}

await Promise.all(stops.map((stop) => stop()));
await Promise.all(connections.map((nc) => nc.close()));
await pub.close();
await stopNatsProcess(server.child);
removeDir(dir);
