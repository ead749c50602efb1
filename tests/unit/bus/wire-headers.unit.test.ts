import { test } from "node:test";
import assert from "node:assert/strict";
import { headers, Match, type MsgHdrs } from "@nats-io/transport-node";
import { isBusError } from "../../../libs/bus/errors.ts";
import { WireHeaders } from "../../../libs/bus/wire-headers.ts";

type Step = readonly ["set" | "append" | "delete", string, string, Match?];

/** Runs the same steps on the client's headers and on WireHeaders. */
function both(steps: readonly Step[]): [MsgHdrs, WireHeaders] {
  const client = headers();
  const wire = new WireHeaders();
  for (const [op, k, v, match] of steps)
    for (const h of [client, wire]) {
      if (op === "delete") h.delete(k, match);
      else h[op](k, v, match);
    }
  return [client, wire];
}

const CASES: readonly [string, readonly Step[]][] = [
  ["none", []],
  [
    "an append's seven headers",
    [
      ["set", "Lbaas-Event-Type", "ServiceUpserted"],
      ["set", "Nats-Expected-Last-Sequence", "41"],
      ["set", "Nats-Expected-Last-Msg-Id", "default.service.web.v1"],
      ["set", "Lbaas-Version", "2"],
      ["set", "Nats-Msg-Id", "default.service.web.v2"],
      ["set", "Nats-Expected-Stream", "LBAAS_EVENTS"],
      ["set", "Nats-Expected-Last-Subject-Sequence", "7"],
    ],
  ],
  [
    "set replaces, append adds, values grouped where the name first appears, trimmed",
    [
      ["set", "A", "1"],
      ["set", "B", " 2 "],
      ["append", "A", "3"],
      ["set", "B", "4"],
      ["delete", "C", ""],
    ],
  ],
  [
    "a name appended again after another name",
    [
      ["set", "A", "1"],
      ["set", "B", "2"],
      ["append", "A", "3"],
    ],
  ],
  [
    "matching modes",
    [
      ["set", "x-one", "1", Match.CanonicalMIME],
      ["append", "x-two", "2"],
      ["append", "X-TWO", "3", Match.IgnoreCase],
      ["set", "X-Three", "4", Match.IgnoreCase],
      ["delete", "x-one", "", Match.CanonicalMIME],
    ],
  ],
];

test("wire headers: the client's bytes and reads for the same steps", () => {
  for (const [name, steps] of CASES) {
    const [client, wire] = both(steps);
    assert.deepEqual(
      Buffer.from(wire.encode()).toString(),
      Buffer.from((client as unknown as { encode(): Uint8Array }).encode()).toString(),
      name,
    );
    assert.deepEqual(wire.keys(), client.keys(), name);
    for (const k of client.keys()) {
      assert.deepEqual(wire.values(k), client.values(k), `${name}: ${k}`);
      assert.equal(wire.get(k), client.get(k), `${name}: ${k}`);
      assert.equal(wire.last(k), client.last(k), `${name}: ${k}`);
      assert.equal(wire.has(k.toLowerCase(), Match.IgnoreCase), true, `${name}: ${k}`);
    }
    assert.deepEqual([...wire], [...client], name);
  }
});

test("wire headers: a value with CR or LF and a bad name are refused", () => {
  for (const [k, v] of [
    ["Ok", "a\r\nInjected: 1"],
    ["Ok", "a\n"],
    ["bad name", "1"],
  ] as const)
    assert.throws(
      () => new WireHeaders([[k, v]]),
      (err: unknown) => isBusError(err, "invalid_argument"),
      `${k}: ${JSON.stringify(v)}`,
    );
});
