// A fast read of an event's envelope straight from its protobuf bytes, for long
// replays: only what the fold needs (kind, id, group, version, schema version, which
// body), without building the message or its spec.
//
// Why: a point-in-time state depends only on the LAST event of each aggregate. The
// replay (services/audit/replay-state.ts) scans every event with this (~1 µs) and
// keeps the body's bytes; at the end it decodes and validates, with the real codec,
// only the last event of each live aggregate. Full decoding of every event
// (`decodeEvent`: protobuf objects, upcast, today's validators) costs ~10 µs, more
// than reading the message from the server.
//
// Lenient by design: it refuses what the codec would refuse for structure (bytes
// that are not a protobuf message, unknown schema version or aggregate kind, an
// envelope naming another aggregate than the subject, no body, a body of another
// kind) and leaves every other rule to the final `decodeEvent`. When several bodies
// are present it picks the one the codec picks (the first in field order).
import type { AggregateKind } from "../domain/model.ts";
import { CURRENT_SCHEMA_VERSION, OLDEST_SCHEMA_VERSION, type EventType } from "../events/event.ts";

/** The subject's aggregate, with its id and group as UTF-8 bytes (compared, not decoded). */
export interface ScanTarget {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
  readonly idBytes: Uint8Array;
  readonly groupBytes: Uint8Array;
}

export type ScanResult =
  | { readonly ok: true; readonly version: number; readonly type: EventType }
  | {
      readonly ok: false;
      readonly code: "bad_bytes" | "unknown_schema_version" | "wrong_aggregate" | "invalid_event";
      readonly message: string;
    };

const KIND_NUMBER: Readonly<Record<AggregateKind, number>> = {
  service: 1,
  endpoints: 2,
  policy: 3,
};
/** Body field number (16-21) → type, in field order. */
const BODY_TYPES: ReadonlyArray<EventType> = [
  "ServiceUpserted",
  "ServiceDeleted",
  "EndpointsReplaced",
  "EndpointsDeleted",
  "PolicyUpserted",
  "PolicyDeleted",
];
const BODY_KIND: ReadonlyArray<AggregateKind> = [
  "service",
  "service",
  "endpoints",
  "endpoints",
  "policy",
  "policy",
];

const encoder = new TextEncoder();

/** A scan target for the subject tokens of one aggregate. */
export function scanTarget(kind: AggregateKind, group: string, id: string): ScanTarget {
  return { kind, id, group, idBytes: encoder.encode(id), groupBytes: encoder.encode(group) };
}

function sameBytes(data: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (data[start + i] !== want[i]) return false;
  return true;
}

function fail(
  code: "bad_bytes" | "unknown_schema_version" | "wrong_aggregate" | "invalid_event",
  message: string,
): ScanResult {
  return { ok: false, code, message };
}

/** A read position in one message; one instance is reused by every scan (no allocation). */
class Cursor {
  data: Uint8Array = new Uint8Array();
  pos = 0;
  end = 0;

  /** A varint at `pos` as a number (exact up to 2^53); -1 when truncated or over 10 bytes. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10 && this.pos < this.end; i++) {
      const b = this.data[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    return -1;
  }

  /**
   * Skips the fields of a group up to an end tag (any field number: protobufjs does
   * not check it either); false when the bytes run out first.
   */
  skipGroup(): boolean {
    while (this.pos < this.end) {
      const tag = this.varint();
      if (tag < 0) return false;
      const wire = tag & 7;
      if (wire === 4) return true;
      if (wire === 0) {
        if (this.varint() < 0) return false;
      } else if (wire === 2) {
        const len = this.varint();
        if (len < 0) return false;
        this.pos += len;
      } else if (wire === 1) this.pos += 8;
      else if (wire === 5) this.pos += 4;
      else if (wire === 3) {
        if (!this.skipGroup()) return false;
      } else return false;
      if (this.pos > this.end) return false;
    }
    return false;
  }
}

const cursor = new Cursor();

/**
 * Scans event bytes read from `target`'s subject. Never throws: every refusal is
 * a result with the codec's error code. Empty bytes are `bad_bytes`.
 */
export function scanEvent(data: Uint8Array, target: ScanTarget): ScanResult {
  const c = cursor;
  c.data = data;
  c.pos = 0;
  c.end = data.length;
  const end = data.length;
  let kind = 0;
  let version = 0;
  let schema = 0;
  let idOk = false;
  let groupOk = false;
  let body = 99;
  if (end === 0) return fail("bad_bytes", "event: no bytes");
  while (c.pos < end) {
    const tag = c.varint();
    if (tag < 0) return fail("bad_bytes", "event: truncated tag");
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = c.varint();
      if (v < 0) return fail("bad_bytes", "event: truncated varint");
      if (field === 2) kind = v;
      else if (field === 5) version = v;
      else if (field === 6) schema = v;
    } else if (wire === 2) {
      const len = c.varint();
      if (len < 0 || c.pos + len > end) return fail("bad_bytes", "event: truncated field");
      if (field === 3) idOk = sameBytes(data, c.pos, c.pos + len, target.idBytes);
      else if (field === 4) groupOk = sameBytes(data, c.pos, c.pos + len, target.groupBytes);
      else if (field >= 16 && field <= 21) body = Math.min(body, field);
      c.pos += len;
    } else if (wire === 1) c.pos += 8;
    else if (wire === 5) c.pos += 4;
    else if (wire === 3) {
      // A (deprecated) group: protobufjs skips it as an unknown field, so do we.
      if (!c.skipGroup()) return fail("bad_bytes", "event: unterminated group");
    } else return fail("bad_bytes", `event: invalid wire type ${wire}`);
    if (c.pos > end) return fail("bad_bytes", "event: truncated field");
    if (field === 0) return fail("bad_bytes", "event: field number 0");
  }
  if (schema < OLDEST_SCHEMA_VERSION || schema > CURRENT_SCHEMA_VERSION)
    return fail(
      "unknown_schema_version",
      `event schema version ${schema} is not one this reader knows`,
    );
  if (kind < 1 || kind > 3) return fail("invalid_event", "event has no valid aggregate kind");
  if (kind !== KIND_NUMBER[target.kind] || !idOk || !groupOk)
    return fail(
      "wrong_aggregate",
      `event was read as ${target.kind} "${target.id}" in group "${target.group}" but is not for it`,
    );
  if (body === 99) return fail("invalid_event", "event has no body");
  const type = BODY_TYPES[body - 16] as EventType;
  if (BODY_KIND[body - 16] !== target.kind)
    return fail("invalid_event", `event has a ${type} body for a ${target.kind} aggregate`);
  if (!Number.isSafeInteger(version) || version < 1)
    return fail("invalid_event", `event has no valid version (${version})`);
  return { ok: true, version, type };
}
