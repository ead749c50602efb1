// The fold of gateway status messages and the status answer (pure).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  gatewayStatuses,
  rolloutOf,
  withHeartbeat,
  withReport,
} from "../../../services/control-plane/gateway-status.ts";
import { decodeStatus } from "../../../services/control-plane/status-view.ts";
import { encodeHeartbeat, encodeReport } from "../../../libs/events/codec.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";

const heads = {
  headOf: (g: string) => (g === "default" ? 100 : 0),
  eventsAfter: (g: string, seq: number) => (g === "default" ? Math.max(0, (100 - seq) >> 1) : 0),
};

test("reports and heartbeats fold into one record; a failed apply keeps the applied sequence", () => {
  let r = withReport(undefined, sampleReport({ streamSequence: 90 }), 1_000);
  assert.deepEqual([r.appliedSeq, r.lastError, r.lastSeenAt], [90, null, 1_000]);
  r = withReport(
    r,
    sampleReport({
      streamSequence: 95,
      result: { ok: false, error: { code: "nft_failed", message: "x" } },
    }),
    2_000,
  );
  assert.deepEqual([r.appliedSeq, r.lastError?.code, r.lastReport?.ok], [90, "nft_failed", false]);
  r = withHeartbeat(
    r,
    sampleHeartbeat({ appliedSequence: 100, lastError: null, sentAt: 2_500 }),
    3_000,
  );
  assert.deepEqual(
    [r.appliedSeq, r.lastError, r.lastHeartbeatAt, r.lastReport?.streamSequence],
    [100, null, 2_500, 95],
  );
});

test("liveness, lag and rollout", () => {
  const a = withHeartbeat(
    undefined,
    sampleHeartbeat({ gatewayId: "a", appliedSequence: 100 }),
    10_000,
  );
  const b = withHeartbeat(
    undefined,
    sampleHeartbeat({ gatewayId: "b", appliedSequence: 80 }),
    10_000,
  );
  const c = withHeartbeat(
    undefined,
    sampleHeartbeat({ gatewayId: "c", appliedSequence: 100 }),
    1_000,
  );
  const d = withHeartbeat(
    undefined,
    sampleHeartbeat({ gatewayId: "d", group: "edge", appliedSequence: 5 }),
    10_000,
  );
  const all = gatewayStatuses([d, c, b, a], heads, 12_000, 1_000);
  assert.deepEqual(
    all.map((g) => [g.gatewayId, g.live, g.lagSeq, g.lagEvents]),
    [
      ["a", true, 0, 0],
      ["b", true, 20, 10],
      ["c", false, 0, 0],
      ["d", true, 0, 0],
    ],
  );
  assert.deepEqual(rolloutOf({ id: "web", group: "default", version: 3, seq: 90 }, all), {
    id: "web",
    group: "default",
    version: 3,
    seq: 90,
    current: ["a"],
    behind: ["b"],
    stale: ["c"],
  });
  assert.deepEqual(gatewayStatuses([], heads, 0, 1), []);
});

test("status messages: the header decides; without it a report is tried first", () => {
  const failed = encodeReport(
    sampleReport({ result: { ok: false, error: { code: "nft_failed", message: "x" } } }),
  );
  assert.equal(decodeStatus(failed, undefined).type, "report");
  assert.equal(decodeStatus(encodeHeartbeat(sampleHeartbeat()), undefined).type, "heartbeat");
  assert.equal(
    decodeStatus(
      encodeHeartbeat(sampleHeartbeat({ lastError: { code: "e", message: "m" } })),
      undefined,
    ).type,
    "heartbeat",
  );
  assert.equal(decodeStatus(encodeHeartbeat(sampleHeartbeat()), "heartbeat").type, "heartbeat");
  assert.throws(() => decodeStatus(new Uint8Array([0xff, 0xff]), undefined));
});
