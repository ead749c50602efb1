// Every setting of the control plane: key, flag, env variable, and help text with its
// default. The README's table says the same; keep them in step.
import { MAX_ENDPOINTS } from "../../libs/domain/limits.ts";
import { NATS_SETTING_SPECS } from "../../libs/bus/settings-spec.ts";
import type { SettingSpec } from "../../libs/settings/load.ts";

export const SETTINGS: readonly SettingSpec[] = [
  ...NATS_SETTING_SPECS,
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
