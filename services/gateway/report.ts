// What a gateway says about itself (ARCHITECTURE decision 6, xDS-style): one
// GatewayReport per apply attempt (ACK: result ok; NACK: result error) and a
// periodic GatewayHeartbeat. Pure builders; publishing is status-outbox.ts.
import type { Inventory } from "../../libs/domain/model.ts";
import { isDecodeError } from "../../libs/events/errors.ts";
import type {
  ApplyCounts,
  ApplyError,
  GatewayHeartbeat,
  GatewayReport,
  SyncKind,
} from "../../libs/events/status.ts";
import { isNftError } from "../../libs/nft/errors.ts";
import { isRenderError } from "../../libs/nft/render/errors.ts";

/** Stable error codes of reports, besides `nft.<NftErrorCode>` and `render.<RenderErrorCode>`. */
export const ReportCodes = {
  /** An event that could not be decoded or is invalid; skipped. streamSequence is its seq. */
  badEvent: "bad_event",
  /** The owned tables differed from what was committed and were replaced. */
  driftRepaired: "drift_repaired",
  /** Drift was found but the repairing full sync failed (its own NACK follows). */
  driftDetected: "drift_detected",
  /** Anything else (a bug): the message says what. */
  internal: "internal",
} as const;

/** Who reports. */
export interface GatewayIdentity {
  readonly gatewayId: string;
  readonly group: string;
}

/** One apply attempt as the apply loop saw it. */
export interface ApplyAttempt {
  /** The last stream sequence folded into the state the attempt applied. */
  readonly seq: number;
  readonly kind: SyncKind;
  /** The hash running after the attempt: the new one, or the last good one on error. */
  readonly hash: string;
  readonly durationMs: number;
  readonly counts: ApplyCounts;
  readonly error: ApplyError | null;
}

/** Services, endpoints (summed over services) and policies of an inventory. */
export function countsOf(inventory: Inventory): ApplyCounts {
  let endpoints = 0;
  for (const e of inventory.endpoints) endpoints += e.endpoints.length;
  return {
    services: inventory.services.length,
    endpoints,
    policies: inventory.policies.length,
  };
}

/** The report of one attempt, stamped with `now` (Unix ms). */
export function reportOf(who: GatewayIdentity, attempt: ApplyAttempt, now: number): GatewayReport {
  return {
    gatewayId: who.gatewayId,
    group: who.group,
    streamSequence: attempt.seq,
    rulesetHash: attempt.hash,
    result: attempt.error === null ? { ok: true } : { ok: false, error: attempt.error },
    syncKind: attempt.kind,
    durationMs: Math.max(0, attempt.durationMs),
    reportedAt: Math.floor(now),
    counts: attempt.counts,
  };
}

/** What the gateway runs now, for a heartbeat. */
export interface GatewayStanding {
  readonly appliedSeq: number;
  readonly hash: string;
  readonly lastError: ApplyError | null;
  readonly startedAt: number;
}

/** A heartbeat stamped with `now`; `version` is the software version. */
export function heartbeatOf(
  who: GatewayIdentity,
  standing: GatewayStanding,
  version: string,
  now: number,
): GatewayHeartbeat {
  return {
    gatewayId: who.gatewayId,
    group: who.group,
    appliedSequence: standing.appliedSeq,
    rulesetHash: standing.hash,
    lastError: standing.lastError,
    startedAt: Math.floor(standing.startedAt),
    sentAt: Math.floor(now),
    version: version.slice(0, 64),
  };
}

/**
 * The report error of a failed apply: `nft.<code>` for nft failures (the kernel
 * kept its previous ruleset), `render.<code>` for render refusals, `internal`
 * otherwise. Messages are lower-case (nft's first error line) and never empty.
 */
export function applyErrorOf(err: unknown): ApplyError {
  if (isNftError(err)) return { code: `nft.${err.code}`, message: messageOf(err) };
  if (isRenderError(err)) return { code: `render.${err.code}`, message: messageOf(err) };
  return { code: ReportCodes.internal, message: messageOf(err) };
}

/** The report error of a skipped event: `bad_event`, naming its sequence, subject and why. */
export function badEventError(seq: number, subject: string, err: unknown): ApplyError {
  const why = isDecodeError(err) ? `${err.code}: ${err.message}` : messageOf(err);
  return {
    code: ReportCodes.badEvent,
    message: `seq ${seq} ${JSON.stringify(subject)} skipped: ${why}`,
  };
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text === "" ? "(no message)" : text;
}
