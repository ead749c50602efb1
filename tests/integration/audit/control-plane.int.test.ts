// Audit of what the real control plane writes, through its own HTTP API: writes with
// actor, reason and correlation id come back in `lbaas history --server`, the log it
// writes passes `audit verify`, and the OpenAPI document serves the audit routes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access -- JSON answers under test */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runAuditCommand, runHistory, runState } from "../../../services/cli/audit-commands.ts";
import { call, service, useControlPlanes } from "../control-plane/fixture.ts";
import { capture, NO_ENV } from "./fixture.ts";
import type { History } from "../../../libs/audit/history.ts";
import type { StateResult } from "../../../services/audit/results.ts";

const f = useControlPlanes();

test("control-plane writes are audited over its own API", async () => {
  const cp = await f.start();
  const who = (actor: string, reason: string, correlation: string) => ({
    "x-lbaas-actor": actor,
    "x-lbaas-reason": reason,
    "x-correlation-id": correlation,
  });
  const first = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { endpoints: [{ address: "192.0.2.11" }] }),
    who("alice", "new service", "req-1"),
  );
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const second = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { vips: ["203.0.113.10", "203.0.113.12"] }),
    { ...who("bob", "second vip", "req-2"), "if-match": '"1"' },
  );
  assert.equal(second.status, 200, JSON.stringify(second.body));

  const h = capture();
  assert.equal(
    await runHistory(["service", "web", "-o", "json", "--server", cp.url], h.io, NO_ENV),
    0,
    h.err(),
  );
  const history = JSON.parse(h.out()) as History;
  assert.deepEqual(
    history.entries.map((e) => [e.version, e.actor, e.reason, e.correlationId]),
    [
      [1, "alice", "new service", "req-1"],
      [2, "bob", "second vip", "req-2"],
    ],
  );
  assert.deepEqual(history.entries[1]?.changes, [
    { op: "added", path: "vips", value: "203.0.113.12" },
  ]);

  const s = capture();
  assert.equal(
    await runState(["--at", "2", "-o", "json", "--server", cp.url], s.io, NO_ENV),
    0,
    s.err(),
  );
  assert.deepEqual(
    (JSON.parse(s.out()) as StateResult).services.map((x) => [x.id, x.version]),
    [["web", 1]],
  );

  const v = capture();
  assert.equal(await runAuditCommand(["verify", "--server", cp.url], v.io, NO_ENV), 0, v.out());
  assert.match(v.out(), /\nPASS/);

  const doc = await call(cp.url, "GET", "/v1/openapi.json");
  assert.ok(doc.body.paths["/v1/audit/diff"]?.get, "the audit routes are documented");
});
