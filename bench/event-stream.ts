// A large LBAAS_EVENTS stream for benchmarks, generated once and cached.
//
// Shape (defaults): 10,000 services in one group, 50 rounds; each round writes an
// upsert of every service and of its 4 endpoints (2 events per service per round:
// 1,000,000 events); in the last round every 10th service is deleted instead. Events
// are real codec bytes with the headers the control plane sends (`Nats-Msg-Id`,
// `Lbaas-Version`, `Lbaas-Event-Type`), so reading costs what a real stream costs.
//
// Publishing: async publishes in windows of 4,000 (~1 min for 1M on a small VM).
// The server's store lives in `.bench/event-stream/<key>/store`, where <key> names
// every parameter and the generator's version: a second run (any bench using the
// same parameters) spawns nats-server on the kept store and publishes nothing.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { headers as natsHeaders, connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { ensureStreams } from "../libs/bus/streams.ts";
import type { ServiceSpec } from "../libs/domain/model.ts";
import { encodeEvent } from "../libs/events/codec.ts";
import { messageIdOf, subjectOf, type EventBody, type LbEvent } from "../libs/events/event.ts";
import { spawnNatsServer, stopNatsProcess, type NatsProcess } from "../tests/harness/nats.ts";

/** Bump when the generated content changes: old caches are then ignored. */
const GENERATOR_VERSION = 1;

export interface EventStreamParams {
  readonly services: number;
  readonly rounds: number;
  readonly group: string;
}

export const DEFAULT_EVENT_STREAM: EventStreamParams = {
  services: 10_000,
  rounds: 50,
  group: "bench",
};

/** A running server holding the generated stream. */
export interface EventStream {
  readonly params: EventStreamParams;
  readonly server: NatsProcess;
  readonly nc: NatsConnection;
  /** Stream sequence of the last generated event. */
  readonly head: number;
  readonly events: number;
  /** True when the store was reused from an earlier run. */
  readonly reused: boolean;
  stop(): Promise<void>;
}

/** `<group>-<services>svc-<rounds>r-g<version>`: the cache key. */
export function streamKey(p: EventStreamParams): string {
  return `${p.group}-${p.services}svc-${p.rounds}r-g${GENERATOR_VERSION}`;
}

function serviceSpec(p: EventStreamParams, i: number, round: number): ServiceSpec {
  return {
    id: `svc-${i}`,
    group: p.group,
    vips: [`203.0.113.${(i % 250) + 1}`],
    // Unique vip:port per service in every round (250 vips × ports spaced by 10).
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
  p: EventStreamParams,
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
      group: p.group,
      version,
      schemaVersion: 2,
      occurredAt: 1_767_225_600_000 + version,
      actor: "bench",
      reason: "generated",
      correlationId: `req-${i}-${version}`,
    },
    body,
  };
}

/** The two events of service `i` in round `r` (0-based), as [event, subject]. */
export function* roundEvents(p: EventStreamParams, i: number, r: number): Generator<LbEvent> {
  const version = r + 1;
  const deleted = r === p.rounds - 1 && i % 10 === 0;
  yield eventOf(
    p,
    "service",
    i,
    version,
    deleted ? { type: "ServiceDeleted" } : { type: "ServiceUpserted", spec: serviceSpec(p, i, r) },
  );
  const endpoints = [0, 1, 2, 3].map((k) => ({
    address: `192.0.2.${((i + r + k * 60) % 250) + 1}`,
    port: null,
    weight: 1,
    state: "ready" as const,
  }));
  yield eventOf(p, "endpoints", i, version, {
    type: "EndpointsReplaced",
    spec: {
      serviceId: `svc-${i}`,
      group: p.group,
      endpoints: endpoints.sort((a, b) => (a.address < b.address ? -1 : 1)),
    },
  });
}

async function generate(
  js: JetStreamClient,
  p: EventStreamParams,
  log: (line: string) => void,
): Promise<number> {
  const started = performance.now();
  let inFlight: Promise<PubAck>[] = [];
  let head = 0;
  let count = 0;
  for (let r = 0; r < p.rounds; r++) {
    for (let i = 0; i < p.services; i++) {
      for (const ev of roundEvents(p, i, r)) {
        const { kind, id, group, version } = ev.meta;
        const h = natsHeaders();
        h.set("Lbaas-Version", String(version));
        h.set("Lbaas-Event-Type", ev.body.type);
        inFlight.push(
          js.publish(subjectOf(kind, group, id), encodeEvent(ev), {
            msgID: messageIdOf(kind, group, id, version),
            headers: h,
            timeout: 60_000,
          }),
        );
        count++;
      }
      if (inFlight.length >= 4_000) {
        for (const ack of await Promise.all(inFlight)) head = Math.max(head, ack.seq);
        inFlight = [];
      }
    }
    if ((r + 1) % 10 === 0)
      log(`generated ${count} events (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  for (const ack of await Promise.all(inFlight)) head = Math.max(head, ack.seq);
  return head;
}

/**
 * Starts nats-server on the cached store for `params` (generating the stream first
 * when there is no complete cache) and connects. Progress lines go to `log`.
 * Call `stop()` at the end: it closes the connection and stops the server (the
 * store stays for the next run). Failures: server start or publish errors; a
 * failed generation leaves no marker, so the next run starts over.
 */
export async function openEventStream(
  params: EventStreamParams = DEFAULT_EVENT_STREAM,
  log: (line: string) => void = (line) => process.stderr.write(`  ${line}\n`),
): Promise<EventStream> {
  const dir = fileURLToPath(
    new URL(`../.bench/event-stream/${streamKey(params)}/`, import.meta.url),
  );
  const marker = `${dir}complete.json`;
  const reused = existsSync(marker);
  if (!reused) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await spawnNatsServer(
    ["-js", "-a", "127.0.0.1", "-p", "-1", "-sd", `${dir}store`],
    dir,
  );
  const nc = await connect({ servers: server.url, name: "bench event-stream" });
  const stop = async (): Promise<void> => {
    await nc.close();
    await stopNatsProcess(server.child);
  };
  try {
    await ensureStreams(await jetstreamManager(nc));
    let head: number;
    if (reused) {
      head = (JSON.parse(readFileSync(marker, "utf8")) as { head: number }).head;
      log(`reusing the generated stream ${streamKey(params)} (head ${head})`);
    } else {
      log(`generating ${params.services * params.rounds * 2} events into ${dir}store (once)`);
      head = await generate(jetstream(nc), params, log);
      writeFileSync(marker, JSON.stringify({ head, params }));
    }
    return { params, server, nc, head, events: params.services * params.rounds * 2, reused, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
