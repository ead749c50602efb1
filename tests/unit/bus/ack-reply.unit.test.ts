// Reading a JetStream reply subject (libs/bus/ack-reply.ts) gives the numbers the
// client's own parsing gives (nats.js 3.4.0 `JsMsg.info` and `JsMsg.time`,
// reproduced here), in both subject shapes, including times at a millisecond's edge.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { readAckReply, type AckReply } from "../../../libs/bus/ack-reply.ts";

/** nats.js 3.4.0 jsmsg.js `parseInfo` + `millis`, as the oracle. */
function clientParse(s: string): AckReply {
  const t = s.split(".");
  if (t.length === 9) t.splice(2, 0, "_", "");
  return {
    streamSeq: parseInt(t[7] as string, 10),
    deliverySeq: parseInt(t[8] as string, 10),
    timeMs: Math.floor(parseInt(t[9] as string, 10) / 1_000_000),
    pending: parseInt(t[10] as string, 10),
  };
}

const fresh = (): AckReply => ({ streamSeq: -1, deliverySeq: -1, timeMs: -1, pending: -1 });

const nanos = fc.oneof(
  fc.bigInt({ min: 1_600_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }),
  // right at, just before and just after a millisecond boundary
  fc
    .tuple(
      fc.bigInt({ min: 1_600_000_000_000n, max: 1_900_000_000_000n }),
      fc.integer({ min: -300, max: 300 }),
    )
    .map(([ms, d]) => ms * 1_000_000n + BigInt(d)),
);

test("ack reply - same numbers as the client, both shapes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.integer({ min: 1, max: 2 ** 40 }),
      nanos,
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.constantFrom("old", "new", "new+token"),
      (sseq, dseq, ns, pending, shape) => {
        const tail = `1.${sseq}.${dseq}.${ns}.${pending}`;
        const reply =
          shape === "old"
            ? `$JS.ACK.LBAAS_EVENTS.oc_abc_1.${tail}`
            : `$JS.ACK._.ACCHASH.LBAAS_EVENTS.oc_abc_1.${tail}${shape === "new+token" ? ".xyz9" : ""}`;
        const out = fresh();
        assert.equal(readAckReply(reply, out), true);
        assert.deepEqual(out, clientParse(reply));
      },
    ),
    { numRuns: 2_000 },
  );
});

test("ack reply - a short time reads as the client reads it", () => {
  const reply = "$JS.ACK.S.C.1.2.3.1234567.0";
  const out = fresh();
  assert.equal(readAckReply(reply, out), true);
  assert.deepEqual(out, clientParse(reply));
  assert.equal(out.timeMs, 1);
});

test("ack reply - refuses what is not a JetStream reply", () => {
  const cases = [
    "",
    "_INBOX.abc",
    "$JS.ACK.S.C.1.2.3",
    "$JS.ACK.S.C.1.x.3.1764182103123456789.0",
    "$JS.ACK.S.C.1.2.3.1764182103123456789.",
    "$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l.m",
  ];
  for (const reply of cases) assert.equal(readAckReply(reply, fresh()), false, reply);
});
