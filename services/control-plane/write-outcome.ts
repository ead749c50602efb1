// What a write or a sync can come to: the outcomes the writer returns and the HTTP
// edge maps to answers.
import type { AggregateKind, Problem } from "../../libs/domain/model.ts";
import type { LbEvent } from "../../libs/events/event.ts";
import type { Allocation } from "./decide/decision.ts";
import type { PlannedChange } from "./decide/sync.ts";
import type { Acknowledged } from "./view.ts";

/** Who writes, why, and which request: stamped on every event of a write. */
export interface Stamp {
  readonly actor: string;
  readonly reason: string;
  readonly correlationId: string;
}

export type Refusal =
  | { readonly outcome: "invalid"; readonly problems: readonly Problem[] }
  | {
      readonly outcome: "version_conflict";
      readonly kind: AggregateKind;
      readonly id: string;
      readonly currentVersion: number;
    }
  | { readonly outcome: "not_found"; readonly kind: AggregateKind; readonly id: string }
  | { readonly outcome: "unavailable"; readonly message: string };

/** A publish that failed after some events of the write were stored. */
export interface Interrupted {
  readonly outcome: "interrupted";
  readonly message: string;
  readonly published: readonly Acknowledged[];
  /** The events that were not (or not certainly) stored, in order. */
  readonly notPublished: readonly LbEvent[];
}

export type WriteOutcome =
  | {
      readonly outcome: "done";
      readonly published: readonly Acknowledged[];
      readonly allocations: readonly Allocation[];
      /** `kind/id` of the aggregates this write created. */
      readonly created: readonly string[];
    }
  | Refusal
  | Interrupted;

export type SyncOutcome =
  | {
      readonly outcome: "done";
      /** Planned changes (for a dry run: what would be published). */
      readonly changes: readonly PlannedChange[];
      readonly published: readonly Acknowledged[];
      readonly unchanged: Readonly<Record<AggregateKind, number>>;
      readonly allocations: readonly Allocation[];
      readonly scope: readonly string[];
      readonly dryRun: boolean;
    }
  | Refusal
  | (Interrupted & { readonly changes: readonly PlannedChange[] });
