// The two streams of the system, created or brought to the wanted configuration
// idempotently at every start of a control plane (and by tests).
import { nanos } from "@nats-io/transport-node";
import { DiscardPolicy, RetentionPolicy, StorageType, JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamManager, StreamConfig, StreamInfo } from "@nats-io/jetstream";
import { StreamConfigError, toBusError } from "./errors.ts";
import type { StreamConfigDifference } from "./errors.ts";

/** The event log: every event of every aggregate, kept forever (the audit trail). */
export const EVENTS_STREAM = "LBAAS_EVENTS";
export const EVENTS_SUBJECTS = "lbaas.evt.>";
/** Apply reports and heartbeats of the gateways: bounded history per gateway subject. */
export const STATUS_STREAM = "LBAAS_STATUS";
export const STATUS_SUBJECTS = "lbaas.status.>";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Options of `ensureStreams`; every field has a default. */
export interface StreamOptions {
  /** Replicas of both streams: 1 (single server) or 3 (cluster). Default 1. */
  readonly replicas?: 1 | 3;
  /** Reports kept per status subject (one subject per gateway). Default 100. */
  readonly statusMaxMsgsPerSubject?: number;
  /** Age after which status reports are dropped, in ms. Default 7 days. */
  readonly statusMaxAgeMs?: number;
  /** Window in which a repeated message id is stored once, in ms. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

/** What `ensureStreams` did to one stream. */
export interface EnsuredStream {
  readonly name: string;
  readonly action: "created" | "updated" | "unchanged";
  /** The fields that differed before an update (empty otherwise). */
  readonly changed: readonly StreamConfigDifference[];
}

/** The configurations `ensureStreams` wants, exposed for inspection and tests. */
export function wantedStreamConfigs(opts: StreamOptions = {}): StreamConfig[] {
  const replicas = opts.replicas ?? 1;
  const duplicateWindow = nanos(opts.duplicateWindowMs ?? 120_000);
  const events: Partial<StreamConfig> = {
    name: EVENTS_STREAM,
    description: "lbaas events: one subject per aggregate, full history (audit trail)",
    subjects: [EVENTS_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    discard: DiscardPolicy.Old,
    allow_direct: true,
    duplicate_window: duplicateWindow,
    num_replicas: replicas,
    // Audit safety: nobody deletes or purges history through the API, and no
    // rollup header can purge a subject. The server refuses to lift these later.
    deny_delete: true,
    deny_purge: true,
    allow_rollup_hdrs: false,
  };
  const status: Partial<StreamConfig> = {
    name: STATUS_STREAM,
    description: "lbaas gateway apply reports and heartbeats, bounded history per gateway",
    subjects: [STATUS_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_msgs_per_subject: opts.statusMaxMsgsPerSubject ?? 100,
    max_age: nanos(opts.statusMaxAgeMs ?? 7 * DAY_MS),
    discard: DiscardPolicy.Old,
    allow_direct: true,
    duplicate_window: duplicateWindow,
    num_replicas: replicas,
  };
  return [events as StreamConfig, status as StreamConfig];
}

/**
 * Creates `LBAAS_EVENTS` and `LBAAS_STATUS`, or brings existing ones to the
 * wanted configuration. Idempotent: a stream that already matches is left alone
 * (`unchanged`, no update request). A differing stream is updated in place where
 * the server allows it; where it does not (storage type, retention, lifting
 * deny_delete/deny_purge, subjects owned by another stream, 3 replicas on a
 * non-clustered server) a `StreamConfigError` (code `stream_config_conflict`)
 * lists every differing field. Other failures: `BusError` `timeout`/`stream_failed`.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  opts: StreamOptions = {},
): Promise<EnsuredStream[]> {
  const done: EnsuredStream[] = [];
  for (const wanted of wantedStreamConfigs(opts)) done.push(await ensureStream(jsm, wanted));
  return done;
}

async function ensureStream(jsm: JetStreamManager, wanted: StreamConfig): Promise<EnsuredStream> {
  const existing = await existingStream(jsm, wanted.name);
  if (existing === null) {
    try {
      await jsm.streams.add(wanted);
      return { name: wanted.name, action: "created", changed: [] };
    } catch (err) {
      // 10058: created concurrently by another process with a different config;
      // 10065: the subjects belong to another stream; 10074: R3 on a single server.
      if (err instanceof JetStreamApiError && [10058, 10065, 10074].includes(err.code))
        throw new StreamConfigError(wanted.name, [], err.message.toLowerCase(), { cause: err });
      throw toBusError(err, "stream_failed", `create stream ${JSON.stringify(wanted.name)}`);
    }
  }
  const changed = configDifferences(existing.config, wanted);
  if (changed.length === 0) return { name: wanted.name, action: "unchanged", changed };
  // 2.9.10 accepts an update to num_replicas 3 on a non-clustered server and then
  // reports a config it cannot honour (a create is refused with 10074): refuse here.
  if (wanted.num_replicas > 1 && existing.cluster === undefined)
    throw new StreamConfigError(
      wanted.name,
      changed,
      `${wanted.num_replicas} replicas need a clustered server`,
    );
  try {
    const update = Object.fromEntries(changed.map((d) => [d.field, d.wanted]));
    await jsm.streams.update(wanted.name, update);
    return { name: wanted.name, action: "updated", changed };
  } catch (err) {
    if (err instanceof JetStreamApiError)
      throw new StreamConfigError(wanted.name, changed, err.message.toLowerCase(), { cause: err });
    throw toBusError(err, "stream_failed", `update stream ${JSON.stringify(wanted.name)}`);
  }
}

async function existingStream(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === 10059) return null; // stream not found
    throw toBusError(err, "stream_failed", `stream info ${JSON.stringify(name)}`);
  }
}

/** Fields of `wanted` whose value differs in `existing` (subjects compared as sets). */
export function configDifferences(
  existing: Partial<StreamConfig>,
  wanted: Partial<StreamConfig>,
): StreamConfigDifference[] {
  const differences: StreamConfigDifference[] = [];
  for (const [field, value] of Object.entries(wanted)) {
    if (field === "name") continue;
    const current: unknown = (existing as Record<string, unknown>)[field];
    const same =
      Array.isArray(value) && Array.isArray(current)
        ? [...(value as string[])].sort().join("\n") ===
          [...(current as string[])].sort().join("\n")
        : current === value || (current === undefined && isServerDefault(field, value));
    if (!same) differences.push({ field, existing: current, wanted: value });
  }
  return differences;
}

/** Older servers omit some fields when they hold their default value. */
function isServerDefault(field: string, value: unknown): boolean {
  const defaults: Record<string, unknown> = {
    description: "",
    allow_direct: false,
    deny_delete: false,
    deny_purge: false,
    allow_rollup_hdrs: false,
    max_age: 0,
  };
  return field in defaults && defaults[field] === value;
}
