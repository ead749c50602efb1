// What the control plane knows about each gateway, from its reports and heartbeats
// (pure: the fold of status messages, and the status answer computed from it).
//
// A gateway "runs" a sequence when its applied sequence is at or past it. It is live
// when its last status message (report or heartbeat, by the stream's clock) is at
// most 3 heartbeat intervals old, stale otherwise.
import type {
  ApplyCounts,
  ApplyError,
  GatewayHeartbeat,
  GatewayReport,
  SyncKind,
} from "../../libs/events/status.ts";

export interface LastReport {
  readonly at: number;
  readonly streamSequence: number;
  readonly ok: boolean;
  readonly error: ApplyError | null;
  readonly syncKind: SyncKind;
  readonly durationMs: number;
  readonly rulesetHash: string;
  readonly counts: ApplyCounts;
}

export interface GatewayRecord {
  readonly gatewayId: string;
  readonly group: string;
  /** Stream time (ms) of the last status message. */
  readonly lastSeenAt: number;
  /** `sentAt` of the last heartbeat (the gateway's clock), or null before any. */
  readonly lastHeartbeatAt: number | null;
  /** The last LBAAS_EVENTS sequence whose state runs in the kernel. */
  readonly appliedSeq: number;
  readonly rulesetHash: string;
  /** The error of the last failed apply, null when the last apply succeeded. */
  readonly lastError: ApplyError | null;
  readonly lastReport: LastReport | null;
  readonly version: string | null;
  readonly startedAt: number | null;
}

/** The record after a report stored at `at` (ms). A failed apply keeps the applied sequence. */
export function withReport(
  prev: GatewayRecord | undefined,
  r: GatewayReport,
  at: number,
): GatewayRecord {
  return {
    gatewayId: r.gatewayId,
    group: r.group,
    lastSeenAt: at,
    lastHeartbeatAt: prev?.lastHeartbeatAt ?? null,
    appliedSeq: r.result.ok ? r.streamSequence : (prev?.appliedSeq ?? 0),
    rulesetHash: r.rulesetHash,
    lastError: r.result.ok ? null : r.result.error,
    lastReport: {
      at: r.reportedAt,
      streamSequence: r.streamSequence,
      ok: r.result.ok,
      error: r.result.ok ? null : r.result.error,
      syncKind: r.syncKind,
      durationMs: r.durationMs,
      rulesetHash: r.rulesetHash,
      counts: r.counts,
    },
    version: prev?.version ?? null,
    startedAt: prev?.startedAt ?? null,
  };
}

/** The record after a heartbeat stored at `at` (ms). */
export function withHeartbeat(
  prev: GatewayRecord | undefined,
  h: GatewayHeartbeat,
  at: number,
): GatewayRecord {
  return {
    gatewayId: h.gatewayId,
    group: h.group,
    lastSeenAt: at,
    lastHeartbeatAt: h.sentAt,
    appliedSeq: h.appliedSequence,
    rulesetHash: h.rulesetHash,
    lastError: h.lastError,
    lastReport: prev?.lastReport ?? null,
    version: h.version,
    startedAt: h.startedAt,
  };
}

/** What the status answer needs from the event view. */
export interface HeadSource {
  /** Highest event sequence of a group (0 = none). */
  headOf(group: string): number;
  /** Events of `group` after `seq`. */
  eventsAfter(group: string, seq: number): number;
}

export interface GatewayStatus extends GatewayRecord {
  readonly live: boolean;
  /** Head of the gateway's group (highest event sequence under lbaas.evt.<group>.>). */
  readonly headSeq: number;
  /** Events of its group it has not applied yet (0 = up to date). */
  readonly lagEvents: number;
  /** headSeq - appliedSeq, at least 0. */
  readonly lagSeq: number;
}

/** Status of every gateway, sorted by group then id. Empty input → empty list. */
export function gatewayStatuses(
  gateways: Iterable<GatewayRecord>,
  heads: HeadSource,
  now: number,
  heartbeatIntervalMs: number,
): GatewayStatus[] {
  const out: GatewayStatus[] = [];
  for (const g of gateways) {
    const headSeq = heads.headOf(g.group);
    out.push({
      ...g,
      live: now - g.lastSeenAt <= 3 * heartbeatIntervalMs,
      headSeq,
      lagEvents: heads.eventsAfter(g.group, g.appliedSeq),
      lagSeq: Math.max(0, headSeq - g.appliedSeq),
    });
  }
  return out.sort((a, b) =>
    a.group === b.group ? (a.gatewayId < b.gatewayId ? -1 : 1) : a.group < b.group ? -1 : 1,
  );
}

/** Which gateways of a service's group run its current state. */
export interface ServiceRollout {
  readonly id: string;
  readonly group: string;
  readonly version: number;
  /** Sequence of the service's last event, or of its endpoints' if later. */
  readonly seq: number;
  /** Live gateways of the group whose applied sequence is at or past `seq`. */
  readonly current: readonly string[];
  /** Live gateways of the group still behind. */
  readonly behind: readonly string[];
  /** Stale gateways of the group (no recent status). */
  readonly stale: readonly string[];
}

/** The rollout of one service over the given gateway statuses. */
export function rolloutOf(
  service: { id: string; group: string; version: number; seq: number },
  gateways: readonly GatewayStatus[],
): ServiceRollout {
  const current: string[] = [];
  const behind: string[] = [];
  const stale: string[] = [];
  for (const g of gateways) {
    if (g.group !== service.group) continue;
    if (!g.live) stale.push(g.gatewayId);
    else if (g.appliedSeq >= service.seq) current.push(g.gatewayId);
    else behind.push(g.gatewayId);
  }
  return { ...service, current, behind, stale };
}
