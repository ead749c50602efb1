/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- JSON answers under test */
// PUT /v1/inventory against a real server: minimal events, idempotent re-sync, dry
// runs, prune scope, and a restarted control plane that serves the same state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, service, useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

function inventory(n: number, port = 80): Record<string, unknown> {
  return {
    services: Array.from({ length: n }, (_, i) =>
      service(`svc${i}`, {
        vips: [`2001:db8:1::${(i + 1).toString(16)}`],
        ports: [{ port }],
        endpoints: [
          { address: `2001:db8:2::${(i + 1).toString(16)}` },
          { address: `2001:db8:3::${(i + 1).toString(16)}`, weight: 2 },
        ],
      }),
    ),
    policies: [
      {
        id: "backends",
        targets: ["2001:db8:2::1"],
        ingress: [{ from: [{ cidr: "2001:db8:ff::/48" }] }],
      },
    ],
  };
}

test("the same inventory synced twice publishes nothing the second time", async () => {
  const cp = await f.start();
  const doc = inventory(50);
  const before = await f.eventCount();
  const first = await call(cp.url, "PUT", "/v1/inventory", doc);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(
    [first.body.created, first.body.updated, first.body.deleted, first.body.unchanged],
    [101, 0, 0, 0],
  );
  assert.equal(first.body.events.length, 101);
  assert.equal(await f.eventCount(), before + 101);
  const seqs = first.body.events.map((e: { seq: number }) => e.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a: number, b: number) => a - b),
    "published in order",
  );
  assert.equal(first.body.lastSeqByGroup.default, Math.max(...seqs));

  const second = await call(cp.url, "PUT", "/v1/inventory", doc);
  assert.equal(second.status, 200);
  assert.deepEqual(
    [second.body.created, second.body.updated, second.body.deleted, second.body.unchanged],
    [0, 0, 0, 101],
  );
  assert.equal(await f.eventCount(), before + 101, "second sync published nothing");

  // A dry run of a change shows the plan and publishes nothing.
  const changed = inventory(49, 81);
  const dry = await call(cp.url, "PUT", "/v1/inventory?dryRun=true", changed);
  assert.equal(dry.status, 200);
  assert.equal(dry.body.dryRun, true);
  assert.deepEqual([dry.body.created, dry.body.updated, dry.body.deleted], [0, 49, 2]);
  assert.deepEqual(dry.body.plan.slice(0, 2), [
    { action: "delete", kind: "endpoints", id: "svc49", group: "default", version: 2 },
    { action: "delete", kind: "service", id: "svc49", group: "default", version: 2 },
  ]);
  assert.equal(await f.eventCount(), before + 101, "dry run published nothing");

  // prune=false keeps svc49; the default prunes it.
  const keep = await call(cp.url, "PUT", "/v1/inventory?prune=false", changed);
  assert.deepEqual([keep.body.updated, keep.body.deleted], [49, 0]);
  assert.equal((await call(cp.url, "GET", "/v1/services/svc49")).status, 200);
  const prune = await call(cp.url, "PUT", "/v1/inventory", changed);
  assert.deepEqual([prune.body.updated, prune.body.deleted], [0, 2]);
  assert.equal((await call(cp.url, "GET", "/v1/services/svc49")).status, 404);

  // GET /v1/inventory gives the document back (same shape, canonical).
  const back = await call(cp.url, "GET", "/v1/inventory");
  assert.equal(back.body.services.length, 49);
  const again = await call(cp.url, "PUT", "/v1/inventory", back.body);
  assert.equal(again.body.unchanged, 49 * 2 + 1);
  assert.equal(again.body.events.length, 0);
});

test("a restarted control plane serves the same state and versions, and accepts writes after replay", async () => {
  const first = await f.start();
  await call(
    first.url,
    "PUT",
    "/v1/services/keep",
    service("keep", { vips: ["198.51.100.20"], endpoints: [{ address: "192.0.2.20" }] }),
  );
  for (let p = 81; p <= 84; p++)
    assert.equal(
      (
        await call(
          first.url,
          "PUT",
          "/v1/services/keep",
          service("keep", { vips: ["198.51.100.20"], ports: [{ port: p }] }),
        )
      ).status,
      200,
    );
  await call(first.url, "PUT", "/v1/policies/keep", { targets: ["192.0.2.20"], ingress: [] });
  const svcBefore = await call(first.url, "GET", "/v1/services");
  const polBefore = await call(first.url, "GET", "/v1/policies");
  const epBefore = await call(first.url, "GET", "/v1/services/keep/endpoints");
  await first.stop();

  const second = await f.start();
  assert.deepEqual((await call(second.url, "GET", "/v1/services")).body, svcBefore.body);
  assert.deepEqual((await call(second.url, "GET", "/v1/policies")).body, polBefore.body);
  const epAfter = await call(second.url, "GET", "/v1/services/keep/endpoints");
  assert.deepEqual(epAfter.body, epBefore.body);
  assert.equal(epAfter.headers.get("etag"), epBefore.headers.get("etag"));
  const keep = (svcBefore.body.services as { version: number; service: { id: string } }[]).find(
    (s) => s.service.id === "keep",
  );
  assert.equal(keep?.version, 5);
  const next = await call(
    second.url,
    "PUT",
    "/v1/services/keep",
    service("keep", { vips: ["198.51.100.20"], ports: [{ port: 99 }] }),
    { "if-match": '"5"' },
  );
  assert.equal(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.version, 6);
});
