// The OpenAPI document describes exactly the routes the server registers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { apiRoutes } from "../../../services/control-plane/http/routes.ts";
import type { ApiDeps } from "../../../services/control-plane/http/deps.ts";
import { OPENAPI } from "../../../services/control-plane/http/openapi.ts";

// Handlers are only bound, never called, so the dependencies can be empty.
const routes = apiRoutes({} as ApiDeps);
const documented = new Set(
  Object.entries(OPENAPI.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  ),
);
const registered = new Set(
  routes.map((r) => `${r.method} ${r.pattern.replace(/:(\w+)/g, "{$1}")}`),
);

test("every registered route is in the OpenAPI document", () => {
  for (const r of registered) assert.ok(documented.has(r), `${r} is not documented`);
});

test("the OpenAPI document has no route the server does not register", () => {
  for (const d of documented) assert.ok(registered.has(d), `${d} is documented but not served`);
});

test("every $ref of the document resolves", () => {
  const text = JSON.stringify(OPENAPI);
  for (const [, section, name] of text.matchAll(/"#\/components\/(\w+)\/(\w+)"/g)) {
    const table = (OPENAPI.components as Record<string, Record<string, unknown>>)[
      section as string
    ];
    assert.ok(
      table !== undefined && Object.hasOwn(table, name as string),
      `#/components/${section}/${name} is missing`,
    );
  }
});

test("every path parameter of a route is declared", () => {
  for (const [path, ops] of Object.entries(OPENAPI.paths)) {
    if (!path.includes("{")) continue;
    for (const [method, op] of Object.entries(ops)) {
      const params = JSON.stringify((op as { parameters?: unknown }).parameters ?? []);
      assert.match(
        params,
        /#\/components\/parameters\/Id/,
        `${method} ${path} lacks the id parameter`,
      );
    }
  }
});
