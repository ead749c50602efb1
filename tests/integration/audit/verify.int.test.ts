// `audit verify` on a real stream: a clean stream (current and schema-v1 events)
// passes; planted anomalies — a version gap, undecodable bytes, a state that fails
// today's validation, an envelope that contradicts its subject — are each found and
// named with their sequence. Point-in-time replay skips the bad events the way a
// gateway does. Tests run in order on one server: the first needs a clean stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lbaas } from "../../../proto/gen/lbaas.js";
import { encodeEvent } from "../../../libs/events/codec.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import { historyOf, verifyLog } from "../../../services/audit/log-queries.ts";
import { stateAt } from "../../../services/audit/point-queries.ts";
import { runAuditCommand } from "../../../services/cli/audit-commands.ts";
import { serviceSpec, endpointsSpec } from "../../fixtures/domain-events.ts";
import { capture, LogWriter, NO_ENV, uniqueGroup, useAuditLog } from "./fixture.ts";
import { v1EndpointsBytes, v1ServiceBytes } from "./v1-bytes.ts";

const f = useAuditLog();
const g = uniqueGroup("ver");

test("a clean stream with schema-v1 and v2 events passes, and v1 events replay upcast", async () => {
  const w = new LogWriter(f);
  await w.appendRaw("service", g, "old", v1ServiceBytes("old", g, 1, "203.0.113.40"), 1);
  await w.appendRaw(
    "endpoints",
    g,
    "old",
    v1EndpointsBytes("old", g, 1, [
      { address: "192.0.2.41", port: 8443 },
      { address: "192.0.2.40" },
    ]),
    1,
  );
  await w.write(g, {
    type: "EndpointsReplaced",
    spec: endpointsSpec("old", { group: g, endpoints: [{ address: "192.0.2.42", weight: 5 }] }),
  });
  await w.write(g, {
    type: "ServiceUpserted",
    spec: serviceSpec("new", { group: g, vips: ["203.0.113.41"] }),
  });

  const r = await verifyLog(f.deps);
  assert.equal(r.ok, true, JSON.stringify(r.findings));
  assert.deepEqual(r.schemaVersions, { 1: 2, 2: 2 });
  assert.equal(r.events, 4);
  assert.equal(r.live, 3);

  const at2 = await stateAt(f.deps, { seq: 2 }, g);
  assert.deepEqual(at2.endpoints[0]?.spec, {
    serviceId: "old",
    group: g,
    endpoints: [
      { address: "192.0.2.40", port: null, weight: 1, state: "ready" },
      { address: "192.0.2.41", port: 8443, weight: 1, state: "ready" },
    ],
  });
  assert.equal((at2.services[0]?.spec as { vips: string[] }).vips[0], "203.0.113.40");
  const h = await historyOf(f.deps, "endpoints", "old");
  assert.deepEqual(
    h.entries.map((e) => e.schemaVersion),
    [1, 2],
  );
  assert.equal(h.entries[0]?.actor, "v1-control-plane");
  assert.ok(
    h.entries[1]?.changes.some((c) => c.path === "endpoints[0].weight" || c.op === "removed"),
  );

  const c = capture();
  assert.equal(await runAuditCommand(["verify", ...f.natsFlags], c.io, NO_ENV), 0, c.err());
  assert.match(
    c.out(),
    /^LBAAS_EVENTS seq 1-4: 4 event\(s\), 3 aggregate\(s\) \(3 live\); schema versions v1: 2, v2: 2\nPASS/,
  );
});

function serviceEvent(id: string, version: number, vip: string): LbEvent {
  return {
    meta: {
      eventId: `evt-${id}-${version}`,
      kind: "service",
      id,
      group: g,
      version,
      schemaVersion: 2,
      occurredAt: Date.now(),
      actor: "mallory",
      reason: "",
      correlationId: "",
    },
    body: { type: "ServiceUpserted", spec: serviceSpec(id, { group: g, vips: [vip] }) },
  };
}

test("planted anomalies are each found with their sequence; replay skips them", async () => {
  const w = new LogWriter(f);
  // 1. A gap: v1 then v3 on one aggregate, appended directly.
  await w.appendRaw("service", g, "gap", encodeEvent(serviceEvent("gap", 1, "203.0.113.50")), 1);
  const gap = await w.appendRaw(
    "service",
    g,
    "gap",
    encodeEvent(serviceEvent("gap", 3, "203.0.113.51")),
    3,
  );
  // 2. Garbage bytes on an event subject.
  const junk = await w.appendRaw(
    "service",
    g,
    "junk",
    new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x01]),
    1,
  );
  // 3. A state today's validation refuses (no vip), encoded with the generated classes.
  await w.appendRaw("service", g, "bad", encodeEvent(serviceEvent("bad", 1, "203.0.113.52")), 1);
  const invalidBytes = lbaas.v1.Event.encode({
    eventId: "evt-bad-2",
    aggregateKind: lbaas.v1.AggregateKind.AGGREGATE_KIND_SERVICE,
    aggregateId: "bad",
    group: g,
    aggregateVersion: 2,
    schemaVersion: 2,
    occurredAtUnixMs: Date.now(),
    actor: "mallory",
    serviceUpserted: {
      spec: {
        id: "bad",
        group: g,
        vips: [],
        ports: [{ protocol: lbaas.v1.Protocol.PROTOCOL_TCP, port: 80, targetPort: 8080 }],
      },
    },
  }).finish();
  const invalid = await w.appendRaw("service", g, "bad", invalidBytes, 2);
  // 4. An envelope for "elsewhere" stored on the subject of "here".
  const mismatch = await w.appendRaw(
    "service",
    g,
    "here",
    encodeEvent(serviceEvent("elsewhere", 1, "203.0.113.53")),
    1,
  );

  const r = await verifyLog(f.deps);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.findings.map((x) => [x.kind, x.seq]),
    [
      ["version_gap", gap.seq],
      ["undecodable", junk.seq],
      ["invalid_state", invalid.seq],
      ["subject_mismatch", mismatch.seq],
    ],
  );
  assert.match(
    r.findings[0]?.message ?? "",
    new RegExp(`^seq ${gap.seq}: service "gap" v3 follows v1: v2 missing$`),
  );
  assert.ok(
    r.findings[2]?.problems.some((p) => p.path === "body.spec.vips"),
    JSON.stringify(r.findings[2]),
  );

  // The state at the head: "bad" is at its last valid version (v1), junk and the
  // mismatch are skipped, the gapped service is at v3 with the gap as an anomaly.
  const s = await stateAt(f.deps, { seq: mismatch.seq }, g);
  const bad = s.services.find((x) => x.id === "bad");
  assert.equal(bad?.version, 1);
  assert.deepEqual((bad?.spec as { vips: string[] }).vips, ["203.0.113.52"]);
  assert.deepEqual(
    s.skipped.map((k) => [k.seq, k.code]),
    [
      [junk.seq, "bad_bytes"],
      [invalid.seq, "invalid_event"],
      [mismatch.seq, "wrong_aggregate"],
    ],
  );
  assert.equal(s.services.find((x) => x.id === "gap")?.version, 3);
  assert.deepEqual(
    s.anomalies.map((a) => [a.type, a.seq]),
    [["version_gap", gap.seq]],
  );

  const c = capture();
  assert.equal(await runAuditCommand(["verify", ...f.natsFlags], c.io, NO_ENV), 1);
  assert.match(
    c.out(),
    /\nFAIL: 4 finding\(s\): version_gap 1, undecodable 1, invalid_state 1, subject_mismatch 1\n/,
  );
  assert.match(
    c.out(),
    new RegExp(
      `\\nseq ${invalid.seq} +invalid_state +service "bad" in group "${g}": event service "bad" v2 is invalid\\n {4}body.spec.vips: has 0 vips`,
    ),
  );
  const j = capture();
  assert.equal(await runAuditCommand(["verify", "-o", "json", ...f.natsFlags], j.io, NO_ENV), 1);
  assert.equal((JSON.parse(j.out()) as { ok: boolean }).ok, false);
  const u = capture();
  assert.equal(await runAuditCommand(["check", ...f.natsFlags], u.io, NO_ENV), 2);
  assert.match(u.err(), /unknown subcommand "check"/);
  const n = capture();
  assert.equal(await runAuditCommand(["verify", "--nats", "nats://127.0.0.1:1"], n.io, NO_ENV), 1);
  assert.match(n.err(), /cannot connect to nats:\/\/127.0.0.1:1/);
});
