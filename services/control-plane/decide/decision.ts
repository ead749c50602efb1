// What a decider returns: the events to append, or why none may be appended.
// The clock, event ids and who/why/which-request all come in as data (WriteContext),
// so deciders are pure and their tests deterministic.
import type { AggregateKind, Problem } from "../../../libs/domain/model.ts";
import type { EventBody, LbEvent } from "../../../libs/events/event.ts";
import { CURRENT_SCHEMA_VERSION } from "../../../libs/events/event.ts";

/** Everything about a write that does not come from the command itself. */
export interface WriteContext {
  /** Unix milliseconds of the write. */
  readonly now: number;
  readonly actor: string;
  readonly reason: string;
  readonly correlationId: string;
  /** A fresh, unique event id per call (a UUID in production, a counter in tests). */
  readonly newEventId: () => string;
}

/** A VIP that the decider allocated from a pool for an `auto` entry. */
export interface Allocation {
  readonly serviceId: string;
  /** Where the `auto` entry was in the input, e.g. `vips[0]` or `services[3].vips[1]`. */
  readonly path: string;
  readonly address: string;
  /** True when the service already held this address (an `auto` VIP is sticky). */
  readonly kept: boolean;
}

export type Decision =
  | {
      readonly outcome: "events";
      /** In publish order; empty when the command changes nothing. */
      readonly events: readonly LbEvent[];
      readonly allocations: readonly Allocation[];
      /** `kind/id` of the aggregates these events create (absent or deleted before). */
      readonly created: readonly string[];
    }
  | { readonly outcome: "invalid"; readonly problems: readonly Problem[] }
  | {
      readonly outcome: "version_conflict";
      readonly kind: AggregateKind;
      readonly id: string;
      readonly expectedVersion: number;
      readonly currentVersion: number;
    }
  | { readonly outcome: "not_found"; readonly kind: AggregateKind; readonly id: string };

/** A decision to append `events` (possibly none). */
export function accept(
  events: readonly LbEvent[],
  allocations: readonly Allocation[] = [],
  created: readonly string[] = [],
): Decision {
  return { outcome: "events", events, allocations, created };
}

/** A refusal listing every problem. */
export function invalid(problems: readonly Problem[]): Decision {
  return { outcome: "invalid", problems };
}

/** Builds one event of aggregate {kind, id} in `group` at `version`, stamped from `ctx`. */
export function eventOf(
  ctx: WriteContext,
  kind: AggregateKind,
  id: string,
  group: string,
  version: number,
  body: EventBody,
): LbEvent {
  return {
    meta: {
      eventId: ctx.newEventId(),
      kind,
      id,
      group,
      version,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      occurredAt: ctx.now,
      actor: ctx.actor,
      reason: ctx.reason,
      correlationId: ctx.correlationId,
    },
    body,
  };
}
