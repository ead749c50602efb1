// The gateway's settings as libs/settings declares them: config key, flag, env
// variable, kind and help text. Validation and defaults are in settings.ts.
import { NATS_SETTING_SPECS } from "../../libs/bus/settings-spec.ts";
import type { SettingSpec } from "../../libs/settings/load.ts";

export { NATS_SETTING_SPECS };

const NFT_FLAGS = [
  ["nat-table-name", "string", "nat table (family inet) owned by the gateway (default lbaas)"],
  ["nat-prerouting-chain", "string", "dnat base chain (default prerouting)"],
  ["nat-postrouting-chain", "string", "snat base chain (default postrouting)"],
  [
    "filter-table-name",
    "string",
    'filter table owned by the gateway; "" = none (default lbaas-filter)',
  ],
  ["filter-forward-chain", "string", "filter forward base chain (default forward)"],
  ["enable-snat", "boolean", "masquerade load-balanced flows (default true)"],
  ["fwmark-bits", "string", "mark of load-balanced flows, decimal or 0x-hex (default 0x1)"],
  ["fwmark-mask", "string", "bits of the mark owned by lbaas (default 0x1)"],
] as const;

/** The nftables flags, shared with `remove-tables`. */
export const NFT_SETTING_SPECS: readonly SettingSpec[] = NFT_FLAGS.map(([key, kind, help]) => ({
  path: `nftables.${key}`,
  flag: key,
  kind,
  help,
}));

/** Every setting of the gateway process. */
export const GATEWAY_SETTING_SPECS: readonly SettingSpec[] = [
  ...NATS_SETTING_SPECS,
  {
    path: "id",
    flag: "id",
    env: "LBAAS_GATEWAY_ID",
    kind: "string",
    help: "gateway id, a dns label (default: the host name)",
  },
  {
    path: "group",
    flag: "group",
    env: "LBAAS_GATEWAY_GROUP",
    kind: "string",
    help: "gateway group (default default)",
  },
  ...NFT_SETTING_SPECS,
  {
    path: "netns",
    flag: "netns",
    env: "LBAAS_NETNS",
    kind: "string",
    help: "apply inside this network namespace",
  },
  { path: "dry-run", flag: "dry-run", kind: "boolean", help: "render and check with nft -c only" },
  {
    path: "listen",
    flag: "listen",
    env: "LBAAS_LISTEN",
    kind: "string",
    help: 'health and metrics HOST:PORT; "" = off (default 127.0.0.1:9180)',
  },
  {
    path: "heartbeat-ms",
    flag: "heartbeat-ms",
    kind: "number",
    help: "heartbeat interval (default 5000)",
  },
  {
    path: "drift-check-ms",
    flag: "drift-check-ms",
    kind: "number",
    help: "drift check interval; 0 = off (default 60000)",
  },
  {
    path: "coalesce-quiet-ms",
    flag: "coalesce-quiet-ms",
    kind: "number",
    help: "apply after a burst is quiet this long (default 50)",
  },
  {
    path: "coalesce-max-ms",
    flag: "coalesce-max-ms",
    kind: "number",
    help: "apply at most this long after a burst's first event (default 200)",
  },
  {
    path: "retry-base-ms",
    flag: "retry-base-ms",
    kind: "number",
    help: "first retry delay after a failed apply (default 500)",
  },
  {
    path: "retry-max-ms",
    flag: "retry-max-ms",
    kind: "number",
    help: "longest retry delay (default 30000)",
  },
  {
    path: "status-queue",
    flag: "status-queue",
    kind: "number",
    help: "status messages kept while nats is away (default 1000)",
  },
  {
    path: "stall-grace-ms",
    flag: "stall-grace-ms",
    kind: "number",
    help: "reopen an event follower silent this long after a published event (default 500)",
  },
  {
    path: "memory",
    flag: "memory",
    env: "LBAAS_GATEWAY_MEMORY",
    kind: "string",
    help: "heap tuning: adaptive, lean or fast (default adaptive; see README)",
  },
  {
    path: "log-level",
    flag: "log-level",
    env: "LOG_LEVEL",
    kind: "string",
    help: "pino level (default info)",
  },
];
