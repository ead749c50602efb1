// Every audit route is described in the OpenAPI fragment, and nothing else is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auditRoutes } from "../../../services/audit/http.ts";
import { AUDIT_OPENAPI } from "../../../services/audit/openapi.ts";
import type { AuditDeps } from "../../../services/audit/event-log.ts";

test("openapi - the audit routes and the document agree", () => {
  const routes = auditRoutes({} as AuditDeps).map(
    (r) => `${r.method} ${r.pattern.replace(/:([a-z]+)/g, "{$1}")}`,
  );
  const documented = Object.entries(AUDIT_OPENAPI.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.deepEqual([...routes].sort(), [...documented].sort());
  const refs = JSON.stringify(AUDIT_OPENAPI.paths).match(/#\/components\/schemas\/\w+/g) ?? [];
  for (const r of new Set(refs)) {
    const name = r.split("/").pop() as string;
    assert.ok(name === "Error" || name in AUDIT_OPENAPI.schemas, `${name} is defined`);
  }
  const params = JSON.stringify(AUDIT_OPENAPI.paths).match(/#\/components\/parameters\/\w+/g) ?? [];
  for (const r of new Set(params)) {
    assert.equal(r, "#/components/parameters/Id", "only the document's Id parameter is used");
  }
});
