// Gateway status messages (ARCHITECTURE decision 6): one report per apply attempt and a
// periodic heartbeat, on `lbaas.status.<group>.<gatewayId>` in stream LBAAS_STATUS.
import { isDnsLabel, quote } from "../domain/input.ts";
import type { Problem } from "../domain/model.ts";
import { ValidationError } from "../domain/errors.ts";

export type SyncKind = "full" | "incremental";
export const SYNC_KINDS: readonly SyncKind[] = ["full", "incremental"];

/** Why an apply failed: a stable code (`[a-z0-9_.-]`, 1-64) and a message (<= 4096). */
export interface ApplyError {
  readonly code: string;
  readonly message: string;
}

/** What the applied ruleset contains. */
export interface ApplyCounts {
  readonly services: number;
  readonly endpoints: number;
  readonly policies: number;
}

/** The outcome of one apply attempt. */
export type ApplyResult =
  { readonly ok: true } | { readonly ok: false; readonly error: ApplyError };

export interface GatewayReport {
  /** DNS label; the last token of the status subject. */
  readonly gatewayId: string;
  readonly group: string;
  /** The last LBAAS_EVENTS stream sequence this apply covers. */
  readonly streamSequence: number;
  /** Hash of the ruleset running after the attempt (the last good one after an error). */
  readonly rulesetHash: string;
  readonly result: ApplyResult;
  readonly syncKind: SyncKind;
  /** Fractional milliseconds. */
  readonly durationMs: number;
  /** Unix milliseconds. */
  readonly reportedAt: number;
  readonly counts: ApplyCounts;
}

export interface GatewayHeartbeat {
  readonly gatewayId: string;
  readonly group: string;
  /** The last stream sequence whose state runs in the kernel. */
  readonly appliedSequence: number;
  readonly rulesetHash: string;
  /** The error of the last failed apply, or null when the last apply succeeded. */
  readonly lastError: ApplyError | null;
  /** Unix milliseconds. */
  readonly startedAt: number;
  readonly sentAt: number;
  /** Software version of the applier (<= 64 characters). */
  readonly version: string;
}

export const STATUS_SUBJECT_PREFIX = "lbaas.status";
export const MAX_ERROR_MESSAGE = 4096;

/**
 * `lbaas.status.<group>.<gatewayId>`. Throws ValidationError when either is not a
 * DNS label (it would not be one subject token).
 */
export function statusSubjectOf(group: string, gatewayId: string): string {
  const problems: Problem[] = [];
  if (!isDnsLabel(group))
    problems.push({ path: "group", message: `${quote(group)} is not a dns label` });
  if (!isDnsLabel(gatewayId))
    problems.push({ path: "gatewayId", message: `${quote(gatewayId)} is not a dns label` });
  if (problems.length > 0) throw new ValidationError(problems, "status subject");
  return `${STATUS_SUBJECT_PREFIX}.${group}.${gatewayId}`;
}

const HASH = /^[0-9A-Za-z:_-]{0,128}$/;
const ERROR_CODE = /^[a-z0-9_.-]{1,64}$/;
const UINT32_MAX = 0xffff_ffff;

/** Collects the problems of status fields; shared by reports and heartbeats. */
export class StatusCheck {
  readonly problems: Problem[] = [];

  private add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  label(path: string, v: unknown): void {
    if (!isDnsLabel(v)) this.add(path, `${quote(v)} is not a dns label`);
  }

  count(path: string, v: unknown, max = Number.MAX_SAFE_INTEGER): void {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) {
      this.add(path, `${quote(v)} is not a count (0-${max})`);
    }
  }

  uint32(path: string, v: unknown): void {
    this.count(path, v, UINT32_MAX);
  }

  hash(path: string, v: unknown): void {
    if (typeof v !== "string" || !HASH.test(v)) this.add(path, `${quote(v)} is not a ruleset hash`);
  }

  text(path: string, v: unknown, max: number): void {
    if (typeof v !== "string" || v.length > max) {
      this.add(path, `${quote(v)} is not a string of at most ${max} characters`);
    }
  }

  error(path: string, e: ApplyError): void {
    if (typeof e.code !== "string" || !ERROR_CODE.test(e.code)) {
      this.add(`${path}.code`, `${quote(e.code)} is not an error code ([a-z0-9_.-], 1-64)`);
    }
    this.text(`${path}.message`, e.message, MAX_ERROR_MESSAGE);
  }

  duration(path: string, v: unknown): void {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      this.add(path, `${quote(v)} is not a duration in milliseconds`);
    }
  }

  syncKind(path: string, v: unknown): void {
    if (!SYNC_KINDS.some((k) => k === v))
      this.add(path, `${quote(v)} is not a sync kind (full, incremental)`);
  }
}

/** Every problem of a report (empty when valid). */
export function checkReport(r: GatewayReport): Problem[] {
  const c = new StatusCheck();
  c.label("gatewayId", r.gatewayId);
  c.label("group", r.group);
  c.count("streamSequence", r.streamSequence);
  c.hash("rulesetHash", r.rulesetHash);
  if (!r.result.ok) c.error("result.error", r.result.error);
  c.syncKind("syncKind", r.syncKind);
  c.duration("durationMs", r.durationMs);
  c.count("reportedAt", r.reportedAt);
  c.uint32("counts.services", r.counts.services);
  c.uint32("counts.endpoints", r.counts.endpoints);
  c.uint32("counts.policies", r.counts.policies);
  return c.problems;
}

/** Every problem of a heartbeat (empty when valid). */
export function checkHeartbeat(h: GatewayHeartbeat): Problem[] {
  const c = new StatusCheck();
  c.label("gatewayId", h.gatewayId);
  c.label("group", h.group);
  c.count("appliedSequence", h.appliedSequence);
  c.hash("rulesetHash", h.rulesetHash);
  if (h.lastError !== null) c.error("lastError", h.lastError);
  c.count("startedAt", h.startedAt);
  c.count("sentAt", h.sentAt);
  c.text("version", h.version, 64);
  return c.problems;
}
