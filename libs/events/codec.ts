// The event codec: typed events ⇄ protobuf bytes (lbaas.v1.Event).
//
// Decoding is defensive: every failure is a DecodeError with a stable code, older
// schema versions are upcast, and every spec is re-validated with today's rules, so
// a fold never sees an event that today's control plane could not have written.
import { lbaas } from "../../proto/gen/lbaas.js";
import { ValidationError } from "../domain/errors.ts";
import { quote } from "../domain/input.ts";
import type { AggregateKind, Problem } from "../domain/model.ts";
import { checkBody, checkBodyBelongs, checkMeta } from "./check.ts";
import { DecodeError } from "./errors.ts";
import {
  CURRENT_SCHEMA_VERSION,
  OLDEST_SCHEMA_VERSION,
  type EventBody,
  type EventMeta,
  type EventType,
  type LbEvent,
} from "./event.ts";
import { decodeMessage, wireNumber } from "./message-bytes.ts";
import { upcast, type WireEvent } from "./upcast.ts";
import {
  endpointsFromWire,
  endpointsToWire,
  policyFromWire,
  policyToWire,
  serviceFromWire,
  serviceToWire,
} from "./wire.ts";

export {
  statusSubjectOf,
  encodeHeartbeat,
  decodeHeartbeat,
  encodeReport,
  decodeReport,
} from "./status-codec.ts";

const pb = lbaas.v1;

const KIND_TO_WIRE: Readonly<Record<AggregateKind, lbaas.v1.AggregateKind>> = {
  service: pb.AggregateKind.AGGREGATE_KIND_SERVICE,
  endpoints: pb.AggregateKind.AGGREGATE_KIND_ENDPOINTS,
  policy: pb.AggregateKind.AGGREGATE_KIND_POLICY,
};
const KIND_FROM_WIRE: ReadonlyMap<number, AggregateKind> = new Map(
  Object.entries(KIND_TO_WIRE).map(([k, v]) => [v, k as AggregateKind]),
);

/** The oneof member of Event that carries each body type. */
const BODY_FIELD = {
  ServiceUpserted: "serviceUpserted",
  ServiceDeleted: "serviceDeleted",
  EndpointsReplaced: "endpointsReplaced",
  EndpointsDeleted: "endpointsDeleted",
  PolicyUpserted: "policyUpserted",
  PolicyDeleted: "policyDeleted",
} as const satisfies Record<EventType, keyof WireEvent>;
const BODY_TYPES = Object.keys(BODY_FIELD) as EventType[];

function bodyToWire(body: EventBody): WireEvent {
  switch (body.type) {
    case "ServiceUpserted":
      return { serviceUpserted: { spec: serviceToWire(body.spec) } };
    case "EndpointsReplaced":
      return { endpointsReplaced: { spec: endpointsToWire(body.spec) } };
    case "PolicyUpserted":
      return { policyUpserted: { spec: policyToWire(body.spec) } };
    case "ServiceDeleted":
    case "EndpointsDeleted":
    case "PolicyDeleted":
      return { [BODY_FIELD[body.type]]: {} };
  }
}

/**
 * Encodes an event with the current schema version (meta.schemaVersion is ignored).
 * The event is checked as a decoder would check it and its spec is written in
 * canonical form; throws ValidationError (code `invalid_input`) listing every problem
 * when it would not decode, so a bad event never reaches the stream.
 */
export function encodeEvent(ev: LbEvent): Uint8Array {
  const metaProblems = checkMeta(ev.meta);
  const spec = "spec" in ev.body ? ev.body.spec : undefined;
  const { body, problems } = checkBody(ev.meta, ev.body.type, spec);
  if (metaProblems.length > 0 || body === null) {
    throw new ValidationError([...metaProblems, ...problems], "event");
  }
  return pb.Event.encode(wireOf(ev.meta, body)).finish();
}

/**
 * Encodes an event whose spec is ALREADY VALIDATED: the unchanged output of today's
 * validators (readService, readEndpointList, readPolicy, validateInventory), as the
 * control plane's deciders build every event. Same bytes as encodeEvent for such an
 * event, without validating the spec a second time (a fifth of the control plane's
 * CPU per write went to that). The envelope is still checked, and so is that the body
 * belongs to it (kind, spec id and group): ValidationError listing the problems.
 * Anything else (a spec built or changed by hand, read from a file, decoded) must go
 * through encodeEvent: a spec that would not validate is stored and then skipped by
 * every reader as undecodable.
 */
export function encodeValidatedEvent(ev: LbEvent): Uint8Array {
  const problems = checkMeta(ev.meta);
  if (problems.length === 0) problems.push(...checkBodyBelongs(ev.meta, ev.body));
  if (problems.length > 0) throw new ValidationError(problems, "event");
  return pb.Event.encode(wireOf(ev.meta, ev.body)).finish();
}

/** The wire message of an envelope and a checked body. */
function wireOf(m: EventMeta, body: EventBody): WireEvent {
  return {
    eventId: m.eventId,
    aggregateKind: KIND_TO_WIRE[m.kind],
    aggregateId: m.id,
    group: m.group,
    aggregateVersion: m.version,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    occurredAtUnixMs: m.occurredAt,
    actor: m.actor,
    reason: m.reason,
    correlationId: m.correlationId,
    ...bodyToWire(body),
  };
}

/** The aggregate a reader expects, from the subject the bytes were read from. */
export interface ExpectedAggregate {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
}

function invalid(message: string, problems: readonly Problem[]): DecodeError {
  return new DecodeError("invalid_event", message, problems);
}

function metaFromWire(w: WireEvent, schemaVersion: number): EventMeta {
  const kind = KIND_FROM_WIRE.get(w.aggregateKind ?? 0);
  if (kind === undefined) {
    throw invalid("event has no valid aggregate kind", [
      { path: "meta.kind", message: `${w.aggregateKind ?? 0} is not an aggregate kind (1-3)` },
    ]);
  }
  return {
    eventId: w.eventId ?? "",
    kind,
    id: w.aggregateId ?? "",
    group: w.group ?? "",
    version: wireNumber(w.aggregateVersion),
    schemaVersion,
    occurredAt: wireNumber(w.occurredAtUnixMs),
    actor: w.actor ?? "",
    reason: w.reason ?? "",
    correlationId: w.correlationId ?? "",
  };
}

/** The one body present, with its spec as validator input, or null when none is. */
function bodyFromWire(w: WireEvent): { type: EventType; spec: unknown } | null {
  const present = BODY_TYPES.filter(
    (t) => w[BODY_FIELD[t]] !== null && w[BODY_FIELD[t]] !== undefined,
  );
  const type = present[0];
  if (type === undefined) return null;
  switch (type) {
    case "ServiceUpserted":
      return { type, spec: serviceFromWire(w.serviceUpserted?.spec) };
    case "EndpointsReplaced":
      return { type, spec: endpointsFromWire(w.endpointsReplaced?.spec) };
    case "PolicyUpserted":
      return { type, spec: policyFromWire(w.policyUpserted?.spec) };
    default:
      return { type, spec: undefined };
  }
}

/**
 * Decodes an event. With `expected` (the aggregate of the subject the bytes came
 * from), an envelope naming another kind, id or group is refused. Throws only
 * DecodeError: `bad_bytes`, `unknown_schema_version` (0, or newer than 2),
 * `wrong_aggregate`, or `invalid_event` (bad envelope, no body, body of another kind,
 * spec that fails today's validation, spec id/group not the envelope's).
 */
export function decodeEvent(bytes: Uint8Array, expected?: ExpectedAggregate): LbEvent {
  const w: WireEvent = decodeMessage((b) => pb.Event.decode(b), bytes, "event");
  const version = w.schemaVersion ?? 0;
  if (version < OLDEST_SCHEMA_VERSION || version > CURRENT_SCHEMA_VERSION) {
    throw new DecodeError(
      "unknown_schema_version",
      `event schema version ${version} is not one this reader knows (${OLDEST_SCHEMA_VERSION}-${CURRENT_SCHEMA_VERSION})`,
    );
  }
  const meta = metaFromWire(w, version);
  const metaProblems = checkMeta(meta);
  if (metaProblems.length > 0) throw invalid("event has an invalid envelope", metaProblems);
  if (
    expected &&
    (expected.kind !== meta.kind || expected.id !== meta.id || expected.group !== meta.group)
  ) {
    throw new DecodeError(
      "wrong_aggregate",
      `event is for ${meta.kind} "${meta.id}" in group "${meta.group}" but was read as ` +
        `${quote(expected.kind)} ${quote(expected.id)} in group ${quote(expected.group)}`,
    );
  }
  const found = bodyFromWire(upcast(w, version));
  if (found === null) throw invalid("event has no body", [{ path: "body", message: "is missing" }]);
  const { body, problems } = checkBody(meta, found.type, found.spec);
  if (body === null)
    throw invalid(`event ${meta.kind} "${meta.id}" v${meta.version} is invalid`, problems);
  return { meta, body };
}
