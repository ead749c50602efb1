// Settings of the control plane: every key, its flag, env variable and default (the
// README's table is generated from SETTINGS' help texts by hand; keep them in step),
// and the validation of the merged tree into typed settings with every problem listed.
import { validateNatsSettings, type NatsSettings } from "../../libs/bus/connect.ts";
import { MAX_ENDPOINTS } from "../../libs/domain/limits.ts";
import type { Problem } from "../../libs/domain/model.ts";
import type { SettingSpec } from "../../libs/settings/load.ts";
import { readVipPools, type VipPools } from "./decide/vip-pool.ts";

export const SETTINGS: readonly SettingSpec[] = [
  {
    path: "nats.servers",
    flag: "nats",
    env: "NATS_URL",
    kind: "list",
    help: "nats server urls, comma-separated (default nats://127.0.0.1:4222)",
  },
  {
    path: "nats.user",
    flag: "nats-user",
    env: "NATS_USER",
    kind: "string",
    help: "nats user (with --nats-password)",
  },
  {
    path: "nats.password",
    flag: "nats-password",
    env: "NATS_PASSWORD",
    kind: "string",
    help: "nats password",
  },
  { path: "nats.token", flag: "nats-token", env: "NATS_TOKEN", kind: "string", help: "nats token" },
  {
    path: "nats.nkeySeedFile",
    flag: "nats-nkey-file",
    env: "NATS_NKEY_FILE",
    kind: "string",
    help: "file holding an nkey seed",
  },
  {
    path: "nats.credsFile",
    flag: "nats-creds",
    env: "NATS_CREDS",
    kind: "string",
    help: "nats .creds file (jwt + nkey)",
  },
  {
    path: "nats.tls.caFile",
    flag: "nats-tls-ca",
    env: "NATS_TLS_CA",
    kind: "string",
    help: "ca certificate to trust for nats tls",
  },
  {
    path: "nats.tls.certFile",
    flag: "nats-tls-cert",
    env: "NATS_TLS_CERT",
    kind: "string",
    help: "client certificate for nats mutual tls",
  },
  {
    path: "nats.tls.keyFile",
    flag: "nats-tls-key",
    env: "NATS_TLS_KEY",
    kind: "string",
    help: "client key for nats mutual tls",
  },
  {
    path: "listen",
    flag: "listen",
    env: "LBAAS_LISTEN",
    kind: "string",
    help: "http listen address host:port (default 127.0.0.1:8080)",
  },
  {
    path: "streams.replicas",
    flag: "stream-replicas",
    env: "LBAAS_STREAM_REPLICAS",
    kind: "number",
    help: "replicas of the streams: 1, or 3 on a cluster (default 1)",
  },
  {
    path: "vipPoolFlags",
    flag: "vip-pool",
    env: "LBAAS_VIP_POOLS",
    kind: "list",
    help: "vip pool GROUP=CIDR[,CIDR...], repeatable; replaces that group's pools from the config file",
  },
  {
    path: "limits.bodyBytes",
    flag: "max-body-bytes",
    env: "LBAAS_MAX_BODY_BYTES",
    kind: "number",
    help: "largest body of a single-object request (default 1048576)",
  },
  {
    path: "limits.bulkBodyBytes",
    flag: "max-bulk-body-bytes",
    env: "LBAAS_MAX_BULK_BODY_BYTES",
    kind: "number",
    help: "largest body of PUT /v1/inventory (default 8388608)",
  },
  {
    path: "limits.endpointsPerService",
    flag: "max-endpoints-per-service",
    env: "LBAAS_MAX_ENDPOINTS_PER_SERVICE",
    kind: "number",
    help: `most endpoints per service, 1-${MAX_ENDPOINTS} (default ${MAX_ENDPOINTS})`,
  },
  {
    path: "http.actorHeader",
    flag: "actor-header",
    env: "LBAAS_ACTOR_HEADER",
    kind: "string",
    help: "request header naming the actor of a write (default x-lbaas-actor)",
  },
  {
    path: "http.defaultActor",
    flag: "default-actor",
    env: "LBAAS_DEFAULT_ACTOR",
    kind: "string",
    help: "actor recorded when the header is absent (default anonymous)",
  },
  {
    path: "status.heartbeatIntervalMs",
    flag: "heartbeat-interval-ms",
    env: "LBAAS_HEARTBEAT_INTERVAL_MS",
    kind: "number",
    help: "gateways' heartbeat interval; stale after 3 of them (default 5000)",
  },
  {
    path: "log.level",
    flag: "log-level",
    env: "LOG_LEVEL",
    kind: "string",
    help: "pino log level: fatal, error, warn, info, debug, trace (default info)",
  },
];

export interface ControlPlaneSettings {
  readonly nats: NatsSettings;
  readonly listen: { readonly host: string; readonly port: number };
  readonly replicas: 1 | 3;
  readonly pools: VipPools;
  readonly limits: {
    readonly bodyBytes: number;
    readonly bulkBodyBytes: number;
    readonly endpointsPerService: number;
  };
  readonly actorHeader: string;
  readonly defaultActor: string;
  readonly heartbeatIntervalMs: number;
  readonly logLevel: string;
}

const KNOWN: Readonly<Record<string, readonly string[] | null>> = {
  nats: null, // checked by validateNatsSettings
  listen: null,
  streams: ["replicas"],
  vipPools: null, // checked by readVipPools
  vipPoolFlags: null,
  limits: ["bodyBytes", "bulkBodyBytes", "endpointsPerService"],
  http: ["actorHeader", "defaultActor"],
  status: ["heartbeatIntervalMs"],
  log: ["level"],
};
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const HEADER = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function section(tree: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = tree[name];
  return isRecord(v) ? v : {};
}

/** `host:port` or `[v6]:port` with port 0-65535 (0 = any free port, for tests). */
export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? "", port };
}

/** Folds `GROUP=CIDR`, `CIDR`, ... entries (flags or env) into `{group: [cidr]}`. */
function poolFlags(value: unknown, problems: Problem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (value === undefined) return out;
  let group: string | null = null;
  for (const entry of Array.isArray(value) ? (value as unknown[]) : [value]) {
    for (const part of String(entry)
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")) {
      const eq = part.indexOf("=");
      if (eq >= 0) {
        group = part.slice(0, eq);
        out[group] = [];
      }
      const cidr = eq >= 0 ? part.slice(eq + 1) : part;
      if (group === null) {
        problems.push({
          path: "--vip-pool",
          message: `${JSON.stringify(part)} names no group (GROUP=CIDR)`,
        });
        continue;
      }
      if (cidr !== "") out[group]?.push(cidr);
    }
  }
  return out;
}

function positiveInt(
  path: string,
  value: unknown,
  fallback: number,
  max: number,
  problems: Problem[],
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max)
    return value;
  problems.push({ path, message: `${JSON.stringify(value)} is not an integer from 1 to ${max}` });
  return fallback;
}

/**
 * Validates a merged settings tree (libs/settings loadSettings) into typed settings,
 * or returns every problem with its key path. Never throws. Unknown keys are problems
 * (a typo must not silently drop a setting).
 */
export function validateSettings(
  tree: Record<string, unknown>,
): { ok: true; value: ControlPlaneSettings } | { ok: false; problems: readonly Problem[] } {
  const problems: Problem[] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (!Object.hasOwn(KNOWN, k)) {
      problems.push({
        path: k,
        message: `unknown setting ${JSON.stringify(k)} (known: ${Object.keys(KNOWN)
          .filter((x) => x !== "vipPoolFlags")
          .join(", ")})`,
      });
      continue;
    }
    const fields = KNOWN[k];
    if (fields === null || fields === undefined) continue;
    if (!isRecord(v)) {
      problems.push({ path: k, message: `${JSON.stringify(v)} is not a map of settings` });
      continue;
    }
    for (const f of Object.keys(v))
      if (!fields.includes(f))
        problems.push({
          path: `${k}.${f}`,
          message: `unknown setting (known: ${fields.join(", ")})`,
        });
  }

  const natsTree = {
    servers: ["nats://127.0.0.1:4222"],
    name: "lbaas-control-plane",
    ...section(tree, "nats"),
  };
  const nats = validateNatsSettings(natsTree);
  if (!nats.ok) problems.push(...nats.problems);

  const listenRaw = tree["listen"] ?? "127.0.0.1:8080";
  const listen = typeof listenRaw === "string" ? parseListen(listenRaw) : null;
  if (listen === null)
    problems.push({ path: "listen", message: `${JSON.stringify(listenRaw)} is not host:port` });

  const replicasRaw = section(tree, "streams")["replicas"] ?? 1;
  if (replicasRaw !== 1 && replicasRaw !== 3)
    problems.push({
      path: "streams.replicas",
      message: `${JSON.stringify(replicasRaw)} is not 1 or 3`,
    });

  const fromFile = tree["vipPools"];
  const flagPools = poolFlags(tree["vipPoolFlags"], problems);
  const pools = readVipPools(
    fromFile === undefined || isRecord(fromFile) ? { ...(fromFile ?? {}), ...flagPools } : fromFile,
  );
  problems.push(...pools.problems);

  const limits = section(tree, "limits");
  const bodyBytes = positiveInt(
    "limits.bodyBytes",
    limits["bodyBytes"],
    1 << 20,
    1 << 30,
    problems,
  );
  const bulkBodyBytes = positiveInt(
    "limits.bulkBodyBytes",
    limits["bulkBodyBytes"],
    8 << 20,
    1 << 30,
    problems,
  );
  const endpointsPerService = positiveInt(
    "limits.endpointsPerService",
    limits["endpointsPerService"],
    MAX_ENDPOINTS,
    MAX_ENDPOINTS,
    problems,
  );

  const http = section(tree, "http");
  const actorHeader = http["actorHeader"] ?? "x-lbaas-actor";
  if (typeof actorHeader !== "string" || !HEADER.test(actorHeader.toLowerCase()))
    problems.push({
      path: "http.actorHeader",
      message: `${JSON.stringify(actorHeader)} is not a header name`,
    });
  const defaultActor = http["defaultActor"] ?? "anonymous";
  if (typeof defaultActor !== "string" || defaultActor.length > 256)
    problems.push({
      path: "http.defaultActor",
      message: `${JSON.stringify(defaultActor)} is not a string of at most 256 characters`,
    });

  const heartbeatIntervalMs = positiveInt(
    "status.heartbeatIntervalMs",
    section(tree, "status")["heartbeatIntervalMs"],
    5_000,
    3_600_000,
    problems,
  );
  const logLevel = section(tree, "log")["level"] ?? "info";
  if (typeof logLevel !== "string" || !LEVELS.includes(logLevel))
    problems.push({
      path: "log.level",
      message: `${JSON.stringify(logLevel)} is not a level (${LEVELS.join(", ")})`,
    });

  if (problems.length > 0 || !nats.ok || listen === null) return { ok: false, problems };
  return {
    ok: true,
    value: {
      nats: nats.value,
      listen,
      replicas: replicasRaw as 1 | 3,
      pools: pools.pools,
      limits: { bodyBytes, bulkBodyBytes, endpointsPerService },
      actorHeader: (actorHeader as string).toLowerCase(),
      defaultActor: defaultActor as string,
      heartbeatIntervalMs,
      logLevel: logLevel as string,
    },
  };
}
