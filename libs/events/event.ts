// The typed event: what the control plane appends, gateways fold and audit replays.
//
// An event is `{meta, body}`: `meta` is the envelope (ARCHITECTURE decision 4) with
// plain numbers and strings; `body` is one of the state-carrying events (decision 1),
// discriminated by `type`, the same names as the protobuf messages in
// proto/lbaas/v1/events.proto.
import { isDnsLabel } from "../domain/input.ts";
import { ValidationError } from "../domain/errors.ts";
import {
  AGGREGATE_KINDS,
  type AggregateKind,
  type EndpointsSpec,
  type PolicySpec,
  type ServiceSpec,
} from "../domain/model.ts";

/** The schema version this code writes. Readers accept 1..CURRENT and upcast older ones. */
export const CURRENT_SCHEMA_VERSION = 2;
/** The oldest schema version readers still understand. */
export const OLDEST_SCHEMA_VERSION = 1;

/** The envelope of an event. */
export interface EventMeta {
  /** Unique id chosen by the writer (1-128 printable characters, e.g. a UUID). */
  readonly eventId: string;
  readonly kind: AggregateKind;
  /** Aggregate id (a DNS label); for endpoints the service id. */
  readonly id: string;
  /** Gateway group (a DNS label). */
  readonly group: string;
  /** 1, 2, 3, ... per aggregate, tombstones included. */
  readonly version: number;
  /**
   * The schema version the event was written with (informational after decoding:
   * older events are already upcast). encodeEvent always writes the current one.
   */
  readonly schemaVersion: number;
  /** Milliseconds since the Unix epoch. */
  readonly occurredAt: number;
  /** Who made the change, why, and the request it came from (may be empty). */
  readonly actor: string;
  readonly reason: string;
  readonly correlationId: string;
}

/** The state-carrying bodies; upserts carry the whole new state, deletes are tombstones. */
export type EventBody =
  | { readonly type: "ServiceUpserted"; readonly spec: ServiceSpec }
  | { readonly type: "ServiceDeleted" }
  | { readonly type: "EndpointsReplaced"; readonly spec: EndpointsSpec }
  | { readonly type: "EndpointsDeleted" }
  | { readonly type: "PolicyUpserted"; readonly spec: PolicySpec }
  | { readonly type: "PolicyDeleted" };

export type EventType = EventBody["type"];

/** A domain event: envelope plus body. */
export interface LbEvent {
  readonly meta: EventMeta;
  readonly body: EventBody;
}

/** An event together with its position in the LBAAS_EVENTS stream. */
export interface StoredEvent {
  /** JetStream stream sequence (1, 2, ...; strictly increasing in a stream). */
  readonly seq: number;
  readonly event: LbEvent;
}

/** The aggregate kind each body type belongs to. */
export const KIND_OF_TYPE: Readonly<Record<EventType, AggregateKind>> = {
  ServiceUpserted: "service",
  ServiceDeleted: "service",
  EndpointsReplaced: "endpoints",
  EndpointsDeleted: "endpoints",
  PolicyUpserted: "policy",
  PolicyDeleted: "policy",
};

/** True when a body is a tombstone (the aggregate no longer exists after it). */
export function isTombstone(body: EventBody): boolean {
  return (
    body.type === "ServiceDeleted" ||
    body.type === "EndpointsDeleted" ||
    body.type === "PolicyDeleted"
  );
}

/** The subject prefix of every event. */
export const EVENT_SUBJECT_PREFIX = "lbaas.evt";

function requireLabels(what: Record<string, unknown>): void {
  // Every token a label (the usual case): no problem list to build.
  let ok = true;
  for (const k in what) ok &&= isDnsLabel(what[k]);
  if (ok) return;
  const problems = Object.entries(what)
    .filter(([, v]) => !isDnsLabel(v))
    .map(([k, v]) => ({ path: k, message: `${JSON.stringify(v)} is not a dns label` }));
  if (problems.length > 0) throw new ValidationError(problems, "subject token");
}

/**
 * The subject of an aggregate: `lbaas.evt.<group>.<kind>.<id>` (docs/decisions.md).
 * Throws ValidationError when group or id is not a DNS label (such a value never
 * passed validation, and as a token it could match other subjects) or kind is unknown.
 */
export function subjectOf(kind: AggregateKind, group: string, id: string): string {
  requireLabels({ group, id });
  if (!AGGREGATE_KINDS.includes(kind)) {
    throw new ValidationError([
      { path: "kind", message: `${JSON.stringify(kind)} is not an aggregate kind` },
    ]);
  }
  return `${EVENT_SUBJECT_PREFIX}.${group}.${kind}.${id}`;
}

/** The filter subject for every event of one gateway group: `lbaas.evt.<group>.>`. */
export function groupFilterOf(group: string): string {
  requireLabels({ group });
  return `${EVENT_SUBJECT_PREFIX}.${group}.>`;
}

/**
 * Splits an event subject back into its parts, or returns null when it is not a
 * well-formed `lbaas.evt.<group>.<kind>.<id>` subject.
 */
export function parseSubject(
  subject: string,
): { readonly kind: AggregateKind; readonly group: string; readonly id: string } | null {
  const parts = subject.split(".");
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== EVENT_SUBJECT_PREFIX) return null;
  const [, , group, kindText, id] = parts;
  const kind = AGGREGATE_KINDS.find((k) => k === kindText);
  if (kind === undefined || !isDnsLabel(group) || !isDnsLabel(id)) return null;
  return { kind, group, id };
}

/**
 * The JetStream message id of an event: `<group>.<kind>.<id>.v<version>`, so a retried
 * publish of the same version is stored once. Throws ValidationError for a group or id
 * that is not a DNS label, or a version that is not a positive safe integer.
 */
export function messageIdOf(
  kind: AggregateKind,
  group: string,
  id: string,
  version: number,
): string {
  requireLabels({ group, id });
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new ValidationError([
      { path: "version", message: `${version} is not a version (1 or more)` },
    ]);
  }
  return `${group}.${kind}.${id}.v${version}`;
}
