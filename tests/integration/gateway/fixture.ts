// Shared set-up of the gateway integration tests: a real JetStream server with
// the streams, real nft in throwaway namespaces, in-process gateways whose
// reports are collected, and a publisher that appends events as the control
// plane does (optimistic concurrency per subject, deterministic message ids).
import { after, before } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { appendEvent } from "../../../libs/bus/append.ts";
import { isBusError } from "../../../libs/bus/errors.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import type { EndpointsSpec, Inventory, ServiceSpec } from "../../../libs/domain/model.ts";
import type { GatewayReport } from "../../../libs/events/status.ts";
import { checkDrift } from "../../../libs/nft/drift.ts";
import { rulesetHash } from "../../../libs/nft/hash.ts";
import { renderFull } from "../../../libs/nft/render/index.ts";
import type { Ruleset } from "../../../libs/nft/render/model.ts";
import { NftRunner } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { Gateway, type GatewayTiming } from "../../../services/gateway/gateway.ts";
import { nftDataplane } from "../../../services/gateway/nft-dataplane.ts";
import { startJetStream, type JetStreamServer } from "../../harness/nats.ts";
import type { Outgoing } from "../../unit/gateway/event-log.ts";

export interface BusFixture {
  server: JetStreamServer;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Starts a server with the streams and a connection before the file's tests; stops both after. */
export function useBus(): BusFixture {
  const f = {} as BusFixture;
  before(async () => {
    f.server = await startJetStream();
    f.nc = await connect({
      ...f.server.connectOptions,
      name: "gateway-int-test",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
    f.js = jetstream(f.nc);
    f.jsm = await jetstreamManager(f.nc);
    await ensureStreams(f.jsm);
  });
  after(async () => {
    await f.nc?.close();
    await f.server?.stop();
  });
  return f;
}

/** Appends events like the control plane: expected last subject sequence, message id; retries while the server is away. */
export class Publisher {
  private readonly last = new Map<string, number>();
  private readonly js: () => JetStreamClient;

  constructor(js: () => JetStreamClient) {
    this.js = js;
  }

  async publish(o: Outgoing): Promise<number> {
    const req = {
      subject: o.subject,
      data: o.data,
      msgId: o.msgId,
      version: o.version,
      expectedLastSubjectSeq: this.last.get(o.subject) ?? 0,
      stream: EVENTS_STREAM,
      timeoutMs: 1_000,
    };
    for (;;) {
      try {
        const { seq } = await appendEvent(this.js(), req);
        this.last.set(o.subject, seq);
        return seq;
      } catch (err) {
        if (
          !["timeout", "publish_failed", "no_stream"].some((c) => isBusError(err, c as "timeout"))
        )
          throw err;
        await sleep(100);
      }
    }
  }
}

export const FAST_TIMING: GatewayTiming = {
  coalesceQuietMs: 20,
  coalesceMaxMs: 100,
  retryBaseMs: 200,
  retryMaxMs: 2_000,
  heartbeatMs: 1_000,
  driftCheckMs: 0,
  statusQueue: 1_000,
  stallGraceMs: 500,
};

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly reports: GatewayReport[];
  /** Resolves with the first report (from now on, or already seen if `seen`) matching `pred`. */
  waitReport(
    pred: (r: GatewayReport) => boolean,
    timeoutMs?: number,
    seen?: boolean,
  ): Promise<GatewayReport>;
}

/** Starts an in-process gateway applying with the real nft in `netns`. */
export async function startGateway(
  f: BusFixture,
  o: {
    id: string;
    group: string;
    netns: string;
    timing?: Partial<GatewayTiming>;
    dryRun?: boolean;
  },
): Promise<RunningGateway> {
  const reports: GatewayReport[] = [];
  const level = process.env["LBAAS_TEST_LOG"] ?? "silent";
  const gateway = new Gateway({
    identity: { gatewayId: o.id, group: o.group },
    nc: f.nc,
    js: f.js,
    jsm: f.jsm,
    dataplane: nftDataplane({
      settings: DEFAULT_GATEWAY_SETTINGS,
      netns: o.netns,
      dryRun: o.dryRun ?? false,
    }),
    timing: { ...FAST_TIMING, ...o.timing },
    log: pino({ level, base: { gateway: o.id } }, pino.destination(2)),
    version: "test",
    onReport: (r) => reports.push(r),
  });
  await gateway.start();
  return {
    gateway,
    reports,
    waitReport: async (pred, timeoutMs = 15_000, seen = true) => {
      const from = seen ? 0 : reports.length;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = reports.slice(from).find(pred);
        if (hit !== undefined) return hit;
        if (Date.now() > deadline)
          throw new Error(
            `no matching report within ${timeoutMs} ms; got ${JSON.stringify(reports.slice(-5))}`,
          );
        await sleep(10);
      }
    },
  };
}

/** The inventory of exactly these services and endpoints (as inventoryOf orders it). */
export function inventoryOfSpecs(services: ServiceSpec[], endpoints: EndpointsSpec[]): Inventory {
  const sorted = [...services].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    services: sorted,
    endpoints: sorted.map(
      (s) =>
        endpoints.find((e) => e.serviceId === s.id) ?? {
          serviceId: s.id,
          group: s.group,
          endpoints: [],
        },
    ),
    policies: [],
  };
}

/** The ruleset a fresh gateway renders for `inventory`, and its hash. */
export function expectedRuleset(inventory: Inventory): { ruleset: Ruleset; hash: string } {
  const { ruleset } = renderFull(inventory, DEFAULT_GATEWAY_SETTINGS);
  return { ruleset, hash: rulesetHash(ruleset) };
}

/** Differences between the kernel's owned tables in `netns` and `ruleset` (empty = identical). */
export async function kernelDifferences(
  netns: string,
  ruleset: Ruleset,
): Promise<readonly string[]> {
  return (await checkDrift(new NftRunner({ netns }), ruleset)).differences;
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}
