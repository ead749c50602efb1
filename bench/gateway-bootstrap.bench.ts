// Gateway bootstrap at scale: a stream of 1,000,000 events over 10,000 services
// (50 versions of every service and of its 4 endpoints; the last round deletes
// 1,000 services), then, in the same run:
//  1. an in-process gateway (Syncer over the in-memory FakeNft): time from start
//     to its first full apply (read last per subject, decode, fold, render, apply);
//  2. the real gateway process (bin/lbaas-gateway.ts, real nft in a namespace):
//     time from spawn to its first ACK on the status stream, and its RSS then
//     and after 100 incremental changes (target ≤ 200 MB);
//  3. a full replay from sequence 1 (read every event, decode, fold): the cost
//     a gateway would pay without state-carrying events + LastPerSubject.
// Targets: bootstrap ≤ 5 s and ≤ 1/10 of the full replay.
//
// The stream is generated once (async publishes in batches, ~1 min) into
// .bench/gateway-bootstrap/store and reused by later runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { lastSequence, replay } from "../libs/bus/read.ts";
import { ensureStreams, EVENTS_STREAM } from "../libs/bus/streams.ts";
import { applyEvent, initialState, inventoryOf } from "../libs/domain/state.ts";
import type { ServiceSpec } from "../libs/domain/model.ts";
import { decodeEvent, decodeReport, encodeEvent } from "../libs/events/codec.ts";
import type { EventBody, LbEvent } from "../libs/events/event.ts";
import { groupFilterOf, parseSubject, subjectOf } from "../libs/events/event.ts";
import { FakeNft } from "../libs/nft/fake.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../libs/nft/settings.ts";
import { Gateway } from "../services/gateway/gateway.ts";
import { nftDataplane } from "../services/gateway/nft-dataplane.ts";
import { STATUS_TYPE_HEADER } from "../services/gateway/status-outbox.ts";
import { createNamespace } from "../tests/harness/netns.ts";
import { spawnNatsServer, stopNatsProcess } from "../tests/harness/nats.ts";
import { median, report, type BenchRow } from "./result.ts";

const bench = "gateway-bootstrap";
const GROUP = "bench";
const SERVICES = 10_000;
const ROUNDS = 50; // × 2 events per service per round = 1,000,000
const dir = fileURLToPath(new URL("../.bench/gateway-bootstrap/", import.meta.url));
const marker = `${dir}complete.json`;
const mb = (bytes: number): number => bytes / 1e6;
const quiet = pino({ level: "silent" });

function serviceSpec(i: number, round: number): ServiceSpec {
  return {
    id: `svc-${i}`,
    group: GROUP,
    vips: [`203.0.113.${(i % 250) + 1}`],
    ports: [
      { protocol: "tcp", port: 2000 + Math.floor(i / 250) * 10 + (round % 10), targetPort: 8080 },
    ],
    scheduler: "round-robin",
    sourceRanges: [],
    sessionAffinity: null,
    snat: null,
  };
}

function eventOf(
  kind: "service" | "endpoints",
  i: number,
  version: number,
  body: EventBody,
): LbEvent {
  return {
    meta: {
      eventId: `bench-${kind}-${i}-${version}`,
      kind,
      id: `svc-${i}`,
      group: GROUP,
      version,
      schemaVersion: 2,
      occurredAt: 1_767_225_600_000 + version,
      actor: "bench",
      reason: "",
      correlationId: "",
    },
    body,
  };
}

/** The events of round `r` for service `i`: an upsert (or, last round, every 10th a delete) and its endpoints. */
function* roundEvents(i: number, r: number): Generator<[string, Uint8Array]> {
  const version = r + 1;
  const deleted = r === ROUNDS - 1 && i % 10 === 0;
  const svc = eventOf(
    "service",
    i,
    version,
    deleted ? { type: "ServiceDeleted" } : { type: "ServiceUpserted", spec: serviceSpec(i, r) },
  );
  yield [subjectOf("service", GROUP, `svc-${i}`), encodeEvent(svc)];
  const endpoints = [0, 1, 2, 3].map((k) => ({
    address: `192.0.2.${((i + r + k * 60) % 250) + 1}`,
    port: null,
    weight: 1,
    state: "ready" as const,
  }));
  const eps = eventOf("endpoints", i, version, {
    type: "EndpointsReplaced",
    spec: { serviceId: `svc-${i}`, group: GROUP, endpoints },
  });
  yield [subjectOf("endpoints", GROUP, `svc-${i}`), encodeEvent(eps)];
}

async function generate(js: JetStreamClient): Promise<number> {
  const started = performance.now();
  let inFlight: Promise<PubAck>[] = [];
  let head = 0;
  let count = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < SERVICES; i++) {
      for (const [subject, data] of roundEvents(i, r)) {
        inFlight.push(js.publish(subject, data, { timeout: 60_000 }));
        count += 1;
      }
      if (inFlight.length >= 4_000) {
        for (const ack of await Promise.all(inFlight)) head = Math.max(head, ack.seq);
        inFlight = [];
      }
    }
    process.stderr.write(
      `  generated ${count} events (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
  for (const ack of await Promise.all(inFlight)) head = Math.max(head, ack.seq);
  return head;
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

mkdirSync(dir, { recursive: true });
const server = await spawnNatsServer(
  ["-js", "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "-sd", `${dir}store`],
  dir,
);
const nc = await connect({ servers: server.url, name: "bench" });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
await ensureStreams(jsm);
let head: number;
if (existsSync(marker)) {
  // Earlier runs appended their incremental changes: the head moves on.
  head = await lastSequence(jsm, EVENTS_STREAM, groupFilterOf(GROUP));
  process.stderr.write(`  reusing the generated stream (head ${head})\n`);
} else {
  head = await generate(js);
  writeFileSync(marker, JSON.stringify({ head, events: SERVICES * ROUNDS * 2 }));
}
const rows: BenchRow[] = [];

// 1. In-process gateway over FakeNft.
{
  const t0 = performance.now();
  const gw = new Gateway({
    identity: { gatewayId: "bench-fake", group: GROUP },
    nc,
    js,
    jsm,
    dataplane: nftDataplane({
      settings: DEFAULT_GATEWAY_SETTINGS,
      netns: null,
      dryRun: false,
      executor: new FakeNft(),
    }),
    timing: {
      coalesceQuietMs: 50,
      coalesceMaxMs: 200,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      heartbeatMs: 60_000,
      driftCheckMs: 0,
      statusQueue: 100,
      stallGraceMs: 500,
    },
    log: quiet,
    version: "bench",
  });
  await gw.start();
  const ms = performance.now() - t0;
  const s = gw.loop.status();
  if (!s.ready || s.appliedSeq !== head)
    throw new Error(`fake gateway not converged: ${JSON.stringify(s)}`);
  await gw.stop(500);
  rows.push({
    bench,
    metric: "bootstrap to first full apply, in-process, FakeNft (1M+ events, 10k svc)",
    value: ms / 1000,
    unit: "s",
    target: "≤ 5 s",
    pass: ms <= 5_000,
  });
}

// 2. The real gateway process with the real nft in a namespace, in each memory
// mode (services/gateway/memory-mode.ts), side by side.
interface ProcessRun {
  bootMs: number;
  rssBoot: number;
  rssAfter: number;
  hwm: number;
  burstMax: number;
  incrementalMs: number;
}
const bin = fileURLToPath(new URL("../bin/lbaas-gateway.ts", import.meta.url));
let changeRound = Math.floor(Date.now() / 1000) % 200;

async function runProcess(id: string, memory: string, asInstalled = false): Promise<ProcessRun> {
  const ns = await createNamespace("gwboot");
  const reports: { at: number; seq: number; kind: string; ms: number }[] = [];
  const sub = nc.subscribe(`lbaas.status.${GROUP}.${id}`, {
    callback: (_e, m) => {
      if (m.headers?.get(STATUS_TYPE_HEADER) === "heartbeat") return;
      const r = decodeReport(m.data);
      if (!r.result.ok) throw new Error(`gateway process NACKed: ${JSON.stringify(r.result)}`);
      reports.push({
        at: performance.now(),
        seq: r.streamSequence,
        kind: r.syncKind,
        ms: r.durationMs,
      });
    },
  });
  const args = ["--nats", server.url, "--id", id, "--group", GROUP, "--netns", ns.name];
  args.push("--listen", "", "--log-level", "warn", "--drift-check-ms", "0", "--memory", memory);
  const t0 = performance.now();
  // As installed: the bin runs by its shebang (node from PATH, with its heap flags);
  // otherwise plain `node bin/lbaas-gateway.ts`.
  const nodeDir = fileURLToPath(new URL("../node_modules/.bin", import.meta.url));
  const env = { ...process.env, PATH: `${nodeDir}:${process.env["PATH"] ?? ""}` };
  const [cmd, argv] = asInstalled ? [bin, args] : [process.execPath, [bin, ...args]];
  const child: ChildProcess = spawn(cmd, argv, { env, stdio: ["ignore", "ignore", "inherit"] });
  const until = async (pred: () => boolean): Promise<void> => {
    for (let waited = 0; !pred(); waited += 20) {
      if (waited > 120_000) throw new Error("gateway process did not report in time");
      await sleep(20);
    }
  };
  try {
    await until(() => reports.length > 0);
    const bootMs = reports[0]!.at - t0;
    await sleep(5_000); // at rest (adaptive mode collects 1-3 s after an apply)
    const rssBoot = rssOf(child.pid!).rss;
    // 100 incremental changes (endpoints of 100 services, 20 ms apart).
    changeRound += 1;
    let last = head;
    let burstMax = 0;
    const sampler = setInterval(() => (burstMax = Math.max(burstMax, rssOf(child.pid!).rss)), 50);
    for (let i = 1; i <= 100; i++) {
      const address = `192.0.2.${(changeRound % 200) + 1}`;
      const subject = subjectOf("endpoints", GROUP, `svc-${i}`);
      const prev = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject });
      const version = prev === null ? 1 : decodeEvent(prev.data).meta.version + 1;
      const eps = eventOf("endpoints", i, version, {
        type: "EndpointsReplaced",
        spec: {
          serviceId: `svc-${i}`,
          group: GROUP,
          endpoints: [{ address, port: null, weight: 1, state: "ready" }],
        },
      });
      last = (await js.publish(subject, encodeEvent(eps))).seq;
      await sleep(20);
    }
    await until(() => reports.some((r) => r.seq >= last));
    clearInterval(sampler);
    await sleep(5_000); // at rest again
    const later = rssOf(child.pid!);
    const inc = reports.filter((r) => r.kind === "incremental").map((r) => r.ms);
    return {
      bootMs,
      rssBoot,
      rssAfter: later.rss,
      hwm: later.hwm,
      burstMax,
      incrementalMs: median(inc),
    };
  } finally {
    child.kill("SIGKILL");
    sub.unsubscribe();
    await ns.stop();
  }
}

const runs = [
  ["adaptive (default), as installed", await runProcess("bench-installed", "adaptive", true), true],
  ["adaptive, plain node", await runProcess("bench-adaptive", "adaptive"), false],
  ["lean, plain node", await runProcess("bench-lean", "lean"), false],
  ["fast, plain node", await runProcess("bench-fast", "fast"), false],
] as const;
const processMs = runs[0][1].bootMs;
for (const [label, r, withTargets] of runs) {
  const t = (target: string, pass: boolean): Partial<BenchRow> =>
    withTargets ? { target, pass } : {};
  rows.push({
    bench,
    metric: `process, --memory ${label}: bootstrap to first ACK, real nft in a netns`,
    value: r.bootMs / 1000,
    unit: "s",
    ...t("≤ 5 s", r.bootMs <= 5_000),
  });
  rows.push({
    bench,
    metric: `process, --memory ${label}: RSS at 10k services, at rest after bootstrap`,
    value: mb(r.rssBoot),
    unit: "MB",
    ...t("≤ 200 MB", r.rssBoot <= 200e6),
  });
  rows.push({
    bench,
    metric: `process, --memory ${label}: RSS at rest after 100 incremental changes`,
    value: mb(r.rssAfter),
    unit: "MB",
    ...t("≤ 200 MB", r.rssAfter <= 200e6),
  });
  rows.push({
    bench,
    metric: `process, --memory ${label}: RSS max during the 100 changes`,
    value: mb(r.burstMax),
    unit: "MB",
  });
  rows.push({
    bench,
    metric: `process, --memory ${label}: peak RSS (VmHWM)`,
    value: mb(r.hwm),
    unit: "MB",
  });
  rows.push({
    bench,
    metric: `process, --memory ${label}: incremental apply, median (render + nft)`,
    value: r.incrementalMs,
    unit: "ms",
  });
}

// 3. Full replay from sequence 1: read, decode and fold every event.
{
  const t0 = performance.now();
  const state = initialState();
  let n = 0;
  for await (const m of replay(js, EVENTS_STREAM, groupFilterOf(GROUP), { toSeq: head })) {
    const expected = parseSubject(m.subject);
    if (expected === null) continue;
    applyEvent(state, { seq: m.seq, event: decodeEvent(m.data, expected) });
    n += 1;
  }
  const inv = inventoryOf(state, GROUP);
  const ms = performance.now() - t0;
  if (inv.services.length !== SERVICES - SERVICES / 10)
    throw new Error(`replay folded ${inv.services.length} services`);
  rows.push({
    bench,
    metric: `full replay from seq 1 (${n} events: read, decode, fold)`,
    value: ms / 1000,
    unit: "s",
  });
  const fake = rows[0]!.value * 1000;
  rows.push({
    bench,
    metric: "bootstrap (FakeNft) / full replay",
    value: fake / ms,
    unit: "ratio",
    target: "≤ 0.1",
    pass: fake / ms <= 0.1,
  });
  rows.push({
    bench,
    metric: "bootstrap (process, real nft) / full replay",
    value: processMs / ms,
    unit: "ratio",
    target: "≤ 0.1",
    pass: processMs / ms <= 0.1,
  });
}

await nc.close();
await stopNatsProcess(server.child);
report(rows);
