// A new-connection-rate load tool, run inside the client namespace:
//
//   ip netns exec NS node tests/harness/traffic-rate.ts '<RateRequest JSON>'
//
// `concurrency` lanes each open a TCP connection, send "hello", read the
// backend's reply, reset the connection, and start over, for `warmupSeconds + seconds`. Only
// connections completed inside the measured window count. Prints one RateResult
// JSON line. Every connection is new, so each one's first packet walks the
// gateway's nat chains: the figure is the gateway's new-flow rate as far as the
// client and backends (Node, same machine) can drive it.
import { connect } from "node:net";

/** What to measure. */
export interface RateRequest {
  readonly host: string;
  readonly port: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: number;
  /** Per-connection give-up time in ms (default 2000). */
  readonly timeoutMs?: number;
}

/** What was measured. */
export interface RateResult {
  readonly completed: number;
  readonly failed: number;
  /** Connections completed over the whole run, warm-up included. */
  readonly completedTotal: number;
  /** CPU time (user + system) this client process used over the whole run, in ms. */
  readonly clientCpuMs: number;
  readonly seconds: number;
  /** Completed connections per second in the measured window. */
  readonly rate: number;
  /** Connection latency percentiles (connect → reply) in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** First error codes seen, with counts. */
  readonly errors: Readonly<Record<string, number>>;
}

const request = JSON.parse(process.argv[2] ?? "null") as RateRequest | null;
if (!request) {
  process.stderr.write("usage: traffic-rate.ts '<RateRequest JSON>'\n");
  process.exit(2);
}
const { host, port, concurrency, timeoutMs = 2000 } = request;
const start = performance.now();
const windowStart = start + request.warmupSeconds * 1000;
const windowEnd = windowStart + request.seconds * 1000;
const latencies: number[] = [];
const errors: Record<string, number> = {};
let completed = 0;
let completedTotal = 0;
const cpuStart = process.cpuUsage();
let failed = 0;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let settled = false;
    const socket = connect({ host, port });
    const settle = (code: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Close with RST: no TIME_WAIT on either side, so tens of thousands of
      // connections per second never collide with an old 4-tuple.
      if (code === null) socket.resetAndDestroy();
      else socket.destroy();
      const t1 = performance.now();
      if (code === null) completedTotal++;
      if (t1 >= windowStart && t1 < windowEnd) {
        if (code === null) {
          completed++;
          latencies.push(t1 - t0);
        } else {
          failed++;
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
      resolve();
    };
    const timer = setTimeout(() => settle("timeout"), timeoutMs);
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write("hello\n"));
    socket.on("data", () => settle(null));
    socket.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? "error"));
    socket.on("close", () => settle("closed_without_reply"));
  });
}

async function lane(): Promise<void> {
  while (performance.now() < windowEnd) await once();
}

await Promise.all(Array.from({ length: concurrency }, lane));
latencies.sort((a, b) => a - b);
const pick = (q: number): number => latencies[Math.floor(q * (latencies.length - 1))] ?? 0;
const cpu = process.cpuUsage(cpuStart);
const result: RateResult = {
  completed,
  failed,
  completedTotal,
  clientCpuMs: (cpu.user + cpu.system) / 1000,
  seconds: request.seconds,
  rate: completed / request.seconds,
  p50Ms: pick(0.5),
  p99Ms: pick(0.99),
  errors,
};
process.stdout.write(JSON.stringify(result) + "\n");
