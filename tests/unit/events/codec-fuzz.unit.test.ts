// Hostile bytes never crash a reader: every failure of decodeEvent, decodeReport and
// decodeHeartbeat is a DecodeError, and whatever does decode is a valid event that
// encodes again.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeEvent,
  decodeHeartbeat,
  decodeReport,
  encodeEvent,
  encodeHeartbeat,
  encodeReport,
} from "../../../libs/events/codec.ts";
import { isDecodeError } from "../../../libs/events/errors.ts";
import { everyEventType } from "../../fixtures/domain-events.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";

const valid: Uint8Array[] = [
  ...everyEventType().map(encodeEvent),
  encodeReport(sampleReport()),
  encodeHeartbeat(sampleHeartbeat()),
];
const decoders = [
  (b: Uint8Array): unknown => encodeEvent(decodeEvent(b)),
  (b: Uint8Array): unknown => encodeReport(decodeReport(b)),
  (b: Uint8Array): unknown => encodeHeartbeat(decodeHeartbeat(b)),
];

/** Runs every decoder; a decoded value must re-encode, a failure must be a DecodeError. */
function survives(bytes: Uint8Array): void {
  for (const decodeAndReencode of decoders) {
    try {
      decodeAndReencode(bytes);
    } catch (err) {
      if (!isDecodeError(err)) {
        assert.fail(
          `not a DecodeError for ${Buffer.from(bytes).toString("hex").slice(0, 80)}: ${String(err)}`,
        );
      }
    }
  }
}

test("fuzz - random bytes", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), survives), { numRuns: 3000 });
});

test("fuzz - every truncation of every valid message", () => {
  for (const bytes of valid) {
    for (let n = 0; n < bytes.length; n++) survives(bytes.subarray(0, n));
  }
});

test("fuzz - flipped bits, replaced and inserted bytes in valid messages", () => {
  const mutated = fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          fc.constantFrom("flip", "set", "insert", "delete"),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    )
    .map(([bytes, edits]) => {
      const out = Array.from(bytes);
      for (const [at, value, kind] of edits) {
        const i = out.length === 0 ? 0 : at % out.length;
        if (kind === "flip") out[i] = (out[i] ?? 0) ^ (1 << (value % 8));
        else if (kind === "set") out[i] = value;
        else if (kind === "insert") out.splice(i, 0, value);
        else out.splice(i, 1);
      }
      return new Uint8Array(out);
    });
  fc.assert(fc.property(mutated, survives), { numRuns: 5000 });
});

test("fuzz - pathological shapes: deep groups, huge lengths, long varints, big repeats", () => {
  const cases: Uint8Array[] = [
    new Uint8Array(200_000).fill(0x0b), // 200,000 nested unknown group starts (field 1, type 3)
    new Uint8Array([0x82, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 16, length 4 GiB
    new Uint8Array([0x28, ...new Array<number>(20).fill(0xff)]), // over-long varint
    new Uint8Array([0x82, 0x01, ...new Array<number>(1000).fill(0x82)]), // nested length prefixes
    // 100,000 VIPs of "1" inside a ServiceUpserted: bounded by the validator's list limit.
    (() => {
      const vip = [0x1a, 0x01, 0x31];
      const spec = new Array<number>(100_000).fill(0).flatMap(() => vip);
      const varint = (n: number): number[] => {
        const out: number[] = [];
        while (n > 0x7f) {
          out.push((n & 0x7f) | 0x80);
          n >>>= 7;
        }
        return [...out, n];
      };
      const upserted = [0x0a, ...varint(spec.length), ...spec];
      const text = (tag: number, t: string): number[] => [tag, t.length, ...Buffer.from(t)];
      const envelope = [
        ...text(0x0a, "e"), // event_id
        0x10,
        0x01, // aggregate_kind = SERVICE
        ...text(0x1a, "web"), // aggregate_id
        ...text(0x22, "default"), // group
        0x28,
        0x01, // aggregate_version = 1
        0x30,
        0x02, // schema_version = 2
      ];
      return new Uint8Array([...envelope, 0x82, 0x01, ...varint(upserted.length), ...upserted]);
    })(),
  ];
  for (const bytes of cases) survives(bytes);
  assert.throws(
    () => decodeEvent(cases[4] as Uint8Array),
    (err: unknown) =>
      isDecodeError(err, "invalid_event") && /has 100000 vips; at most 16/.test(err.message),
  );
});
