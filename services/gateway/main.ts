// The gateway process: settings → logger → health/metrics server → NATS →
// Gateway; SIGTERM/SIGINT stop it gracefully (rules stay in place). Exit codes:
// 0 after a graceful stop, 2 for bad settings (every problem listed), 1 when it
// cannot start (listen address taken, bad netns name).
import { hostname } from "node:os";
import type { Server } from "node:http";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino, type Logger } from "pino";
import { REDACT_SECRETS } from "../../libs/settings/redact.ts";
import { collectDefaultMetrics, type Registry } from "prom-client";
import { natsConnectOptions } from "../../libs/bus/connect.ts";
import { formatProblems } from "../../libs/domain/errors.ts";
import { loadSettings, usage } from "../../libs/settings/load.ts";
import pkg from "../../package.json" with { type: "json" };
import { Gateway } from "./gateway.ts";
import { memoryGovernor } from "./memory-mode.ts";
import { nftDataplane } from "./nft-dataplane.ts";
import { removeStaleScriptDirs } from "../../libs/nft/runner.ts";
import { startOpsServer } from "./ops-server.ts";
import { GATEWAY_SETTING_SPECS, validateGatewayConfig, type GatewayConfig } from "./settings.ts";

/** Software version carried by heartbeats. */
export const GATEWAY_VERSION: string = pkg.version;

/** Writes where the process writes (injectable for tests of the CLI). */
export interface ProcessIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const realIo: ProcessIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** Parses and validates settings; prints problems (exit 2) or usage (exit 0). */
export function configFrom(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ProcessIo = realIo,
): GatewayConfig | number {
  const loaded = loadSettings(GATEWAY_SETTING_SPECS, argv, env);
  if (loaded.help) {
    io.stdout(usage("lbaas-gateway", GATEWAY_SETTING_SPECS) + "\n");
    return 0;
  }
  const checked = validateGatewayConfig(loaded.tree, hostname());
  const problems = [
    ...loaded.problems,
    ...loaded.positionals.map((p) => ({
      path: "argv",
      message: `unexpected argument ${JSON.stringify(p)}`,
    })),
    ...(checked.ok ? [] : checked.problems),
  ];
  if (problems.length > 0 || !checked.ok) {
    io.stderr(`lbaas-gateway: invalid settings:\n${formatProblems(problems)}\n`);
    return 2;
  }
  return checked.value;
}

/** Runs the gateway until SIGTERM/SIGINT; resolves with the exit code. */
export async function runGateway(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const config = configFrom(argv, env);
  if (typeof config === "number") return config;
  const log = pino({
    level: config.logLevel,
    base: { gateway: config.id, group: config.group },
    redact: REDACT_SECRETS,
  });
  let gateway: Gateway | null = null;
  let registry: Registry | null = null;
  let server: Server | null = null;
  if (config.listen !== null) {
    try {
      server = await startOpsServer(config.listen, {
        status: () => gateway?.loop.status() ?? null,
        registry: () => registry,
      });
    } catch (err) {
      log.fatal({ err, listen: config.listen }, "cannot listen for health and metrics");
      return 1;
    }
  }
  const stopping = new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  log.info(
    {
      netns: config.netns,
      dryRun: config.dryRun,
      nats: config.nats.servers,
      listen: config.listen,
      version: GATEWAY_VERSION,
    },
    "starting",
  );
  const stale = await removeStaleScriptDirs();
  if (stale > 0) log.warn({ removed: stale }, "removed nft script files left by killed processes");
  const nc = await Promise.race([
    connect({ ...natsConnectOptions(config.nats), name: `lbaas-gateway ${config.id}` }),
    stopping.then(() => null),
  ]);
  if (nc === null) return shutdown(log, null, null, server);
  const governor = memoryGovernor(config.memory);
  gateway = new Gateway({
    observer: { attempted: () => governor.settled(), drift: () => governor.settled() },
    identity: { gatewayId: config.id, group: config.group },
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc, { checkAPI: false }),
    dataplane: nftDataplane({
      settings: config.nftables,
      netns: config.netns,
      dryRun: config.dryRun,
    }),
    timing: config,
    log,
    version: GATEWAY_VERSION,
  });
  registry = gateway.metrics.registry;
  collectDefaultMetrics({ register: registry });
  await Promise.race([gateway.start(), stopping]);
  const signal = await stopping;
  log.info({ signal }, "stopping: finishing the apply in flight; rules stay in place");
  governor.close();
  return shutdown(log, gateway, nc, server);
}

async function shutdown(
  log: Logger,
  gateway: Gateway | null,
  nc: NatsConnection | null,
  server: Server | null,
): Promise<number> {
  // A second signal while stopping exits at once.
  const force = (): void => process.exit(130);
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await gateway?.stop();
  await nc?.close().catch(() => undefined);
  server?.closeAllConnections();
  await new Promise((resolve) => (server === null ? resolve(null) : server.close(resolve)));
  log.info("stopped");
  return 0;
}
