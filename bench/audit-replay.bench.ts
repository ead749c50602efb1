// Audit replay throughput over 1,000,000 events (bench/event-stream.ts: 10,000
// services × 50 rounds × {service, endpoints}), beside raw consumption of the same
// stream in the same run:
//  - raw: the NATS client alone (an ordered consumer, 2,000-message pulls, as
//    libs/bus reads) iterating every message and touching nothing;
//  - bus: libs/bus `replay` iterating every message (async iterator, a BusMessage each);
//  - bus each: libs/bus `replayEach`, the callback read audit replay uses (one reused
//    view, the client's callback delivery), visiting every message and touching nothing;
//  - audit replay: `replayState` to the head — read, decode (structurally), fold
//    every event, then validate the surviving specs (the `lbaas state --at` path);
//  - verify (informative): the same walk with full re-validation of every event.
// Every path reads the stream from one ordered consumer on one connection, in this
// process (no partitioning, no worker threads).
// Runs alternate (raw, bus, bus each, audit, order rotated) × 3 rounds (BENCH_AUDIT_ROUNDS);
// medians reported, and the ratio as the median of per-round ratios, so load from
// other jobs on a shared machine hits both sides of a ratio alike.
// Targets: audit replay ≥ 0.5× raw and ≥ 100,000 events/s.
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { replay, replayEach } from "../libs/bus/read.ts";
import { EVENTS_STREAM, EVENTS_SUBJECTS } from "../libs/bus/streams.ts";
import { StreamVerifier } from "../libs/audit/verify.ts";
import { replayState } from "../services/audit/replay-state.ts";
import { openEventStream } from "./event-stream.ts";
import { median, report, type BenchRow } from "./result.ts";

const bench = "audit-replay";
const ROUNDS = Number(process.env["BENCH_AUDIT_ROUNDS"] ?? 3);

const stream = await openEventStream();
const js = jetstream(stream.nc);
const jsm = await jetstreamManager(stream.nc);
const deps = { js, jsm };
const head = stream.head;

async function raw(): Promise<number> {
  const consumer = await js.consumers.get(EVENTS_STREAM, {
    filter_subjects: EVENTS_SUBJECTS,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 2_000, expires: 10_000 });
  let n = 0;
  for await (const m of messages) {
    n++;
    if (m.seq >= head) break;
  }
  await messages.close();
  await consumer.delete().catch(() => undefined);
  return n;
}

async function bus(): Promise<number> {
  let n = 0;
  for await (const m of replay(js, EVENTS_STREAM, EVENTS_SUBJECTS, { toSeq: head }))
    if (m.seq > 0) n++;
  return n;
}

async function busEach(): Promise<number> {
  let n = 0;
  await replayEach(js, EVENTS_STREAM, EVENTS_SUBJECTS, { toSeq: head }, (m) => {
    if (m.seq > 0) n++;
  });
  return n;
}

async function audit(): Promise<number> {
  const p = await replayState(deps, { seq: head }, EVENTS_SUBJECTS);
  const live = [...p.state.services.values()].filter((r) => r.spec !== null).length;
  const expected = stream.params.services - stream.params.services / 10;
  if (live !== expected || p.skipped.items.length > 0)
    throw new Error(
      `audit replay folded ${live} live services (want ${expected}), ${p.skipped.items.length} skipped`,
    );
  return p.events;
}

async function verify(): Promise<number> {
  const v = new StreamVerifier();
  for await (const m of replay(js, EVENTS_STREAM, EVENTS_SUBJECTS, { toSeq: head })) v.add(m);
  const r = v.finish();
  if (!r.ok)
    throw new Error(`verify found ${r.findings.length} findings: ${r.findings[0]?.message}`);
  return r.events;
}

async function rate(run: () => Promise<number>): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const n = await run();
  const s = (performance.now() - t0) / 1000;
  if (n !== stream.events) throw new Error(`read ${n} events, want ${stream.events}`);
  return n / s;
}

const rates: Record<"raw" | "bus" | "busEach" | "audit", number[]> = {
  raw: [],
  bus: [],
  busEach: [],
  audit: [],
};
const runs = [
  ["raw", raw],
  ["bus", bus],
  ["busEach", busEach],
  ["audit", audit],
] as const;
for (let round = 1; round <= ROUNDS; round++) {
  // Rotate the order so no run always follows the same one.
  const k = round % runs.length;
  const order = [...runs.slice(k), ...runs.slice(0, k)];
  for (const [name, run] of order) {
    const r = await rate(run);
    rates[name].push(r);
    process.stderr.write(`  round ${round} ${name}: ${Math.round(r)} events/s\n`);
  }
}
const verifyRate = await rate(verify);
await stream.stop();

const rawRate = median(rates.raw);
const auditRate = median(rates.audit);
// Paired per round (the two ran back to back): robust to load that drifts between rounds.
const ratio = median(rates.audit.map((a, i) => a / (rates.raw[i] ?? NaN)));
const n = `${(stream.events / 1e6).toFixed(0)}M events`;
const rows: BenchRow[] = [
  {
    bench,
    metric: `raw consumption, nats client only (${n}, median of ${ROUNDS})`,
    value: rawRate,
    unit: "events/s",
  },
  {
    bench,
    metric: `libs/bus replay, async iterator only (${n})`,
    value: median(rates.bus),
    unit: "events/s",
  },
  {
    bench,
    metric: `libs/bus replayEach, callback visit only (${n})`,
    value: median(rates.busEach),
    unit: "events/s",
  },
  {
    bench,
    metric: `audit replay: read + decode + fold to state (${n}, 1 consumer, in process)`,
    value: auditRate,
    unit: "events/s",
    target: "≥ 100,000 events/s",
    pass: auditRate >= 100_000,
  },
  {
    bench,
    metric: "audit replay / raw consumption (median of per-round ratios)",
    value: ratio,
    unit: "ratio",
    target: "≥ 0.5",
    pass: ratio >= 0.5,
  },
  {
    bench,
    metric: `audit verify: full decode + validation of every event (${n}, 1 run)`,
    value: verifyRate,
    unit: "events/s",
  },
];
report(rows);
