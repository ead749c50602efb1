// `lbaas history`: every version of an aggregate with its envelope, stream position
// and field-level changes, read from a real nats-server with the aggregate's own
// (wildcard) subject filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyOf } from "../../../services/audit/log-queries.ts";
import { isAuditError } from "../../../services/audit/errors.ts";
import { runHistory } from "../../../services/cli/audit-commands.ts";
import { endpointsSpec, serviceSpec } from "../../fixtures/domain-events.ts";
import { capture, LogWriter, NO_ENV, uniqueGroup, useAuditLog } from "./fixture.ts";

const f = useAuditLog();

test("history lists every version with who, why, where and what changed", async () => {
  const w = new LogWriter(f);
  const g = uniqueGroup("hist");
  const id = `web-${g}`;
  const v1 = await w.write(
    g,
    { type: "ServiceUpserted", spec: serviceSpec(id, { group: g, vips: ["203.0.113.10"] }) },
    {
      actor: "alice@example.com",
      reason: "new service",
      correlationId: "req-1",
    },
  );
  // Noise on other aggregates in between: history must not show it.
  await w.write(g, {
    type: "ServiceUpserted",
    spec: serviceSpec(`other-${g}`, { group: g, vips: ["203.0.113.11"] }),
  });
  const v2 = await w.write(
    g,
    {
      type: "ServiceUpserted",
      spec: serviceSpec(id, { group: g, vips: ["203.0.113.10", "2001:db8::10"] }),
    },
    { actor: "bob@example.com", reason: "dual stack", correlationId: "req-2" },
  );
  const v3 = await w.write(
    g,
    { type: "ServiceDeleted" },
    { actor: "carol@example.com", reason: "retired" },
    id,
  );
  const h = await historyOf(f.deps, "service", id);
  assert.equal(h.version, 3);
  assert.equal(h.live, false);
  assert.deepEqual(
    h.entries.map((e) => [
      e.seq,
      e.version,
      e.change,
      e.actor,
      e.reason,
      e.correlationId,
      e.storedAt,
    ]),
    [
      [v1.seq, 1, "created", "alice@example.com", "new service", "req-1", v1.time.toISOString()],
      [v2.seq, 2, "updated", "bob@example.com", "dual stack", "req-2", v2.time.toISOString()],
      [v3.seq, 3, "deleted", "carol@example.com", "retired", "", v3.time.toISOString()],
    ],
  );
  assert.deepEqual(h.entries[1]?.changes, [{ op: "added", path: "vips", value: "2001:db8::10" }]);
  assert.deepEqual(
    h.entries.flatMap((e) => e.problems),
    [],
  );

  const c = capture();
  assert.equal(await runHistory(["service", id, ...f.natsFlags], c.io, NO_ENV), 0, c.err());
  assert.match(c.out(), new RegExp(`^service "${id}": 3 event\\(s\\), now v3, deleted`));
  assert.match(
    c.out(),
    /v2 +seq \d+ +\S+Z +updated +by "bob@example.com" +reason "dual stack" +correlation "req-2"/,
  );
  assert.match(c.out(), /\n {6}vips: \+ "2001:db8::10"\n/);
  const j = capture();
  assert.equal(await runHistory(["service", id, "-o", "json", ...f.natsFlags], j.io, NO_ENV), 0);
  assert.deepEqual(JSON.parse(j.out()), JSON.parse(JSON.stringify(h)));
});

test("history follows an aggregate across groups (wildcard filter) and shows endpoint changes", async () => {
  const w = new LogWriter(f);
  const g1 = uniqueGroup("ha");
  const g2 = uniqueGroup("hb");
  const id = `api-${g1}`;
  await w.write(g1, { type: "EndpointsReplaced", spec: endpointsSpec(id, { group: g1 }) });
  const eps = endpointsSpec(id, { group: g1 });
  const drained = {
    ...eps,
    endpoints: eps.endpoints.map((e, i) => (i === 1 ? { ...e, state: "draining" as const } : e)),
  };
  await w.write(g1, { type: "EndpointsReplaced", spec: drained }, { reason: "drain" });
  await w.write(g1, { type: "EndpointsDeleted" }, {}, id);
  await w.write(
    g2,
    { type: "EndpointsReplaced", spec: endpointsSpec(id, { group: g2 }) },
    { reason: "moved" },
  );
  const h = await historyOf(f.deps, "endpoints", id);
  assert.deepEqual(
    h.entries.map((e) => [e.version, e.change, e.group]),
    [
      [1, "created", g1],
      [2, "updated", g1],
      [3, "deleted", g1],
      [4, "created", g2],
    ],
  );
  assert.deepEqual(h.entries[1]?.changes, [
    { op: "changed", path: "endpoints[1].state", before: "ready", after: "draining" },
  ]);
  assert.ok(h.live);
});

test("history of an unknown aggregate or a bad kind is a clear error", async () => {
  await assert.rejects(historyOf(f.deps, "service", "never-written"), (err) =>
    isAuditError(err, "not_found"),
  );
  await assert.rejects(historyOf(f.deps, "services", "x"), (err) =>
    isAuditError(err, "invalid_argument"),
  );
  const c = capture();
  assert.equal(await runHistory(["service", "never-written", ...f.natsFlags], c.io, NO_ENV), 1);
  assert.match(c.err(), /service "never-written" has no event in the log/);
  const d = capture();
  assert.equal(await runHistory(["svc", "x", ...f.natsFlags], d.io, NO_ENV), 2);
  assert.match(d.err(), /kind: "svc" is not an aggregate kind/);
  const e = capture();
  assert.equal(await runHistory(["service", ...f.natsFlags], e.io, NO_ENV), 2);
  assert.match(e.err(), /needs a kind/);
});
