// The envelope scan agrees with the codec: whatever `decodeEvent` accepts, the scan
// accepts with the same version and body type (so the replay never drops an event a
// gateway applies), on valid events and on mutated bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { scanEvent, scanTarget } from "../../../libs/audit/envelope-scan.ts";
import { decodeEvent, encodeEvent } from "../../../libs/events/codec.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import { everyEventType } from "../../fixtures/domain-events.ts";

const targetOf = (e: LbEvent) => scanTarget(e.meta.kind, e.meta.group, e.meta.id);

function agrees(bytes: Uint8Array, e: LbEvent): void {
  const target = targetOf(e);
  const scan = scanEvent(bytes, target);
  let decoded: LbEvent | null = null;
  try {
    decoded = decodeEvent(bytes, target);
  } catch {
    decoded = null;
  }
  if (decoded !== null) {
    assert.ok(scan.ok, `codec accepts, scan refuses: ${JSON.stringify(scan)}`);
    assert.equal(scan.version, decoded.meta.version);
    assert.equal(scan.type, decoded.body.type);
  }
}

test("envelope scan - every event type reads as the codec reads it", () => {
  for (const e of everyEventType()) {
    const r = scanEvent(encodeEvent(e), targetOf(e));
    assert.deepEqual(r, { ok: true, version: e.meta.version, type: e.body.type });
  }
});

test("envelope scan - refusals carry the codec's codes", () => {
  const [svc] = everyEventType() as [LbEvent];
  const bytes = encodeEvent(svc);
  const t = targetOf(svc);
  const cases: Array<[Uint8Array, ReturnType<typeof scanTarget>, string]> = [
    [new Uint8Array(), t, "bad_bytes"],
    [bytes.subarray(0, bytes.length - 3), t, "bad_bytes"],
    [new Uint8Array([0x0b]), t, "bad_bytes"], // wire type 3 (group): the codec has the last word
    [bytes, scanTarget("service", "default", "api"), "wrong_aggregate"],
    [bytes, scanTarget("service", "blue", "web"), "wrong_aggregate"],
    [bytes, scanTarget("policy", "default", "web"), "wrong_aggregate"],
  ];
  for (const [data, target, code] of cases) {
    const r = scanEvent(data, target);
    assert.equal(r.ok ? "ok" : r.code, code);
  }
});

test("envelope scan - never refuses what the codec accepts (mutated bytes)", () => {
  const valid = everyEventType().map((e) => ({ e, bytes: encodeEvent(e) }));
  const mutated = fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          fc.constantFrom("set", "insert", "delete"),
        ),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
    )
    .map(([{ e, bytes }, edits]) => {
      const b = [...bytes];
      for (const [at, value, op] of edits) {
        const i = at % (b.length + 1);
        if (op === "set" && i < b.length) b[i] = value;
        else if (op === "insert") b.splice(i, 0, value);
        else if (op === "delete") b.splice(i, 1);
      }
      return { e, bytes: new Uint8Array(b) };
    });
  fc.assert(
    fc.property(mutated, ({ e, bytes }) => agrees(bytes, e)),
    { numRuns: 5000 },
  );
});
