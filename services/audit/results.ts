// The answers of the audit queries: plain JSON (the HTTP API sends them as they are,
// the CLI prints them as tables or as JSON with `-o json`).
import type { History } from "../../libs/audit/history.ts";
import type { FieldChange } from "../../libs/audit/field-diff.ts";
import type { ObjectChange } from "../../libs/audit/state-diff.ts";
import type { StatusAt } from "../../libs/audit/status-at.ts";
import type { VerifyReport } from "../../libs/audit/verify.ts";
import type { AggregateKind } from "../../libs/domain/model.ts";
import type { Anomaly } from "../../libs/domain/state.ts";
import type { SkippedEvent } from "./fold-message.ts";

export type { FieldChange, History, ObjectChange, StatusAt, VerifyReport };

/** Where a point-in-time answer stands in the log. */
export interface PointInfo {
  /** The point asked for, as query text (`seq:1234` or an ISO time). */
  readonly requested: string;
  /** The last event sequence folded (0: before the first event). */
  readonly lastSeq: number;
  /** Storage time of that event (ISO 8601), null when none. */
  readonly lastTime: string | null;
  /** Events read to get here. */
  readonly events: number;
}

/** One live aggregate at a point. */
export interface AggregateAt {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
  readonly version: number;
  /** Stream sequence of its last event. */
  readonly seq: number;
  readonly spec: unknown;
}

export interface StateResult {
  readonly at: PointInfo;
  /** The group asked for, or null for all groups. */
  readonly group: string | null;
  readonly services: readonly AggregateAt[];
  readonly endpoints: readonly AggregateAt[];
  readonly policies: readonly AggregateAt[];
  /** Aggregates whose last event at the point is a tombstone. */
  readonly deleted: number;
  /** What the fold found odd (version gaps, ...), as libs/domain reports it. */
  readonly anomalies: readonly Anomaly[];
  /** Events a gateway would have skipped (undecodable or invalid today), which changed the result. */
  readonly skipped: readonly SkippedEvent[];
  readonly skippedDropped: number;
}

export interface RenderResult {
  readonly at: PointInfo;
  readonly group: string | null;
  /** The ruleset hash a gateway would report (`sha256:…`). */
  readonly hash: string;
  /** The exact full-sync `nft -f` script. */
  readonly script: string;
  readonly services: number;
  readonly policies: number;
  readonly skipped: readonly SkippedEvent[];
}

export interface RulesetDiff {
  readonly fromHash: string;
  readonly toHash: string;
  readonly added: number;
  readonly removed: number;
  /** Unified diff of the canonical ruleset lines; "" when equal. */
  readonly unified: string;
}

export interface DiffResult {
  readonly from: PointInfo;
  readonly to: PointInfo;
  readonly group: string | null;
  readonly objects: readonly ObjectChange[];
  readonly ruleset: RulesetDiff;
}

export interface VerifyResult extends VerifyReport {
  readonly stream: string;
  /** The stream's last sequence when the walk started. */
  readonly headSeq: number;
}
