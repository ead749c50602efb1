// The HTTP API against a real nats-server: writes, versions, reads, and refusals that
// publish nothing.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- JSON answers under test */
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, service, useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

test("create, read, update with If-Match, conflict, delete", async () => {
  const cp = await f.start();
  const created = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { endpoints: [{ address: "192.0.2.11" }] }),
    { "x-lbaas-actor": "alice", "x-lbaas-reason": "ticket 42" },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.version, 1);
  assert.equal(created.headers.get("etag"), '"1"');
  assert.deepEqual(
    created.body.events.map((e: { type: string }) => e.type),
    ["ServiceUpserted", "EndpointsReplaced"],
  );
  const got = await call(cp.url, "GET", "/v1/services/web");
  assert.equal(got.status, 200);
  assert.equal(got.body.service.vips[0], "203.0.113.10");
  const eps = await call(cp.url, "GET", "/v1/services/web/endpoints");
  assert.equal(eps.body.endpoints.endpoints[0].address, "192.0.2.11");
  const updated = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { ports: [{ port: 443 }] }),
    { "if-match": '"1"' },
  );
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.equal(updated.body.version, 2);
  const stale = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { ports: [{ port: 8443 }] }),
    { "if-match": '"1"' },
  );
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.code, "version_conflict");
  assert.equal(stale.body.error.currentVersion, 2);
  const unchanged = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { ports: [{ port: 443 }] }),
  );
  assert.equal(unchanged.status, 200);
  assert.equal(unchanged.body.changed, false);
  const del = await call(cp.url, "DELETE", "/v1/services/web");
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal(del.body.events.length, 2);
  assert.equal((await call(cp.url, "GET", "/v1/services/web")).status, 404);
  assert.equal((await call(cp.url, "DELETE", "/v1/services/web")).status, 404);
  const list = await call(cp.url, "GET", "/v1/services");
  assert.deepEqual(list.body.services, []);
});

const refusals: {
  name: string;
  method: string;
  path: string;
  body: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  problemPaths?: string[];
}[] = [
  {
    name: "malformed json",
    method: "PUT",
    path: "/v1/services/bad",
    body: '{"id": "bad", "vips": [',
    status: 400,
    code: "invalid_json",
  },
  {
    name: "empty body",
    method: "PUT",
    path: "/v1/services/bad",
    body: "",
    status: 400,
    code: "invalid_json",
  },
  {
    name: "wrong content type",
    method: "PUT",
    path: "/v1/services/bad",
    body: "id: bad",
    headers: { "content-type": "application/yaml" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "wrong types",
    method: "PUT",
    path: "/v1/services/bad",
    body: JSON.stringify({
      id: 7,
      vips: "203.0.113.1",
      ports: [{ port: "80", protocol: 6 }],
      snat: "yes",
    }),
    status: 422,
    code: "invalid_input",
    problemPaths: ["id", "vips", "ports[0].port", "ports[0].protocol", "snat"],
  },
  {
    name: "json array for a service",
    method: "PUT",
    path: "/v1/services/bad",
    body: "[]",
    status: 422,
    code: "invalid_input",
    problemPaths: [""],
  },
  {
    name: "json null",
    method: "PUT",
    path: "/v1/services/bad",
    body: "null",
    status: 422,
    code: "invalid_input",
  },
  {
    name: "bad id in the url",
    method: "PUT",
    path: "/v1/services/Bad_Id",
    body: JSON.stringify({ vips: ["203.0.113.1"], ports: [{ port: 80 }] }),
    status: 422,
    code: "invalid_input",
    problemPaths: ["id"],
  },
  {
    name: "bad if-match",
    method: "PUT",
    path: "/v1/services/bad",
    body: JSON.stringify(service("bad")),
    headers: { "if-match": '"abc"' },
    status: 400,
    code: "invalid_header",
  },
  {
    name: "too long actor",
    method: "PUT",
    path: "/v1/services/bad",
    body: JSON.stringify(service("bad")),
    headers: { "x-lbaas-actor": "a".repeat(300) },
    status: 400,
    code: "invalid_header",
  },
  {
    name: "endpoints of an unknown service",
    method: "PUT",
    path: "/v1/services/nope/endpoints",
    body: JSON.stringify({ endpoints: [] }),
    status: 404,
    code: "not_found",
  },
  {
    name: "oversize single body",
    method: "PUT",
    path: "/v1/services/bad",
    body: JSON.stringify({ ...service("bad"), pad: "x".repeat(2 << 20) }),
    status: 413,
    code: "body_too_large",
  },
  {
    name: "oversize bulk body",
    method: "PUT",
    path: "/v1/inventory",
    body: JSON.stringify({ services: [], pad: "x".repeat(9 << 20) }),
    status: 413,
    code: "body_too_large",
  },
  {
    name: "inventory with problems",
    method: "PUT",
    path: "/v1/inventory",
    body: JSON.stringify({ services: [service("a"), service("b")] }),
    status: 422,
    code: "invalid_input",
    problemPaths: ["services[1].ports[0]"],
  },
  {
    name: "bad dryRun flag",
    method: "PUT",
    path: "/v1/inventory?dryRun=maybe",
    body: "{}",
    status: 400,
    code: "invalid_query",
  },
  {
    name: "unknown path",
    method: "GET",
    path: "/v1/nope",
    body: "",
    status: 404,
    code: "not_found",
  },
  {
    name: "wrong method",
    method: "POST",
    path: "/v1/services/x",
    body: "{}",
    status: 405,
    code: "method_not_allowed",
  },
];

test("malformed, mistyped and oversize requests get clear 4xx answers and publish nothing", async () => {
  const cp = await f.start();
  const before = await f.eventCount();
  for (const r of refusals) {
    const res = await fetch(cp.url + r.path, {
      method: r.method,
      headers: { "content-type": "application/json", ...r.headers },
      ...(r.method === "GET" ? {} : { body: r.body }),
    });
    const body = (await res.json()) as {
      error: { code: string; message: string; problems?: { path: string }[] };
    };
    assert.equal(res.status, r.status, `${r.name}: ${JSON.stringify(body)}`);
    assert.equal(body.error.code, r.code, r.name);
    assert.ok(body.error.message.length > 0, r.name);
    for (const p of r.problemPaths ?? [])
      assert.ok(
        body.error.problems?.some((x) => x.path === p),
        `${r.name}: no problem at ${p}: ${JSON.stringify(body.error.problems)}`,
      );
  }
  assert.equal(await f.eventCount(), before, "nothing was published");
  const metrics = await call(cp.url, "GET", "/metrics");
  assert.match(
    metrics.body as string,
    /lbaas_cp_validation_failures_total\{route="\/v1\/services\/:id"\} [1-9]/,
  );
});

test("ops endpoints: healthz, readyz, metrics, openapi", async () => {
  const cp = await f.start();
  assert.equal((await call(cp.url, "GET", "/healthz")).status, 200);
  const ready = await call(cp.url, "GET", "/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(
    [ready.body.natsConnected, ready.body.streams, ready.body.caughtUp],
    [true, true, true],
  );
  await call(cp.url, "PUT", "/v1/policies/p1", { targets: ["192.0.2.11"], ingress: [] });
  const metrics = await call(cp.url, "GET", "/metrics");
  assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
  assert.match(
    metrics.body as string,
    /lbaas_cp_events_published_total\{kind="policy",type="PolicyUpserted"\} 1/,
  );
  assert.match(
    metrics.body as string,
    /lbaas_cp_http_requests_total\{method="PUT",route="\/v1\/policies\/:id",status="201"\} 1/,
  );
  assert.match(metrics.body as string, /lbaas_cp_publish_duration_seconds_count 1/);
  const doc = await call(cp.url, "GET", "/v1/openapi.json");
  assert.equal(doc.body.openapi, "3.1.0");
});

test("actor, reason and correlation id land in the event envelope", async () => {
  const cp = await f.start();
  const res = await call(
    cp.url,
    "PUT",
    "/v1/policies/audited",
    { targets: ["192.0.2.11"], ingress: [] },
    {
      "x-lbaas-actor": "bob",
      "x-lbaas-reason": "change 7",
      "x-correlation-id": "corr-xyz",
    },
  );
  assert.equal(res.status, 201);
  const seq = res.body.events[0].seq as number;
  const stored = await f.jsm.streams.getMessage("LBAAS_EVENTS", { seq });
  const { decodeEvent } = await import("../../../libs/events/codec.ts");
  const ev = decodeEvent(stored!.data);
  assert.deepEqual(
    [ev.meta.actor, ev.meta.reason, ev.meta.correlationId],
    ["bob", "change 7", "corr-xyz"],
  );
  const anonymous = await call(
    cp.url,
    "PUT",
    "/v1/policies/anon",
    { targets: ["192.0.2.11"], ingress: [] },
    { "x-request-id": "req-123" },
  );
  const ev2 = decodeEvent(
    (await f.jsm.streams.getMessage("LBAAS_EVENTS", {
      seq: anonymous.body.events[0].seq as number,
    }))!.data,
  );
  assert.deepEqual([ev2.meta.actor, ev2.meta.correlationId], ["anonymous", "req-123"]);
});
