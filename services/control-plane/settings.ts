// Settings of the control plane: the validation of the merged tree (config file, env,
// flags: libs/settings) into typed settings, with every problem listed. The keys,
// flags and env variables are in settings-spec.ts.
import { validateNatsSettings, type NatsSettings } from "../../libs/bus/connect.ts";
import { MAX_ENDPOINTS } from "../../libs/domain/limits.ts";
import type { Problem } from "../../libs/domain/model.ts";
import { readVipPools, type VipPools } from "./decide/vip-pool.ts";

export { SETTINGS } from "./settings-spec.ts";

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
