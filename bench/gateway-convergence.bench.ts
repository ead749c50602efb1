// Convergence: from one API write (`PUT /v1/services/:id/endpoints` to the
// control plane process, bin/lbaas-control-plane.ts) to the moment EVERY
// gateway's ACK covering it has arrived on the status stream, p50 and p99, with
// 1, 10 and 100 gateways on this machine. Target: p99 ≤ 250 ms at 100.
//
// How the gateways run: real Gateway instances (bus edge, apply loop with the
// default coalescing of 50/200 ms, reports through the status outbox), each with
// its own NATS connection and ordered consumer, applying with libs/nft's Syncer
// over the in-memory FakeNft (no kernel: 100 kernels' worth of nft on 2 CPUs would
// measure nft, not the gateway). They are spread over worker processes (this file
// run with `worker`), at most 50 per process. The group holds 100 services.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type Msg } from "@nats-io/transport-node";
import { pino } from "pino";
import { lastSequence } from "../libs/bus/read.ts";
import { EVENTS_STREAM } from "../libs/bus/streams.ts";
import { decodeReport } from "../libs/events/codec.ts";
import { groupFilterOf } from "../libs/events/event.ts";
import { FakeNft } from "../libs/nft/fake.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../libs/nft/settings.ts";
import { Gateway } from "../services/gateway/gateway.ts";
import { nftDataplane } from "../services/gateway/nft-dataplane.ts";
import { STATUS_TYPE_HEADER } from "../services/gateway/status-outbox.ts";
import {
  freePort,
  makeTempDir,
  removeDir,
  spawnNatsServer,
  stopNatsProcess,
} from "../tests/harness/nats.ts";
import { report, type BenchRow } from "./result.ts";

const bench = "gateway-convergence";
const GROUP = "conv";
const SERVICES = 100;
const WRITES = 100;
const PER_PROCESS = 50;

if (process.argv[2] === "worker")
  await worker(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
else await main();

/** Runs gateways `conv-<from>` … `conv-<to - 1>` until stdin closes. */
async function worker(url: string, from: number, to: number): Promise<void> {
  const gateways: Gateway[] = [];
  const started: Promise<void>[] = [];
  for (let i = from; i < to; i++) {
    const nc = await connect({ servers: url, name: `bench gw ${i}` });
    const gw = new Gateway({
      identity: { gatewayId: `conv-${i}`, group: GROUP },
      nc,
      js: jetstream(nc),
      jsm: await jetstreamManager(nc, { checkAPI: false }),
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
        heartbeatMs: 10_000,
        driftCheckMs: 0,
        statusQueue: 1_000,
      },
      log: pino(
        { level: process.env["GW_CONV_LOG"] ?? "silent", base: { gw: i } },
        pino.destination(2),
      ),
      version: "bench",
    });
    gateways.push(gw);
    started.push(gw.start());
  }
  await Promise.all(started);
  process.stdout.write("ready\n");
  for await (const _ of createInterface({ input: process.stdin })) {
    // stdin closes when the main process is done
  }
  await Promise.all(gateways.map((g) => g.stop(200)));
  process.exit(0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const dir = makeTempDir("gw-conv");
  const server = await spawnNatsServer(
    ["-js", "-a", "127.0.0.1", "-p", "-1", "-m", "-1", "-sd", `${dir}/store`],
    dir,
  );
  const nc = await connect({ servers: server.url, name: "bench main" });

  // The control plane process, and the group's 100 services with 2 endpoints each.
  const cpPort = await freePort();
  const cpUrl = `http://127.0.0.1:${cpPort}`;
  const cpBin = fileURLToPath(new URL("../bin/lbaas-control-plane.ts", import.meta.url));
  const cp = spawn(
    process.execPath,
    [cpBin, "--nats", server.url, "--listen", `127.0.0.1:${cpPort}`, "--log-level", "warn"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  for (let i = 0; (await fetch(`${cpUrl}/readyz`).catch(() => null))?.status !== 200; i++) {
    if (i > 600) throw new Error("control plane not ready after 30 s");
    await sleep(50);
  }
  /** One API write; resolves with the stream sequence it created. */
  const write = async (path: string, body: unknown): Promise<void> => {
    const r = await fetch(`${cpUrl}${path}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`PUT ${path}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  };
  const endpoints = (n: number): { endpoints: { address: string }[] } => ({
    endpoints: [{ address: `192.0.2.${(n % 250) + 1}` }, { address: "198.51.100.7" }],
  });
  const services = Array.from({ length: SERVICES }, (_, i) => ({
    id: `svc-${i}`,
    group: GROUP,
    vips: [`203.0.113.${i + 1}`],
    ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    ...endpoints(i),
  }));
  await write(`/v1/inventory?group=${GROUP}`, { services, policies: [] });
  const jsm = await jetstreamManager(nc);
  const head = (): Promise<number> => lastSequence(jsm, EVENTS_STREAM, groupFilterOf(GROUP));

  // ACK arrivals: per gateway, the highest sequence ACKed.
  const acked = new Map<string, number>();
  let waiting: { seq: number; n: number; resolve: () => void } | null = null;
  const covered = (seq: number): number => [...acked.values()].filter((s) => s >= seq).length;
  nc.subscribe(`lbaas.status.${GROUP}.>`, {
    callback: (_e: Error | null, m: Msg) => {
      if (m.headers?.get(STATUS_TYPE_HEADER) !== "report") return;
      const r = decodeReport(m.data);
      if (!r.result.ok) return;
      acked.set(r.gatewayId, Math.max(acked.get(r.gatewayId) ?? 0, r.streamSequence));
      if (waiting !== null && covered(waiting.seq) >= waiting.n) waiting.resolve();
    },
  });

  const rows: BenchRow[] = [];
  const self = fileURLToPath(import.meta.url);
  let round = SERVICES;
  // GW_CONV_COUNTS="100" runs one size only; GW_CONV_WORKER_FLAGS passes node flags (e.g. --cpu-prof).
  const counts = (process.env["GW_CONV_COUNTS"] ?? "1,10,100").split(",").map(Number);
  const workerFlags = (process.env["GW_CONV_WORKER_FLAGS"] ?? "").split(" ").filter(Boolean);
  for (const n of counts) {
    acked.clear();
    const workers: ChildProcess[] = [];
    for (let from = 0; from < n; from += PER_PROCESS) {
      const to = Math.min(n, from + PER_PROCESS);
      const child = spawn(
        process.execPath,
        [...workerFlags, self, "worker", server.url, String(from), String(to)],
        { stdio: ["pipe", "pipe", "inherit"] },
      );
      workers.push(child);
    }
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) =>
            createInterface({ input: w.stdout! }).once("line", () => resolve()),
          ),
      ),
    );
    const ms: number[] = [];
    for (let k = 0; k < WRITES; k++) {
      round += 1;
      const id = `svc-${k % SERVICES}`;
      const t0 = performance.now();
      await write(`/v1/services/${id}/endpoints`, endpoints(round));
      const seq = await head(); // the write's event: nothing else writes meanwhile
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `write ${seq}: ${covered(seq)}/${n} gateways after 10 s; behind: ${JSON.stringify([...acked].filter(([, s]) => s < seq))}`,
              ),
            ),
          10_000,
        );
        waiting = { seq, n, resolve: () => (clearTimeout(timer), resolve()) };
        if (covered(seq) >= n) waiting.resolve();
      });
      waiting = null;
      ms.push(performance.now() - t0);
      await sleep(50 + Math.random() * 100); // separate writes: each is its own burst
    }
    for (const w of workers) w.stdin!.end();
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("exit", resolve))));
    ms.sort((a, b) => a - b);
    const p99 = percentile(ms, 99);
    const processes = Math.ceil(n / PER_PROCESS);
    const how = `${n} gateway${n === 1 ? "" : "s"}, ${processes} process${processes === 1 ? "" : "es"}, FakeNft`;
    rows.push({
      bench,
      metric: `API write → all ACKs, p50 (${how})`,
      value: percentile(ms, 50),
      unit: "ms",
    });
    rows.push({
      bench,
      metric: `API write → all ACKs, p90 (${how})`,
      value: percentile(ms, 90),
      unit: "ms",
    });
    rows.push({
      bench,
      metric: `API write → all ACKs, p99 (${how})`,
      value: p99,
      unit: "ms",
      ...(n === 100 ? { target: "≤ 250 ms", pass: p99 <= 250 } : {}),
    });
  }
  cp.kill("SIGTERM");
  await new Promise((resolve) => cp.once("exit", resolve));
  await nc.close();
  await stopNatsProcess(server.child);
  removeDir(dir);
  report(rows);
}
