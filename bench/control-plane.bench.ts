// Control-plane throughput: events accepted per second through the HTTP API (single
// writes at concurrency 16, and one bulk sync of 10,000 services), beside raw
// JetStream publish throughput measured in the same run on the same server with the
// same message bytes (async publishes with a message id and an expected subject
// sequence, 1,024 in flight). Target: API ≥ 0.5× raw. Also p50/p99 of a single write.
//
// The control plane runs as its own process (bin/lbaas-control-plane.ts) so the load
// generator does not share its event loop. Run by `npm run bench` (bench/run.ts) or
// alone: `node bench/control-plane.bench.ts` (rows on stdout as JSON, readable on
// stderr). Rows are bench/result.ts's {bench, metric, value, unit, target?, pass?} plus
// {baseline?, ratio?}. Needs no root: only a nats-server (or Docker) from the harness.
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { connect, headers } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
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
const SINGLE_WRITES = Number(process.env["BENCH_CP_SINGLE"] ?? 4_000);
const CONCURRENCY = 16;
const BULK_SERVICES = Number(process.env["BENCH_CP_BULK"] ?? 10_000);
const WINDOW = 1_024;

const hex = (n: number): string => n.toString(16);

function serviceBody(prefix: string, i: number, endpoints: number): Record<string, unknown> {
  return {
    id: `${prefix}${i}`,
    vips: [`2001:db8:${prefix === "b" ? "b" : "a"}::${hex(i + 1)}`],
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

/** Encoded events of the same shape and size as the API's, for the raw baseline. */
function rawEvents(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = validateService(serviceBody("r", i, 0));
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const ev: LbEvent = {
      meta: {
        eventId: crypto.randomUUID(),
        kind: "service",
        id: `r${i}`,
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
    out.push(encodeEvent(ev));
  }
  return out;
}

/** The raw baseline's stream: LBAAS_EVENTS's configuration, other name and subjects
 * (so the control plane's follower does not read the raw traffic). */
const RAW_STREAM = "BENCH_RAW";

/** Raw pipelined publishes: msgID, expected last subject sequence 0, stream name. */
async function rawPublish(
  js: JetStreamClient,
  data: readonly Uint8Array[],
  prefix: string,
  window = WINDOW,
): Promise<number> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < data.length; i++) {
    const h = headers();
    h.set("Lbaas-Event-Type", "ServiceUpserted");
    h.set("Lbaas-Version", "1");
    pending.push(
      js.publish(`lbaas.evt.raw.service.${prefix}${i}`, data[i], {
        msgID: `raw.service.${prefix}${i}.v1`,
        headers: h,
        expect: { lastSubjectSequence: 0, streamName: "LBAAS_EVENTS" },
      }),
    );
    // Same windowing as the control plane: refill half a window at a time (a window
    // of 16 is 16 independent writers: refilled one by one).
    if (pending.length >= window)
      await pending[pending.length - (window > 64 ? window / 2 : window)];
  }
  await Promise.all(pending);
  return data.length / ((performance.now() - started) / 1000);
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
  const child = spawn(
    process.execPath,
    [bin, "--nats", natsUrl, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"],
    {
      stdio: ["ignore", "ignore", "inherit"],
      // Credentials through the environment, never on the command line.
      env: {
        ...process.env,
        ...(user !== undefined && pass !== undefined
          ? { NATS_USER: user, NATS_PASSWORD: pass }
          : {}),
      },
    },
  );
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

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One HTTP request with a keep-alive agent (cheaper for the load generator than fetch). */
function send(
  url: string,
  method: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function singleWrites(
  url: string,
): Promise<{ eventsPerSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= SINGLE_WRITES) return;
        const t0 = performance.now();
        const res = await send(
          `${url}/v1/services/s${i}`,
          "PUT",
          JSON.stringify(serviceBody("s", i, 0)),
        );
        if (res.status !== 201)
          throw new Error(`write ${i}: ${res.status} ${res.text.slice(0, 200)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    eventsPerSecond: SINGLE_WRITES / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function bulkSync(url: string, doc: unknown): Promise<{ seconds: number; events: number }> {
  const started = performance.now();
  const res = await send(`${url}/v1/inventory?prune=false`, "PUT", JSON.stringify(doc));
  const body = JSON.parse(res.text) as { events?: unknown[]; error?: unknown };
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
    await jsm.streams.add({ ...events, name: RAW_STREAM, subjects: ["bench.raw.>"] });
    const raw = rawEvents(2 * BULK_SERVICES);
    await rawPublish(js, raw.slice(0, 2_000), "warm"); // JIT and connection warm-up
    // The machine may be shared: each API figure is compared with raw figures
    // measured right before and right after it (their mean).
    const started = await startControlPlaneProcess(
      server.url,
      server.connectOptions.user,
      server.connectOptions.pass,
    );
    cp = started.child;
    const r16a = await rawPublish(js, raw.slice(0, SINGLE_WRITES), "c", CONCURRENCY);
    const r1 = await rawPublish(js, raw, "r");
    const single = await singleWrites(started.url);
    const r2 = await rawPublish(js, raw, "q");
    const r16b = await rawPublish(js, raw.slice(0, SINGLE_WRITES), "d", CONCURRENCY);
    const doc = {
      services: Array.from({ length: BULK_SERVICES }, (_, i) => serviceBody("b", i, 2)),
    };
    const bulk = await bulkSync(started.url, doc);
    const r3 = await rawPublish(js, raw, "s");
    const again = await bulkSync(started.url, doc);
    const raw16 = (r16a + r16b) / 2;
    const baseline = (r1 + r2 + r3) / 3;
    const singleBaseline = (r1 + r2) / 2;
    const bulkBaseline = (r2 + r3) / 2;
    const bulkRate = bulk.events / bulk.seconds;
    const singleRatio = single.eventsPerSecond / singleBaseline;
    const bulkRatio = bulkRate / bulkBaseline;
    const rows: Row[] = [
      {
        bench: BENCH,
        metric: `raw jetstream publish (${raw.length} events, ${WINDOW} in flight, msgID + expected seq, a stream configured like LBAAS_EVENTS; nats ${server.backend})`,
        value: baseline,
        unit: "events/s",
      },
      {
        bench: BENCH,
        metric: `api single writes (${SINGLE_WRITES} PUT /v1/services, concurrency ${CONCURRENCY})`,
        value: single.eventsPerSecond,
        unit: "events/s",
      },
      {
        bench: BENCH,
        metric: "api single writes / raw (pipelined raw, measured before and after)",
        value: singleRatio,
        unit: "× raw",
        baseline: singleBaseline,
        ratio: singleRatio,
        target: "≥ 0.5",
        pass: singleRatio >= 0.5,
      },
      {
        bench: BENCH,
        metric: `raw jetstream publish, ${CONCURRENCY} in flight (${SINGLE_WRITES} events)`,
        value: raw16,
        unit: "events/s",
      },
      {
        bench: BENCH,
        metric: `api single writes / raw at ${CONCURRENCY} in flight`,
        value: single.eventsPerSecond / raw16,
        unit: "× raw",
        baseline: raw16,
        ratio: single.eventsPerSecond / raw16,
      },
      { bench: BENCH, metric: "api single write latency p50", value: single.p50, unit: "ms" },
      { bench: BENCH, metric: "api single write latency p99", value: single.p99, unit: "ms" },
      {
        bench: BENCH,
        metric: `api bulk sync (${BULK_SERVICES} services × 2 endpoints = ${bulk.events} events)`,
        value: bulkRate,
        unit: "events/s",
      },
      {
        bench: BENCH,
        metric: "api bulk sync / raw (pipelined raw, measured before and after)",
        value: bulkRatio,
        unit: "× raw",
        baseline: bulkBaseline,
        ratio: bulkRatio,
        target: "≥ 0.5",
        pass: bulkRatio >= 0.5,
      },
      {
        bench: BENCH,
        metric: `api bulk sync wall time (${BULK_SERVICES} services, request to answer)`,
        value: bulk.seconds,
        unit: "s",
      },
      {
        bench: BENCH,
        metric: `api re-sync of the same ${BULK_SERVICES} services (no event)`,
        value: again.seconds,
        unit: "s",
      },
    ];
    if (again.events !== 0) throw new Error(`the re-sync published ${again.events} events`);
    return rows;
  } finally {
    cp?.kill("SIGTERM");
    agent.destroy();
    await nc.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  report(await run());
}
