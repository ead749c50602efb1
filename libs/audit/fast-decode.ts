// Decoding for long replays: the event codec's checks minus re-validating every spec.
//
// Why: `decodeEvent` re-validates each spec with today's rules (~100k events/s on
// one core here), which alone is slower than reading the stream (~150k msg/s), so a
// replay of 1,000,000 events could not reach 100,000 events/s. A point-in-time state
// only depends on the LAST event of each aggregate, so the replay decodes every event
// structurally here (protobuf, schema version and upcast, envelope, subject ↔
// envelope, body kind) and validates only the specs that survive to the end (see
// services/audit/replay-state.ts, which re-reads an aggregate exactly when its final
// spec fails). `audit verify` still runs the full `decodeEvent` on every event.
import { lbaas } from "../../proto/gen/lbaas.js";
import { checkMeta } from "../events/check.ts";
import { DecodeError } from "../events/errors.ts";
import type { ExpectedAggregate } from "../events/codec.ts";
import {
  CURRENT_SCHEMA_VERSION,
  KIND_OF_TYPE,
  OLDEST_SCHEMA_VERSION,
  type EventBody,
  type EventMeta,
  type LbEvent,
} from "../events/event.ts";
import { decodeMessage, wireNumber } from "../events/message-bytes.ts";
import { upcast, type WireEvent } from "../events/upcast.ts";
import { endpointsFromWire, policyFromWire, serviceFromWire } from "../events/wire.ts";
import type { AggregateKind, EndpointsSpec, PolicySpec, ServiceSpec } from "../domain/model.ts";

const pb = lbaas.v1;
const KINDS: ReadonlyArray<AggregateKind | undefined> = [
  undefined,
  "service",
  "endpoints",
  "policy",
];

/** The one body present, its spec NOT validated (the caller validates what it keeps). */
function bodyOf(w: WireEvent): EventBody | null {
  let found: EventBody | null = null;
  let count = 0;
  if (w.serviceUpserted) {
    count++;
    found = {
      type: "ServiceUpserted",
      spec: serviceFromWire(w.serviceUpserted.spec) as ServiceSpec,
    };
  }
  if (w.serviceDeleted) {
    count++;
    found = { type: "ServiceDeleted" };
  }
  if (w.endpointsReplaced) {
    count++;
    const spec = endpointsFromWire(w.endpointsReplaced.spec) as EndpointsSpec;
    found = { type: "EndpointsReplaced", spec };
  }
  if (w.endpointsDeleted) {
    count++;
    found = { type: "EndpointsDeleted" };
  }
  if (w.policyUpserted) {
    count++;
    found = { type: "PolicyUpserted", spec: policyFromWire(w.policyUpserted.spec) as PolicySpec };
  }
  if (w.policyDeleted) {
    count++;
    found = { type: "PolicyDeleted" };
  }
  // A oneof decodes to at most one member; more would be a codec bug, treat as none.
  return count === 1 ? found : null;
}

/**
 * Decodes an event like `decodeEvent` (same DecodeError codes, same envelope and
 * subject checks, same upcasting) but WITHOUT validating the spec: an upsert's spec
 * is the wire content as is (null when missing) and must be validated by the caller
 * before it is trusted (e.g. with `checkBody`). Throws only DecodeError.
 */
export function decodeEventUnvalidated(bytes: Uint8Array, expected?: ExpectedAggregate): LbEvent {
  const w: WireEvent = decodeMessage((b) => pb.Event.decode(b), bytes, "event");
  const version = w.schemaVersion ?? 0;
  if (version < OLDEST_SCHEMA_VERSION || version > CURRENT_SCHEMA_VERSION) {
    throw new DecodeError(
      "unknown_schema_version",
      `event schema version ${version} is not one this reader knows (${OLDEST_SCHEMA_VERSION}-${CURRENT_SCHEMA_VERSION})`,
    );
  }
  const kind = KINDS[w.aggregateKind ?? 0];
  if (kind === undefined) {
    throw new DecodeError("invalid_event", "event has no valid aggregate kind", [
      { path: "meta.kind", message: `${w.aggregateKind ?? 0} is not an aggregate kind (1-3)` },
    ]);
  }
  const meta: EventMeta = {
    eventId: w.eventId ?? "",
    kind,
    id: w.aggregateId ?? "",
    group: w.group ?? "",
    version: wireNumber(w.aggregateVersion),
    schemaVersion: version,
    occurredAt: wireNumber(w.occurredAtUnixMs),
    actor: w.actor ?? "",
    reason: w.reason ?? "",
    correlationId: w.correlationId ?? "",
  };
  const problems = checkMeta(meta);
  if (problems.length > 0)
    throw new DecodeError("invalid_event", "event has an invalid envelope", problems);
  if (
    expected &&
    (expected.kind !== meta.kind || expected.id !== meta.id || expected.group !== meta.group)
  ) {
    throw new DecodeError(
      "wrong_aggregate",
      `event is for ${meta.kind} "${meta.id}" in group "${meta.group}" but was read as ` +
        `${expected.kind} "${expected.id}" in group "${expected.group}"`,
    );
  }
  const body = bodyOf(version === CURRENT_SCHEMA_VERSION ? w : upcast(w, version));
  if (body === null)
    throw new DecodeError("invalid_event", "event has no body", [
      { path: "body", message: "is missing" },
    ]);
  if (KIND_OF_TYPE[body.type] !== kind) {
    const message = `${JSON.stringify(body.type)} does not belong to a ${JSON.stringify(kind)} aggregate`;
    throw new DecodeError(
      "invalid_event",
      `event ${kind} "${meta.id}" v${meta.version} is invalid`,
      [{ path: "body", message }],
    );
  }
  if ("spec" in body && body.spec === null) {
    throw new DecodeError(
      "invalid_event",
      `event ${kind} "${meta.id}" v${meta.version} is invalid`,
      [{ path: "body.spec", message: "is missing" }],
    );
  }
  return { meta, body };
}

/** The envelope fields of an event as written, unchecked. */
export interface RawEnvelope {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
  readonly version: number;
  readonly schemaVersion: number;
  /** The body is one of the deletes. */
  readonly tombstone: boolean;
}

/**
 * The envelope of bytes that may fail any check (invalid spec, bad envelope): kind,
 * id, group and version as written, or null when the bytes are not an event at
 * all. Lets `verify` keep counting versions past an event it reports.
 */
export function readEnvelope(bytes: Uint8Array): RawEnvelope | null {
  try {
    const w: WireEvent = decodeMessage((b) => pb.Event.decode(b), bytes, "event");
    const kind = KINDS[w.aggregateKind ?? 0];
    if (kind === undefined) return null;
    return {
      kind,
      id: w.aggregateId ?? "",
      group: w.group ?? "",
      version: wireNumber(w.aggregateVersion),
      schemaVersion: w.schemaVersion ?? 0,
      tombstone: Boolean(w.serviceDeleted ?? w.endpointsDeleted ?? w.policyDeleted),
    };
  } catch {
    return null;
  }
}
