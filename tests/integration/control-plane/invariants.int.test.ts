// A mixed concurrent load on two control planes (explicit VIPs from a tiny set, `auto`
// VIPs, endpoints that collide with VIPs, deletes), then an independent replay of the
// stream through the shared fold: versions contiguous, no VIP:port served twice, no
// endpoint that is a live VIP, no auto VIP handed out twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEvent } from "../../../libs/events/codec.ts";
import { foldEvents } from "../../../libs/domain/state.ts";
import { replay } from "../../../libs/bus/read.ts";
import { jetstream } from "@nats-io/jetstream";
import type { StoredEvent } from "../../../libs/events/event.ts";
import { call, eventually, service, useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("invariants hold under a concurrent mixed load on two instances (checked by replay)", async () => {
  const pools = { vipPools: { pool: ["198.51.100.64/27"] } };
  const a = await f.start(pools);
  const b = await f.start(pools);
  for (const seed of [42, 7, 1234]) await round(a.url, b.url, seed);
  // Both instances serve the same final state.
  await eventually(
    async () => {
      const [la, lb] = await Promise.all([
        call(a.url, "GET", "/v1/services"),
        call(b.url, "GET", "/v1/services"),
      ]);
      return JSON.stringify(la.body) === JSON.stringify(lb.body);
    },
    5_000,
    "both instances agree",
  );
});

async function round(aUrl: string, bUrl: string, seed: number): Promise<void> {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const vips = ["203.0.113.100", "203.0.113.101", "203.0.113.102", "192.0.2.50", "192.0.2.51"];
  const ids = Array.from({ length: 12 }, (_, i) => `m${i}`);
  const statuses = new Map<number, number>();
  const requests = Array.from({ length: 240 }, () => {
    const cp = { url: rnd() < 0.5 ? aUrl : bUrl };
    const id = pick(ids);
    const r = rnd();
    if (r < 0.35)
      return call(
        cp.url,
        "PUT",
        `/v1/services/${id}`,
        service(id, { vips: [pick(vips)], ports: [{ port: pick([80, 443]) }] }),
      );
    if (r < 0.55)
      return call(
        cp.url,
        "PUT",
        `/v1/services/${id}`,
        service(id, { group: "pool", vips: ["auto"] }),
      );
    if (r < 0.8)
      return call(cp.url, "PUT", `/v1/services/${id}/endpoints`, {
        endpoints: [{ address: pick(vips) }, { address: "192.0.2.200" }],
      });
    return call(cp.url, "DELETE", `/v1/services/${id}`);
  });
  for (const res of await Promise.all(requests)) {
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(
      [200, 201, 404, 422].includes(res.status),
      `unexpected ${res.status}: ${JSON.stringify(res.body)}`,
    );
  }
  assert.ok(
    (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) > 30,
    JSON.stringify([...statuses]),
  );

  const events: StoredEvent[] = [];
  for await (const m of replay(jetstream(f.nc), "LBAAS_EVENTS", "lbaas.evt.>", {
    toSeq: Number.MAX_SAFE_INTEGER,
  }))
    events.push({ seq: m.seq, event: decodeEvent(m.data) });
  const state = foldEvents(events);
  assert.deepEqual(state.anomalies, [], "versions contiguous, no group jumps");
  const claims = new Map<string, string>();
  const liveVips = new Map<string, string>();
  for (const s of state.services.values()) {
    if (s.spec === null) continue;
    for (const vip of s.spec.vips) {
      assert.ok(!liveVips.has(vip) || s.spec.group !== "pool", `auto vip ${vip} handed out twice`);
      liveVips.set(vip, s.id);
      const ports: readonly { protocol: string; port: number }[] = s.spec.ports;
      for (const p of ports) {
        const key: string = `${vip} ${p.protocol}/${p.port}`;
        assert.equal(claims.get(key), undefined, `${key} served by ${claims.get(key)} and ${s.id}`);
        claims.set(key, s.id);
      }
    }
  }
  for (const e of state.endpoints.values())
    for (const ep of e.spec?.endpoints ?? [])
      assert.equal(
        liveVips.get(ep.address),
        undefined,
        `endpoint ${ep.address} of ${e.id} is a vip of ${liveVips.get(ep.address)}`,
      );
}
