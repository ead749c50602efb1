// The router on a real node:http server on 127.0.0.1 (no other server): routes by
// segment count and literal segments, `:param` values (percent-decoded only when
// encoded), 404 for unknown paths and undecodable params, 405 for a known path with
// another method, and the route name given to `onDone`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Router } from "../../../libs/http/router.ts";

test("router: matches, params, 404, 405 and route names", async (t) => {
  const done: string[] = [];
  const router = new Router({ maxBodyBytes: 1024, onDone: (i) => done.push(i.route) })
    .on("GET", "/v1/services", () => ({ status: 200, body: { list: true } }))
    .on("GET", "/v1/services/:id", (r) => ({ status: 200, body: r.params }))
    .on("PUT", "/v1/services/:id/endpoints", (r) => ({ status: 201, body: r.params }))
    .on("GET", "/v1/status", () => ({ status: 200, body: { status: true } }));
  const server = createServer(router.listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string): Promise<[number, unknown]> => {
    const res = await fetch(base + path, {
      method,
      ...(method === "PUT" ? { body: "{}", headers: { "content-type": "application/json" } } : {}),
    });
    return [res.status, await res.json()];
  };
  const cases: [string, string, number, unknown][] = [
    ["GET", "/v1/services", 200, { list: true }],
    ["GET", "/v1/services/web", 200, { id: "web" }],
    ["GET", "/v1/services/a%2Fb", 200, { id: "a/b" }],
    ["PUT", "/v1/services/web/endpoints", 201, { id: "web" }],
    ["GET", "/v1/status", 200, { status: true }],
  ];
  for (const [method, path, status, body] of cases)
    assert.deepEqual(await call(method, path), [status, body], `${method} ${path}`);
  const errors: [string, string, number, string][] = [
    ["DELETE", "/v1/services/web", 405, "method_not_allowed"],
    ["GET", "/v1/services/web/endpoints", 405, "method_not_allowed"],
    ["GET", "/v1/nothing/web", 404, "not_found"],
    ["GET", "/v1/services/web/endpoints/x", 404, "not_found"],
    ["GET", "/v1/services/%E0%A4%A", 404, "not_found"],
  ];
  for (const [method, path, status, code] of errors) {
    const [got, body] = await call(method, path);
    assert.equal(got, status, `${method} ${path}`);
    assert.equal((body as { error: { code: string } }).error.code, code, `${method} ${path}`);
  }
  assert.deepEqual(done.slice(0, 5), [
    "/v1/services",
    "/v1/services/:id",
    "/v1/services/:id",
    "/v1/services/:id/endpoints",
    "/v1/status",
  ]);
  assert.equal(done.at(-1), "unmatched");
});
