/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- JSON answers under test */
// Concurrent writers on one and on two control planes: optimistic concurrency,
// `auto` VIPs never shared, writes of one instance visible on the other.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { replay } from "../../../libs/bus/read.ts";
import { foldEvents } from "../../../libs/domain/state.ts";
import { decodeEvent } from "../../../libs/events/codec.ts";
import type { StoredEvent } from "../../../libs/events/event.ts";
import { call, eventually, service, useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();
const POOLS = { vipPools: { default: ["203.0.113.0/26"], edge: ["198.51.100.0/28"] } };

test("two concurrent writers with the same expected version: exactly one wins (one instance)", async () => {
  const cp = await f.start();
  assert.equal(
    (await call(cp.url, "PUT", "/v1/services/occ1", service("occ1", { vips: ["203.0.113.61"] })))
      .status,
    201,
  );
  const results = await Promise.all(
    [81, 82].map((port) =>
      call(
        cp.url,
        "PUT",
        "/v1/services/occ1",
        service("occ1", { vips: ["203.0.113.61"], ports: [{ port }] }),
        { "if-match": '"1"' },
      ),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 409]);
  const loser = results.find((r) => r.status === 409);
  assert.equal(loser?.body.error.currentVersion, 2);
});

test("two control planes: writes of one are visible on the other; concurrent writes with one expected version: one 409", async () => {
  const a = await f.start(POOLS);
  const b = await f.start(POOLS);
  const created = await call(
    a.url,
    "PUT",
    "/v1/services/shared",
    service("shared", { vips: ["203.0.113.62"] }),
  );
  assert.equal(created.status, 201);
  await eventually(
    async () => (await call(b.url, "GET", "/v1/services/shared")).status === 200,
    5_000,
    "b sees a's write",
  );
  const onB = await call(b.url, "GET", "/v1/services/shared");
  assert.equal(onB.headers.get("etag"), '"1"');
  for (let round = 0; round < 5; round++) {
    const version = round + 1;
    const [ra, rb] = await Promise.all([
      call(
        a.url,
        "PUT",
        "/v1/services/shared",
        service("shared", { vips: ["203.0.113.62"], ports: [{ port: 1000 + round }] }),
        { "if-match": `"${version}"` },
      ),
      call(
        b.url,
        "PUT",
        "/v1/services/shared",
        service("shared", { vips: ["203.0.113.62"], ports: [{ port: 2000 + round }] }),
        { "if-match": `"${version}"` },
      ),
    ]);
    assert.deepEqual(
      [ra.status, rb.status].sort(),
      [200, 409],
      `round ${round}: ${JSON.stringify([ra.body, rb.body])}`,
    );
    const loser = ra.status === 409 ? ra : rb;
    assert.equal(loser.body.error.currentVersion, version + 1);
    // Both instances converge on the winner's version.
    await eventually(
      async () => {
        const [x, y] = await Promise.all([
          call(a.url, "GET", "/v1/services/shared"),
          call(b.url, "GET", "/v1/services/shared"),
        ]);
        return x.body.version === version + 1 && y.body.version === version + 1;
      },
      5_000,
      "both at the winner's version",
    );
  }
  // Without an expected version, both writes land (last writer wins), versions contiguous.
  const [x, y] = await Promise.all([
    call(
      a.url,
      "PUT",
      "/v1/services/shared",
      service("shared", { vips: ["203.0.113.62"], ports: [{ port: 3001 }] }),
    ),
    call(
      b.url,
      "PUT",
      "/v1/services/shared",
      service("shared", { vips: ["203.0.113.62"], ports: [{ port: 3002 }] }),
    ),
  ]);
  assert.deepEqual([x.status, y.status], [200, 200], JSON.stringify([x.body, y.body]));
  assert.deepEqual([x.body.version, y.body.version].sort(), [7, 8]);
});

test("concurrent `auto` requests never share an address, on one instance and across two", async () => {
  const a = await f.start(POOLS);
  const b = await f.start(POOLS);
  const n = 12;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      call(
        i % 2 === 0 ? a.url : b.url,
        "PUT",
        `/v1/services/auto${i}`,
        service(`auto${i}`, { group: "edge", vips: ["auto"] }),
      ),
    ),
  );
  const addresses = results.map((r) => {
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.service.vips[0] as string;
  });
  assert.equal(new Set(addresses).size, n, `addresses: ${addresses.join(", ")}`);
  for (const addr of addresses) assert.match(addr, /^198\.51\.100\.([1-9]|1[0-4])$/);
  // The pool (14 usable addresses) has 2 left; the 3rd request is refused.
  const more = await Promise.all(
    [0, 1, 2].map((i) =>
      call(
        i === 1 ? b.url : a.url,
        "PUT",
        `/v1/services/more${i}`,
        service(`more${i}`, { group: "edge", vips: ["auto"] }),
      ),
    ),
  );
  assert.deepEqual(more.map((r) => r.status).sort(), [201, 201, 422]);
  // Released on delete: the freed address is handed out again.
  const freed = addresses[3] as string;
  assert.equal((await call(a.url, "DELETE", "/v1/services/auto3")).status, 200);
  await eventually(
    async () => (await call(b.url, "GET", "/v1/services/auto3")).status === 404,
    5_000,
    "b sees the delete",
  );
  const again = await call(
    b.url,
    "PUT",
    "/v1/services/again",
    service("again", { group: "edge", vips: ["auto"] }),
  );
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.service.vips[0], freed);
});

test("explicit vip:port claims hold across two instances under concurrency", async () => {
  const a = await f.start();
  const b = await f.start();
  const results = await Promise.all(
    [a, b, a, b].map((cp, i) =>
      call(
        cp.url,
        "PUT",
        `/v1/services/claim${i}`,
        service(`claim${i}`, { vips: ["203.0.113.63"] }),
      ),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status).sort(),
    [201, 422, 422, 422],
    JSON.stringify(results.map((r) => r.body)),
  );
});

test("concurrent creates of one id in one group commit: one 201 at v1, one 200 at v2, each answer its own version", async () => {
  const cp = await f.start();
  const results = await Promise.all(
    [90, 91, 92].map((port) =>
      call(
        cp.url,
        "PUT",
        "/v1/services/twin",
        service("twin", { vips: ["203.0.113.64"], ports: [{ port }] }),
      ),
    ),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 201]);
  const versions = results.map((r) => r.body.version as number).sort();
  assert.deepEqual(versions, [1, 2, 3]);
  results.forEach((r, i) => {
    assert.equal(r.headers.get("etag"), `"${r.body.version}"`);
    assert.equal(r.body.events[0].version, r.body.version, "the answer is about its own event");
    assert.equal(r.body.service.ports[0].port, 90 + i, "and shows its own spec");
  });
});

test("two groups in flight: when the first is refused (the other instance appended first), the chained second is refused with it and every write still lands once", async () => {
  const a = await f.start();
  const b = await f.start();
  const stamp = { actor: "t", reason: "pipeline", correlationId: "c" };
  let next = 0;
  const put = (cp: typeof a, id: string) =>
    cp.writer.write(
      { type: "putService", id, input: service(id, { vips: [`2001:db8:77::${++next}`] }) },
      stamp,
    );
  const chained = async (): Promise<number> => {
    let n = 0;
    for (const cp of [a, b])
      n +=
        (await cp.metrics.conflicts.get()).values.find((v) => v.labels.reason === "chained")
          ?.value ?? 0;
    return n;
  };
  const ids: string[] = [];
  // Both instances start a group in the same event-loop turn (one of the two is
  // refused: both expect the same stream position), then a second group each while
  // the first is in flight. Repeated until a refused group had a later one chained
  // to it (almost always the first round).
  for (let round = 0; round < 20 && (await chained()) === 0; round++) {
    const writes = [];
    for (const group of ["g1", "g2"]) {
      for (const [cp, tag] of [
        [a, "a"],
        [b, "b"],
      ] as const)
        for (let i = 0; i < 4; i++) {
          const id = `pipe${round}${group}${tag}${i}`;
          ids.push(id);
          writes.push(put(cp, id));
        }
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const out of await Promise.all(writes))
      assert.equal(out.outcome, "done", JSON.stringify(out));
  }
  assert.ok((await chained()) > 0, "a refused group had a later group chained to it");
  await eventually(
    async () => (await a.view.catchUp()) && (await b.view.catchUp()),
    5_000,
    "both views caught up",
  );
  const events: StoredEvent[] = [];
  for await (const m of replay(jetstream(f.nc), "LBAAS_EVENTS", "lbaas.evt.>", {
    toSeq: Number.MAX_SAFE_INTEGER,
  }))
    events.push({ seq: m.seq, event: decodeEvent(m.data) });
  const state = foldEvents(events);
  assert.deepEqual(state.anomalies, []);
  // One instance's writes land in the order they were made: a group sent on top of a
  // refused one never lands before the refused one's writes.
  const seqOf = (id: string): number => state.services.get(id)?.seq ?? NaN;
  for (const first of ids.filter((id) => id.includes("g1")))
    for (const second of ids.filter(
      (id) => id.includes("g2") && id.replace("g2", "g1").slice(0, -1) === first.slice(0, -1),
    ))
      assert.ok(seqOf(first) < seqOf(second), `${first} before ${second}`);
  for (const id of ids) {
    assert.equal(state.services.get(id)?.version, 1, `${id} written exactly once`);
    for (const cp of [a, b]) assert.equal(cp.view.service(id)?.version, 1, `${id} in both views`);
  }
});
