// Control-plane throughput: events accepted per second through the HTTP API (single
// writes from 64 and from 16 clients, and one bulk sync of 10,000 services), beside raw
// JetStream publish throughput measured in the same run on the same server. Target:
// API ≥ 0.5× raw, judged peak against peak (64 clients against raw publishes with
// 1,024 in flight: each side at a concurrency that keeps it busy) and at equal
// concurrency (16 clients against 16 raw publishes in flight); 16 clients against the
// pipelined raw figure is printed too. Also p50/p99 of a single write, and CPU per
// event of each process.
//
// Fair comparison (bench/README.md "Control-plane method"):
// - raw publishes go to their own stream BENCH_RAW (LBAAS_EVENTS's configuration,
//   subjects `bench.evt.>`), so the control plane's follower never reads them;
// - raw events are the API's events: same encoder, same shape and size, same subject
//   and message-id lengths, and the same headers and guards as the control plane's
//   appends (Nats-Msg-Id, expected last subject sequence, Nats-Expected-Last-Sequence,
//   Nats-Expected-Last-Msg-Id of the previous event, Lbaas-Event-Type, Lbaas-Version);
// - the control plane runs as its own process (bin/lbaas-control-plane.ts, default
//   log level `info`), and so does the HTTP load generator (this file with
//   `--load-generator`): keep-alive HTTP/1.1 on raw sockets, one request in flight per
//   connection, so it costs the 2-core machine a fraction of what node:http's client
//   costs and the figure measures the server;
// - both sides are equally warm when measured: each handles 12,000 events first (raw
//   publishes; PUTs of other ids, reported apart as the cold figure).
// Run by `npm run bench` (bench/run.ts) or alone: `node bench/control-plane.bench.ts`.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect as tcpConnect, createServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import type { JetStreamManager } from "@nats-io/jetstream";
import { startJetStream } from "../tests/harness/nats.ts";
import { ensureStreams, wantedStreamConfigs } from "../libs/bus/streams.ts";
import { encodeEvent } from "../libs/events/codec.ts";
import type { LbEvent } from "../libs/events/event.ts";
import { validateService } from "../libs/domain/validate.ts";
import { report, type BenchRow } from "./result.ts";

/** bench/run.ts's row, plus the raw figure a row is compared with. */
export interface Row extends BenchRow {
  /** The raw figure this one is compared with, and value / baseline. */
  readonly baseline?: number;
  readonly ratio?: number;
}

const BENCH = "control-plane";
const SINGLE_WRITES = Number(process.env["BENCH_CP_SINGLE"] ?? 10_000);
/** Clients of the latency-minded run (and raw publishes in flight beside it). */
const CONCURRENCY = 16;
/** Clients of the peak run: enough to keep the control plane busy (and raw publishes in flight beside it). */
const PEAK_CONCURRENCY = 64;
const BULK_SERVICES = Number(process.env["BENCH_CP_BULK"] ?? 10_000);
const WINDOW = 1_024;
/**
 * Events each side handles before anything of it is measured (raw publishes; the
 * control plane's PUTs of other ids), so both are measured equally warm: a fresh
 * process runs its first thousands in the interpreter while the JIT catches up.
 */
const WARM_UP = 12_000;
const LOAD_GENERATOR = "--load-generator";
const RAW_STREAM = "BENCH_RAW";

const hex = (n: number): string => n.toString(16);
/** The VIP network of each id prefix: single writes at 16 and at 64 clients, bulk, warm-up. */
const VIP_NET: Readonly<Record<string, string>> = { s: "a", b: "b", w: "c", m: "d" };

function serviceBody(prefix: string, i: number, endpoints: number): Record<string, unknown> {
  return {
    id: `${prefix}${i}`,
    vips: [`2001:db8:${VIP_NET[prefix] ?? "a"}::${hex(i + 1)}`],
    ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    ...(endpoints > 0
      ? {
          endpoints: Array.from({ length: endpoints }, (_, k) => ({
            address: `2001:db8:e${k}::${hex(i + 1)}`,
          })),
        }
      : {}),
  };
}

/** Encoded events exactly like the API's (ids `s<i>` like the single writes'). */
function rawEvents(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const v = validateService(serviceBody("s", i, 0));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const ev: LbEvent = {
      meta: {
        eventId: crypto.randomUUID(),
        kind: "service",
        id: `s${i}`,
        group: "default",
        version: 1,
        schemaVersion: 2,
        occurredAt: Date.now(),
        actor: "anonymous",
        reason: "",
        correlationId: crypto.randomUUID(),
      },
      body: { type: "ServiceUpserted", spec: v.value },
    };
    return encodeEvent(ev);
  });
}

/**
 * Raw pipelined publishes into BENCH_RAW with the control plane's guards (see the file
 * comment); `window` in flight (16 = sixteen writers: refilled one by one; more:
 * refilled by halves like the control plane). Returns events/s and CPU ms per event
 * of this process (the publisher).
 */
async function rawPublish(
  js: JetStreamClient,
  jsm: JetStreamManager,
  data: readonly Uint8Array[],
  run: string,
  window = WINDOW,
): Promise<{ rate: number; cpuMs: number }> {
  let last = (await jsm.streams.info(RAW_STREAM)).state.last_seq;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let previous: string | null = null;
  for (let i = 0; i < data.length; i++) {
    const h = headers();
    h.set("Lbaas-Event-Type", "ServiceUpserted");
    h.set("Nats-Expected-Last-Sequence", String(last++));
    if (previous !== null) h.set("Nats-Expected-Last-Msg-Id", previous);
    h.set("Lbaas-Version", "1");
    // `run` (one letter) keeps runs apart: subject and message id one character longer than the API's.
    previous = `default.service.s${i}${run}.v1`;
    pending.push(
      js.publish(`bench.evt.default.service.s${i}${run}`, data[i], {
        msgID: previous,
        headers: h,
        expect: { lastSubjectSequence: 0, streamName: RAW_STREAM },
      }),
    );
    if (pending.length >= window)
      await pending[pending.length - (window > 64 ? window / 2 : window)];
  }
  await Promise.all(pending);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { rate: data.length / seconds, cpuMs: (used.user + used.system) / 1000 / data.length };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startControlPlaneProcess(
  natsUrl: string,
  user: string | undefined,
  pass: string | undefined,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const bin = fileURLToPath(new URL("../bin/lbaas-control-plane.ts", import.meta.url));
  const child = spawn(process.execPath, [bin, "--nats", natsUrl, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "inherit"],
    // Credentials through the environment, never on the command line.
    env: {
      ...process.env,
      ...(user !== undefined && pass !== undefined ? { NATS_USER: user, NATS_PASSWORD: pass } : {}),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { url, child };
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error("the control plane did not become ready");
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, USER_HZ = 100). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface LoadResult {
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMs: number;
}

/** One keep-alive connection: sends one request, resolves with status and body. */
function lane(port: number): Promise<(request: Buffer) => Promise<[number, string]>> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tcpConnect(port, "127.0.0.1", () => resolve(send)).setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    let waiting: ((r: [number, string]) => void) | null = null;
    socket.on("error", reject);
    socket.on("close", () => {
      if (waiting !== null) throw new Error("the control plane closed a connection mid-request");
    });
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.toString("latin1", 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.toString("utf8", end + 4, end + 4 + length);
      buffered = Buffer.alloc(0);
      const done = waiting;
      waiting = null;
      done?.([Number(head.slice(9, 12)), body]);
    });
    const send = (request: Buffer): Promise<[number, string]> =>
      new Promise((done) => {
        waiting = done;
        socket.write(request);
      });
  });
}

/**
 * The load generator's process: PUTs `n` services (ids `<prefix><i>`) at
 * `concurrency`, prints a LoadResult.
 */
async function loadGenerator(
  url: string,
  n: number,
  concurrency: number,
  prefix: string,
): Promise<void> {
  const port = Number(new URL(url).port);
  const lanes = await Promise.all(Array.from({ length: concurrency }, () => lane(port)));
  const requests = Array.from({ length: n }, (_, i) => {
    const body = JSON.stringify(serviceBody(prefix, i, 0));
    return Buffer.from(
      `PUT /v1/services/${prefix}${i} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    lanes.map(async (send) => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        const [status, body] = await send(requests[i] as Buffer);
        if (status !== 201) throw new Error(`write ${i}: ${status} ${body.slice(0, 200)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(n - 1, Math.floor(p * n))] ?? NaN;
  const result: LoadResult = {
    seconds,
    p50: at(0.5),
    p99: at(0.99),
    cpuMs: (used.user + used.system) / 1000 / n,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

/** Runs the load generator as its own process; adds the control plane's CPU per event. */
async function singleWrites(
  url: string,
  cpPid: number,
  n: number,
  prefix: string,
  concurrency: number,
): Promise<LoadResult & { eventsPerSecond: number; cpCpuMs: number }> {
  const cpBefore = cpuSecondsOf(cpPid);
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), LOAD_GENERATOR, url, String(n), prefix, String(concurrency)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`the load generator failed (exit ${code})`);
  const r = JSON.parse(out) as LoadResult;
  const cpCpuMs = ((cpuSecondsOf(cpPid) - cpBefore) * 1000) / n;
  return { ...r, eventsPerSecond: n / r.seconds, cpCpuMs };
}

async function bulkSync(url: string, doc: unknown): Promise<{ seconds: number; events: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/inventory?prune=false`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(doc),
  });
  const body = (await res.json()) as { events?: unknown[]; error?: unknown };
  if (res.status !== 200)
    throw new Error(`sync: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { seconds: (performance.now() - started) / 1000, events: body.events?.length ?? 0 };
}

/** Runs the bench against a fresh server; returns the rows (nothing is printed). */
export async function run(): Promise<Row[]> {
  const server = await startJetStream();
  const nc = await connect(server.connectOptions);
  let cp: ChildProcess | null = null;
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    const events = wantedStreamConfigs()[0];
    if (events === undefined) throw new Error("no events stream configuration");
    await jsm.streams.add({ ...events, name: RAW_STREAM, subjects: ["bench.evt.>"] });
    const raw = rawEvents(2 * BULK_SERVICES);
    await rawPublish(js, jsm, raw.slice(0, WARM_UP), "w"); // JIT and connection warm-up
    const started = await startControlPlaneProcess(
      server.url,
      server.connectOptions.user,
      server.connectOptions.pass,
    );
    cp = started.child;
    const cpPid = cp.pid ?? 0;
    // The control plane's warm-up, like the raw publisher's above. Reported apart
    // (cold), not in the measured runs.
    const cold = await singleWrites(started.url, cpPid, WARM_UP, "w", CONCURRENCY);
    // The machine may be shared: each API figure is compared with raw figures
    // measured right before and right after it (their mean).
    const some = raw.slice(0, SINGLE_WRITES);
    const r16a = await rawPublish(js, jsm, some, "c", CONCURRENCY);
    const r64a = await rawPublish(js, jsm, some, "e", PEAK_CONCURRENCY);
    const r1 = await rawPublish(js, jsm, raw, "r");
    const single = await singleWrites(started.url, cpPid, SINGLE_WRITES, "s", CONCURRENCY);
    const peak = await singleWrites(started.url, cpPid, SINGLE_WRITES, "m", PEAK_CONCURRENCY);
    const r2 = await rawPublish(js, jsm, raw, "q");
    const r64b = await rawPublish(js, jsm, some, "f", PEAK_CONCURRENCY);
    const r16b = await rawPublish(js, jsm, some, "d", CONCURRENCY);
    const doc = {
      services: Array.from({ length: BULK_SERVICES }, (_, i) => serviceBody("b", i, 2)),
    };
    const bulk = await bulkSync(started.url, doc);
    const r3 = await rawPublish(js, jsm, raw, "s");
    const again = await bulkSync(started.url, doc);
    if (again.events !== 0) throw new Error(`the re-sync published ${again.events} events`);
    const raw16 = (r16a.rate + r16b.rate) / 2;
    const raw64 = (r64a.rate + r64b.rate) / 2;
    const pipelined = (r1.rate + r2.rate) / 2;
    const bulkBaseline = (r2.rate + r3.rate) / 2;
    const bulkRate = bulk.events / bulk.seconds;
    const row = (metric: string, value: number, unit: string, extra: Partial<Row> = {}): Row => ({
      bench: BENCH,
      metric,
      value,
      unit,
      ...extra,
    });
    const vsRaw = (baseline: number, value: number): Partial<Row> => ({
      baseline,
      ratio: value / baseline,
      target: "≥ 0.5",
      pass: value / baseline >= 0.5,
    });
    const info = (baseline: number, value: number): Partial<Row> => ({
      baseline,
      ratio: value / baseline,
    });
    const writes = `${SINGLE_WRITES} PUT /v1/services, log level info`;
    /** A single-write run's rows: its rate, its ratios (judged against the target or not), latency, CPU. */
    const clientRows = (
      r: LoadResult & { eventsPerSecond: number; cpCpuMs: number },
      clients: number,
      against: readonly { baseline: number; against: string; judged: boolean }[],
    ): Row[] => [
      row(`api single writes, ${clients} clients (${writes})`, r.eventsPerSecond, "events/s"),
      ...against.map((a) =>
        row(
          `api single writes, ${clients} clients / ${a.against}`,
          r.eventsPerSecond / a.baseline,
          "× raw",
          (a.judged ? vsRaw : info)(a.baseline, r.eventsPerSecond),
        ),
      ),
      row(`api single write latency p50, ${clients} clients`, r.p50, "ms"),
      row(`api single write latency p99, ${clients} clients`, r.p99, "ms"),
      row(
        `control plane CPU per single write, ${clients} clients (user + system)`,
        r.cpCpuMs,
        "ms",
      ),
    ];

    return [
      row(
        `raw jetstream publish (${raw.length} events, ${WINDOW} in flight, the API's bytes and guards, own stream; nats ${server.backend})`,
        (r1.rate + r2.rate + r3.rate) / 3,
        "events/s",
      ),
      row(
        `raw jetstream publish, ${CONCURRENCY} in flight (${SINGLE_WRITES} events)`,
        raw16,
        "events/s",
      ),
      row(
        `raw jetstream publish, ${PEAK_CONCURRENCY} in flight (${SINGLE_WRITES} events)`,
        raw64,
        "events/s",
      ),
      row(
        "raw publisher CPU per event (pipelined; node client)",
        (r1.cpuMs + r2.cpuMs + r3.cpuMs) / 3,
        "ms",
      ),
      ...clientRows(peak, PEAK_CONCURRENCY, [
        { baseline: pipelined, against: "raw pipelined (peak against peak)", judged: true },
        {
          baseline: raw64,
          against: `raw at ${PEAK_CONCURRENCY} in flight`,
          judged: false,
        },
      ]),
      ...clientRows(single, CONCURRENCY, [
        {
          baseline: raw16,
          against: `raw at ${CONCURRENCY} in flight (equal concurrency)`,
          judged: true,
        },
        {
          baseline: pipelined,
          against: `raw pipelined (no target: ${CONCURRENCY} against ${WINDOW} in flight)`,
          judged: false,
        },
      ]),
      row(
        `load generator CPU per single write, ${CONCURRENCY} clients (own process, raw sockets)`,
        single.cpuMs,
        "ms",
      ),
      row(
        `api single writes of a cold process (the ${WARM_UP} warm-up writes right after start, ${CONCURRENCY} clients)`,
        cold.eventsPerSecond,
        "events/s",
      ),
      row(
        `api bulk sync (${BULK_SERVICES} services × 2 endpoints = ${bulk.events} events)`,
        bulkRate,
        "events/s",
      ),
      row(
        "api bulk sync / raw (pipelined raw, measured before and after)",
        bulkRate / bulkBaseline,
        "× raw",
        vsRaw(bulkBaseline, bulkRate),
      ),
      row(
        `api bulk sync wall time (${BULK_SERVICES} services, request to answer)`,
        bulk.seconds,
        "s",
      ),
      row(`api re-sync of the same ${BULK_SERVICES} services (no event)`, again.seconds, "s"),
    ];
  } finally {
    cp?.kill("SIGTERM");
    await nc.close();
    await server.stop();
  }
}

if (process.argv[2] === LOAD_GENERATOR) {
  await loadGenerator(
    process.argv[3] ?? "",
    Number(process.argv[4]),
    Number(process.argv[6] ?? CONCURRENCY),
    process.argv[5] ?? "s",
  );
} else if (import.meta.url === `file://${process.argv[1]}`) {
  report(await run());
}
