// Settings of one gateway applier: which NATS, which gateway and group, the
// nftables settings (the seed's keys), where to apply, and the timing knobs.
// Sources: `--config FILE` (YAML/JSON), then environment, then flags (flags win),
// merged by libs/settings; this file declares them and validates the merged tree.
// Validation never throws: it returns every problem with the key it came from.
import { isDnsLabel } from "../../libs/domain/input.ts";
import type { Problem } from "../../libs/domain/model.ts";
import { validateNatsSettings, type NatsSettings } from "../../libs/bus/connect.ts";
import { validateGatewaySettings, type GatewaySettings } from "../../libs/nft/settings.ts";
import { MEMORY_MODES, type MemoryMode } from "./memory-mode.ts";
import { GATEWAY_SETTING_SPECS } from "./settings-specs.ts";

export { GATEWAY_SETTING_SPECS, NATS_SETTING_SPECS, NFT_SETTING_SPECS } from "./settings-specs.ts";

/** A validated `HOST:PORT` to listen on. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Everything a gateway process needs, validated. */
export interface GatewayConfig {
  readonly nats: NatsSettings;
  /** This gateway's id (a DNS label): the last token of its status subject. */
  readonly id: string;
  /** The gateway group whose events it applies (a DNS label). */
  readonly group: string;
  readonly nftables: GatewaySettings;
  /** Apply inside this network namespace (`ip netns exec`), or null for the host's. */
  readonly netns: string | null;
  /** Render and check with `nft -c` only; never commit. */
  readonly dryRun: boolean;
  /** Health and metrics endpoint, or null when disabled (`--listen ""`). */
  readonly listen: ListenAddress | null;
  readonly heartbeatMs: number;
  /** 0 disables the drift check. */
  readonly driftCheckMs: number;
  /** Apply this long after the last event of a burst… */
  readonly coalesceQuietMs: number;
  /** …but no later than this after its first event. */
  readonly coalesceMaxMs: number;
  /** First retry delay after a failed apply; doubles up to retryMaxMs. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Status messages kept while NATS is unreachable (oldest reports dropped first). */
  readonly statusQueue: number;
  /** Reopen a follower that delivers nothing this long after a doorbell (stall-watch.ts). */
  readonly stallGraceMs: number;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** V8 heap tuning of the process (memory-mode.ts). */
  readonly memory: MemoryMode;
}

/** Defaults of every optional setting. */
export const GATEWAY_DEFAULTS = {
  group: "default",
  listen: "127.0.0.1:9180",
  heartbeatMs: 5_000,
  driftCheckMs: 60_000,
  coalesceQuietMs: 50,
  coalesceMaxMs: 200,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  statusQueue: 1_000,
  stallGraceMs: 500,
  logLevel: "info",
  memory: "adaptive",
} as const;

const TOP_KEYS = new Set(GATEWAY_SETTING_SPECS.map((s) => s.path.split(".")[0] as string));
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * A DNS label made from a host name: lower-case, every other character `-`, at most
 * 63 characters, no leading or trailing `-`. "" when nothing usable is left.
 */
export function gatewayIdFromHostname(hostname: string): string {
  return hostname
    .split(".")[0]!
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 63)
    .replace(/^-+|-+$/g, "");
}

/**
 * Validates the merged settings tree. `hostname` gives the default id. Returns
 * every problem with its key (`id`, `nftables.fwmark-mask`, `nats.servers[0]`, …);
 * never throws.
 */
export function validateGatewayConfig(
  tree: Record<string, unknown>,
  hostname: string,
): { ok: true; value: GatewayConfig } | { ok: false; problems: readonly Problem[] } {
  const problems: Problem[] = [];
  const add = (path: string, message: string): void => void problems.push({ path, message });
  for (const key of Object.keys(tree))
    if (!TOP_KEYS.has(key)) add(key, `unknown setting ${JSON.stringify(key)}`);

  // Like the control plane: a local nats-server unless told otherwise.
  const natsTree = tree["nats"] ?? {};
  const nats = validateNatsSettings(
    typeof natsTree === "object" && natsTree !== null && !Array.isArray(natsTree)
      ? { servers: ["nats://127.0.0.1:4222"], ...natsTree }
      : natsTree,
    "nats",
  );
  if (!nats.ok) problems.push(...nats.problems);

  const id = tree["id"] ?? gatewayIdFromHostname(hostname);
  if (!isDnsLabel(id))
    add("id", `${JSON.stringify(id)} is not a dns label (lower-case letters, digits, '-', 1-63)`);
  const group = tree["group"] ?? GATEWAY_DEFAULTS.group;
  if (!isDnsLabel(group)) add("group", `${JSON.stringify(group)} is not a dns label`);

  const nft = validateGatewaySettings(tree["nftables"] ?? {});
  if (!nft.ok) for (const p of nft.problems) add(`nftables.${p.path}`, p.message);

  const netns = tree["netns"] ?? null;
  if (netns !== null && (typeof netns !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(netns)))
    add("netns", `${JSON.stringify(netns)} is not a namespace name ([A-Za-z0-9_.-], 1-64)`);
  const dryRun = tree["dry-run"] ?? false;
  if (typeof dryRun !== "boolean") add("dry-run", `${JSON.stringify(dryRun)} is not a boolean`);

  const listenText = tree["listen"] ?? GATEWAY_DEFAULTS.listen;
  const listen = typeof listenText === "string" ? parseListen(listenText) : undefined;
  if (listen === undefined)
    add("listen", `${JSON.stringify(listenText)} is not HOST:PORT (port 0-65535) or ""`);

  const ms = (key: string, fallback: number, min: number, max: number): number => {
    const v = tree[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      add(key, `${JSON.stringify(v)} is not a whole number of milliseconds (${min}-${max})`);
      return fallback;
    }
    return v;
  };
  const DAY = 86_400_000;
  const heartbeatMs = ms("heartbeat-ms", GATEWAY_DEFAULTS.heartbeatMs, 100, DAY);
  const driftCheckMs = ms("drift-check-ms", GATEWAY_DEFAULTS.driftCheckMs, 0, DAY);
  const coalesceQuietMs = ms("coalesce-quiet-ms", GATEWAY_DEFAULTS.coalesceQuietMs, 0, 60_000);
  const coalesceMaxMs = ms("coalesce-max-ms", GATEWAY_DEFAULTS.coalesceMaxMs, 0, 600_000);
  const retryBaseMs = ms("retry-base-ms", GATEWAY_DEFAULTS.retryBaseMs, 1, DAY);
  const retryMaxMs = ms("retry-max-ms", GATEWAY_DEFAULTS.retryMaxMs, 1, DAY);
  const statusQueue = ms("status-queue", GATEWAY_DEFAULTS.statusQueue, 1, 1_000_000);
  const stallGraceMs = ms("stall-grace-ms", GATEWAY_DEFAULTS.stallGraceMs, 50, 60_000);
  if (coalesceMaxMs < coalesceQuietMs)
    add("coalesce-max-ms", `${coalesceMaxMs} is less than coalesce-quiet-ms ${coalesceQuietMs}`);
  if (retryMaxMs < retryBaseMs)
    add("retry-max-ms", `${retryMaxMs} is less than retry-base-ms ${retryBaseMs}`);
  const logLevel = tree["log-level"] ?? GATEWAY_DEFAULTS.logLevel;
  const level = LOG_LEVELS.find((l) => l === logLevel);
  if (level === undefined)
    add("log-level", `${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(", ")}`);

  const memoryText = tree["memory"] ?? GATEWAY_DEFAULTS.memory;
  const memory = MEMORY_MODES.find((m) => m === memoryText);
  if (memory === undefined)
    add("memory", `${JSON.stringify(memoryText)} is not one of ${MEMORY_MODES.join(", ")}`);

  if (
    problems.length > 0 ||
    !nats.ok ||
    !nft.ok ||
    listen === undefined ||
    level === undefined ||
    memory === undefined
  )
    return { ok: false, problems };
  return {
    ok: true,
    value: {
      nats: nats.value,
      id: id as string,
      group: group as string,
      nftables: nft.value,
      netns: netns as string | null,
      dryRun: dryRun as boolean,
      listen,
      heartbeatMs,
      driftCheckMs,
      coalesceQuietMs,
      coalesceMaxMs,
      retryBaseMs,
      retryMaxMs,
      statusQueue,
      stallGraceMs,
      logLevel: level,
      memory,
    },
  };
}

/** `HOST:PORT` (IPv6 as `[::1]:9180`) → address; "" → null (disabled); undefined when malformed. */
export function parseListen(text: string): ListenAddress | null | undefined {
  if (text === "") return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}
