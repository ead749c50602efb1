// Codec of gateway reports and heartbeats: typed values ⇄ protobuf bytes.
import { lbaas } from "../../proto/gen/lbaas.js";
import { ValidationError } from "../domain/errors.ts";
import type { Problem } from "../domain/model.ts";
import { DecodeError } from "./errors.ts";
import { CURRENT_SCHEMA_VERSION, OLDEST_SCHEMA_VERSION } from "./event.ts";
import { decodeMessage, wireNumber } from "./message-bytes.ts";
import {
  checkHeartbeat,
  checkReport,
  MAX_ERROR_MESSAGE,
  type ApplyError,
  type GatewayHeartbeat,
  type GatewayReport,
  type SyncKind,
} from "./status.ts";

export { statusSubjectOf } from "./status.ts";

const pb = lbaas.v1;

const SYNC_TO_WIRE: Readonly<Record<SyncKind, lbaas.v1.SyncKind>> = {
  full: pb.SyncKind.SYNC_KIND_FULL,
  incremental: pb.SyncKind.SYNC_KIND_INCREMENTAL,
};

/** Cuts an over-long error message (an nft error can quote a whole script) so it fits. */
function fitted(e: ApplyError): ApplyError {
  if (typeof e.message !== "string" || e.message.length <= MAX_ERROR_MESSAGE) return e;
  return { code: e.code, message: `${e.message.slice(0, MAX_ERROR_MESSAGE - 1)}…` };
}

function refuse(what: string, problems: readonly Problem[]): never {
  throw new ValidationError(problems, what);
}

function checkVersion(version: number, what: string): void {
  if (version < OLDEST_SCHEMA_VERSION || version > CURRENT_SCHEMA_VERSION) {
    throw new DecodeError(
      "unknown_schema_version",
      `${what} schema version ${version} is not one this reader knows (${OLDEST_SCHEMA_VERSION}-${CURRENT_SCHEMA_VERSION})`,
    );
  }
}

function errorFromWire(e: lbaas.v1.ApplyError.$Properties): ApplyError {
  return { code: e.code ?? "", message: e.message ?? "" };
}

/**
 * Encodes a report. Error messages longer than 4096 characters are cut (ending in
 * "…") so a failing gateway can always report; any other invalid field throws
 * ValidationError listing every problem.
 */
export function encodeReport(report: GatewayReport): Uint8Array {
  const r: GatewayReport = report.result.ok
    ? report
    : { ...report, result: { ok: false, error: fitted(report.result.error) } };
  const problems = checkReport(r);
  if (problems.length > 0) refuse("gateway report", problems);
  return pb.GatewayReport.encode({
    schemaVersion: CURRENT_SCHEMA_VERSION,
    gatewayId: r.gatewayId,
    group: r.group,
    streamSequence: r.streamSequence,
    rulesetHash: r.rulesetHash,
    ...(r.result.ok ? { ok: {} } : { error: { ...r.result.error } }),
    syncKind: SYNC_TO_WIRE[r.syncKind],
    durationMs: r.durationMs,
    reportedAtUnixMs: r.reportedAt,
    counts: { ...r.counts },
  }).finish();
}

/**
 * Decodes a report. Throws only DecodeError: `bad_bytes`, `unknown_schema_version`,
 * or `invalid_status` (no result, unknown sync kind, fields out of range).
 */
export function decodeReport(bytes: Uint8Array): GatewayReport {
  const w = decodeMessage((b) => pb.GatewayReport.decode(b), bytes, "gateway report");
  checkVersion(w.schemaVersion, "gateway report");
  const problems: Problem[] = [];
  const syncKind =
    w.syncKind === pb.SyncKind.SYNC_KIND_FULL
      ? "full"
      : w.syncKind === pb.SyncKind.SYNC_KIND_INCREMENTAL
        ? "incremental"
        : null;
  if (syncKind === null)
    problems.push({ path: "syncKind", message: `${w.syncKind} is not a sync kind (1-2)` });
  const hasOk = w.ok !== null && w.ok !== undefined;
  const hasError = w.error !== null && w.error !== undefined;
  if (hasOk === hasError)
    problems.push({ path: "result", message: "needs exactly one of ok and error" });
  const report: GatewayReport = {
    gatewayId: w.gatewayId,
    group: w.group,
    streamSequence: wireNumber(w.streamSequence),
    rulesetHash: w.rulesetHash,
    result: w.error ? { ok: false, error: errorFromWire(w.error) } : { ok: true },
    syncKind: syncKind ?? "full",
    durationMs: w.durationMs,
    reportedAt: wireNumber(w.reportedAtUnixMs),
    counts: {
      services: w.counts?.services ?? 0,
      endpoints: w.counts?.endpoints ?? 0,
      policies: w.counts?.policies ?? 0,
    },
  };
  problems.push(...checkReport(report));
  if (problems.length > 0)
    throw new DecodeError("invalid_status", "gateway report is invalid", problems);
  return report;
}

/** Encodes a heartbeat (the last error is cut like a report's); throws ValidationError. */
export function encodeHeartbeat(heartbeat: GatewayHeartbeat): Uint8Array {
  const h: GatewayHeartbeat =
    heartbeat.lastError === null
      ? heartbeat
      : { ...heartbeat, lastError: fitted(heartbeat.lastError) };
  const problems = checkHeartbeat(h);
  if (problems.length > 0) refuse("gateway heartbeat", problems);
  return pb.GatewayHeartbeat.encode({
    schemaVersion: CURRENT_SCHEMA_VERSION,
    gatewayId: h.gatewayId,
    group: h.group,
    appliedSequence: h.appliedSequence,
    rulesetHash: h.rulesetHash,
    lastError: h.lastError === null ? null : { ...h.lastError },
    startedAtUnixMs: h.startedAt,
    sentAtUnixMs: h.sentAt,
    version: h.version,
  }).finish();
}

/** Decodes a heartbeat. Throws only DecodeError (as decodeReport). */
export function decodeHeartbeat(bytes: Uint8Array): GatewayHeartbeat {
  const w = decodeMessage((b) => pb.GatewayHeartbeat.decode(b), bytes, "gateway heartbeat");
  checkVersion(w.schemaVersion, "gateway heartbeat");
  const heartbeat: GatewayHeartbeat = {
    gatewayId: w.gatewayId,
    group: w.group,
    appliedSequence: wireNumber(w.appliedSequence),
    rulesetHash: w.rulesetHash,
    lastError: w.lastError ? errorFromWire(w.lastError) : null,
    startedAt: wireNumber(w.startedAtUnixMs),
    sentAt: wireNumber(w.sentAtUnixMs),
    version: w.version,
  };
  const problems = checkHeartbeat(heartbeat);
  if (problems.length > 0)
    throw new DecodeError("invalid_status", "gateway heartbeat is invalid", problems);
  return heartbeat;
}
