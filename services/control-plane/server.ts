// Wiring of one control-plane process: NATS connection, streams, the event view, the
// status view, the writer and the HTTP server. Used by bin/lbaas-control-plane.ts and
// by integration tests (several instances may run in one process).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { setTimeout as sleep } from "node:timers/promises";
import { isBusError } from "../../libs/bus/errors.ts";
import { pino, type Logger } from "pino";
import { REDACT_SECRETS } from "../../libs/settings/redact.ts";
import { AckInbox } from "../../libs/bus/ack-inbox.ts";
import { natsConnectOptions } from "../../libs/bus/connect.ts";
import { ensureStreams, EVENTS_STREAM, STATUS_STREAM } from "../../libs/bus/streams.ts";
import { Router } from "../../libs/http/router.ts";
import { batchedDestination } from "./log-destination.ts";
import type { ApiDeps } from "./http/deps.ts";
import { apiRoutes } from "./http/routes.ts";
import { createMetrics, type ControlPlaneMetrics } from "./metrics.ts";
import type { ControlPlaneSettings } from "./settings.ts";
import { StatusView } from "./status-view.ts";
import { View } from "./view.ts";
import { Writer } from "./writer.ts";

export interface ControlPlane {
  /** `http://host:port` the API answers on. */
  readonly url: string;
  readonly view: View;
  readonly writer: Writer;
  readonly metrics: ControlPlaneMetrics;
  /** Resolves when the view has replayed the stream (writes are accepted). */
  whenReady(): Promise<void>;
  /** Stops serving, following and the NATS connection; idempotent. */
  stop(): Promise<void>;
}

/**
 * A pino logger that never writes secrets (passwords, tokens, authorization headers),
 * to `destination`, by default to stdout in batches (log-destination.ts).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: "lbaas-control-plane" },
    redact: REDACT_SECRETS,
  };
  return pino(options, (destination ?? batchedDestination()) as never);
}

function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function watchConnection(
  nc: NatsConnection,
  state: { connected: boolean },
  logger: Logger,
): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") {
      state.connected = false;
      logger.warn("disconnected from nats");
    } else if (s.type === "reconnect") {
      state.connected = true;
      logger.info("reconnected to nats");
    }
  }
}

/**
 * A readiness probe of both streams: one STREAM.INFO each, at most every 5 s (the
 * last answer is reused in between), false when either is missing or unreadable.
 */
function streamsCheck(jsm: JetStreamManager): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | null = null;
  return async () => {
    if (last !== null && Date.now() - last.at < 5_000) return last.ok;
    const ok = await Promise.all(
      [EVENTS_STREAM, STATUS_STREAM].map((s) => jsm.streams.info(s)),
    ).then(
      () => true,
      () => false,
    );
    last = { at: Date.now(), ok };
    return ok;
  };
}

/** True for failures that a retry may cure: no answer in time, JetStream not (yet) available. */
function transient(err: unknown): boolean {
  if (isBusError(err, "timeout") || isBusError(err, "no_stream")) return true;
  const text = err instanceof Error ? `${err.name} ${err.message}` : "";
  return /timeout|temporarily unavailable|no responders|jetstream not enabled/i.test(text);
}

/**
 * Creates the JetStream manager and ensures the streams, retrying transient failures
 * (a cluster electing leaders, a server still starting) with a growing delay until
 * `timeoutMs` has passed. A configuration conflict fails at once.
 */
async function ensureWithRetries(
  nc: NatsConnection,
  settings: ControlPlaneSettings,
  logger: Logger,
  timeoutMs: number,
): Promise<JetStreamManager> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      const jsm = await jetstreamManager(nc);
      const ensured = await ensureStreams(jsm, { replicas: settings.replicas });
      for (const s of ensured)
        if (s.action !== "unchanged")
          logger.info({ stream: s.name, action: s.action }, "stream ensured");
      return jsm;
    } catch (err) {
      if (!transient(err) || Date.now() + delay > deadline) throw err;
      logger.warn({ err, retryInMs: delay }, "jetstream not available yet; retrying");
      await sleep(delay);
    }
  }
}

/**
 * Connects to NATS, ensures the streams, starts the views and the HTTP server.
 * The server answers at once; /readyz and writes wait for the replay. Throws a
 * BusError when the streams cannot be ensured, or the listen error.
 */
export async function startControlPlane(
  settings: ControlPlaneSettings,
  logger: Logger,
  options: {
    readonly defaultMetrics?: boolean;
    readonly now?: () => number;
    /** How long to retry creating the streams while JetStream is unavailable (default 60 s). */
    readonly startupTimeoutMs?: number;
  } = {},
): Promise<ControlPlane> {
  const nc = await connect(natsConnectOptions(settings.nats));
  const connection = { connected: true };
  void watchConnection(nc, connection, logger);
  const js = jetstream(nc);
  let jsm: JetStreamManager;
  try {
    jsm = await ensureWithRetries(nc, settings, logger, options.startupTimeoutMs ?? 60_000);
  } catch (err) {
    await nc.close();
    throw err;
  }
  const metrics = createMetrics(options.defaultMetrics ?? true);
  const view = new View({ js, jsm, logger, onBadEvent: () => metrics.badEvents.inc() });
  try {
    await view.start();
  } catch (err) {
    await nc.close();
    throw err;
  }
  const status = new StatusView(js, logger);
  status.start();
  const inbox = new AckInbox(nc, settings.nats.inboxPrefix);
  const writer = new Writer({
    js,
    inbox,
    view,
    metrics,
    logger,
    config: { pools: settings.pools, maxEndpointsPerService: settings.limits.endpointsPerService },
  });
  const accessLog = logger.child({}, { redact: { paths: [] } });
  const deps: ApiDeps = {
    view,
    writer,
    status,
    settings,
    metrics,
    logger,
    accessLog,
    now: options.now ?? Date.now,
    audit: { js, jsm },
    health: {
      natsConnected: () => connection.connected && !nc.isClosed(),
      streamsPresent: streamsCheck(jsm),
    },
  };
  const onDone: ConstructorParameters<typeof Router>[0]["onDone"] = (info) => {
    metrics.httpRequests.inc({
      method: info.method,
      route: info.route,
      status: info.status,
    });
    metrics.httpDuration.observe(
      { method: info.method, route: info.route },
      info.durationMs / 1000,
    );
    const line = {
      requestId: info.requestId,
      method: info.method,
      route: info.route,
      status: info.status,
      ms: Math.round(info.durationMs * 10) / 10,
    };
    if (info.error !== undefined) logger.error({ ...line, err: info.error }, "request failed");
    else if (info.route !== "/metrics" && info.route !== "/healthz" && info.route !== "/readyz")
      accessLog.info(info.log === undefined ? line : { ...line, ...info.log }, "request");
  };
  const single = new Router({ maxBodyBytes: settings.limits.bodyBytes, onDone });
  const bulk = new Router({ maxBodyBytes: settings.limits.bulkBodyBytes, onDone });
  // One router per body limit; every route of a path with a bulk route goes to the
  // bulk router, so the path's other methods (and 405s) are answered there too.
  const routes = apiRoutes(deps);
  const bulkPaths = new Set(routes.filter((r) => r.bulk).map((r) => r.pattern));
  for (const route of routes)
    (bulkPaths.has(route.pattern) ? bulk : single).on(route.method, route.pattern, route.handler);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    (bulkPaths.has(path.replace(/\/+$/, "")) ? bulk : single).listener(req, res);
  });
  server.keepAliveTimeout = 65_000;
  const address = await listenOn(server, settings.listen.host, settings.listen.port).catch(
    async (err: unknown) => {
      await Promise.all([view.stop(), status.stop()]);
      await nc.close();
      inbox.close();
      throw err;
    },
  );
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, "control plane listening");
  let stopping: Promise<void> | null = null;
  return {
    url,
    view,
    writer,
    metrics,
    whenReady: () => view.whenReady(),
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // Neither a follower nor drain() may hang a shutdown on a sick connection:
        // each waits at most 5 s; closing the connection ends whatever is left.
        const bounded = async (what: string, p: Promise<unknown>): Promise<void> => {
          const done = await Promise.race([p.then(() => true), sleep(5_000).then(() => false)]);
          if (!done) logger.warn({ what }, "shutdown step timed out");
        };
        await Promise.all([
          bounded("event follower", view.stop()),
          bounded("status follower", status.stop()),
        ]);
        await bounded(
          "nats drain",
          nc.drain().catch(() => undefined),
        );
        if (!nc.isClosed()) await nc.close();
        inbox.close();
      })()),
  };
}
