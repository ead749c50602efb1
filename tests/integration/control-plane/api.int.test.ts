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
