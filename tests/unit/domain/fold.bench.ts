// Benchmark of the fold (not a test: the unit runner only picks *.unit.test.ts).
//
//   node tests/unit/domain/fold.bench.ts [events=1000000] [services=10000]
//
// Folds a synthetic stream (services, endpoints and policies, consecutive versions,
// no anomalies) with foldEvents, then measures inventoryOf, the pure evolve at that
// size, and decodeEvent throughput. Prints a table and one JSON line.
import assert from "node:assert/strict";
import type { EndpointsSpec, PolicySpec, ServiceSpec } from "../../../libs/domain/model.ts";
import { evolve, foldEvents, inventoryOf } from "../../../libs/domain/state.ts";
import {
  validateEndpoints,
  validatePolicy,
  validateService,
} from "../../../libs/domain/validate.ts";
import { decodeEvent, encodeEvent } from "../../../libs/events/codec.ts";
import type { EventBody, LbEvent, StoredEvent } from "../../../libs/events/event.ts";

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const SERVICES = Number(process.argv[3] ?? 10_000);
const POLICIES = Math.max(1, Math.floor(SERVICES / 10));

function ok<T>(r: { ok: true; value: T } | { ok: false; problems: unknown }): T {
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

const v4 = (n: number, base: number): string =>
  `${base}.${(n >> 8) & 255}.${n & 255}.${1 + (n % 250)}`;
const services: ServiceSpec[] = [];
const endpoints: EndpointsSpec[] = [];
for (let i = 0; i < SERVICES; i++) {
  const id = `svc-${i}`;
  services.push(
    ok(validateService({ id, vips: [`2001:db8::${i.toString(16)}`], ports: [{ port: 80 }] })),
  );
  endpoints.push(
    ok(
      validateEndpoints({
        serviceId: id,
        endpoints: [0, 1, 2, 3].map((k) => ({
          address: `2001:db8:1::${(i * 4 + k).toString(16)}`,
        })),
      }),
    ),
  );
}
const policies: PolicySpec[] = [];
for (let i = 0; i < POLICIES; i++) {
  policies.push(
    ok(
      validatePolicy({
        id: `pol-${i}`,
        targets: [v4(i, 10)],
        ingress: [{ from: [{ cidr: "198.51.100.0/24" }] }],
      }),
    ),
  );
}

// Build the stream: 40 % service upserts, 50 % endpoint replacements, 10 % policies.
const versions = {
  service: new Uint32Array(SERVICES),
  endpoints: new Uint32Array(SERVICES),
  policy: new Uint32Array(POLICIES),
};
const stream: StoredEvent[] = new Array<StoredEvent>(EVENTS);
// mulberry32: a small seeded PRNG whose low bits are usable (an LCG's are not).
let rnd = 42;
const next = (): number => {
  rnd = (rnd + 0x6d2b79f5) | 0;
  let x = Math.imul(rnd ^ (rnd >>> 15), 1 | rnd);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return (x ^ (x >>> 14)) >>> 0;
};
for (let seq = 1; seq <= EVENTS; seq++) {
  const roll = next() % 10;
  const kind = roll < 4 ? "service" : roll < 9 ? "endpoints" : "policy";
  const n = next() % (kind === "policy" ? POLICIES : SERVICES);
  const version = ++versions[kind][n]!;
  const body: EventBody =
    kind === "service"
      ? { type: "ServiceUpserted", spec: services[n]! }
      : kind === "endpoints"
        ? { type: "EndpointsReplaced", spec: endpoints[n]! }
        : { type: "PolicyUpserted", spec: policies[n]! };
  const id = kind === "policy" ? `pol-${n}` : `svc-${n}`;
  const event: LbEvent = {
    meta: {
      eventId: `e${seq}`,
      kind,
      id,
      group: "default",
      version,
      schemaVersion: 2,
      occurredAt: seq,
      actor: "bench",
      reason: "",
      correlationId: "",
    },
    body,
  };
  stream[seq - 1] = { seq, event };
}

globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
let t = performance.now();
const state = foldEvents(stream);
const foldMs = performance.now() - t;
const heapAfter = process.memoryUsage().heapUsed;
assert.equal(state.lastSeq, EVENTS);
assert.equal(state.anomalies.length, 0);

t = performance.now();
const inv = inventoryOf(state);
const inventoryMs = performance.now() - t;

const EVOLVES = 200;
t = performance.now();
let s = state as ReturnType<typeof evolve>;
for (let i = 0; i < EVOLVES; i++) {
  const e = stream[i]!;
  s = evolve(s, { seq: EVENTS + 1 + i, event: e.event });
}
const evolveMs = (performance.now() - t) / EVOLVES;

const DECODES = Math.min(EVENTS, 100_000);
const encoded = stream.slice(0, DECODES).map((e) => encodeEvent(e.event));
t = performance.now();
for (const b of encoded) decodeEvent(b);
const decodeMs = performance.now() - t;

const result = {
  events: EVENTS,
  services: SERVICES,
  policies: POLICIES,
  foldMs: Math.round(foldMs),
  foldEventsPerSec: Math.round(EVENTS / (foldMs / 1000)),
  foldHeapDeltaMB: Math.round((heapAfter - heapBefore) / 2 ** 20),
  inventoryOfMs: Math.round(inventoryMs * 10) / 10,
  inventoryServices: inv.services.length,
  evolveMsPerEventAtSize: Math.round(evolveMs * 100) / 100,
  decodeEventsPerSec: Math.round(DECODES / (decodeMs / 1000)),
  node: process.version,
};
console.table(result);
console.log(JSON.stringify(result));
