// VIP pools: settings parsing, lowest-free allocation, sticky and released `auto` VIPs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { allocateVip, readVipPools } from "../../../services/control-plane/decide/vip-pool.ts";
import { config, problemsOf, serviceBody, World } from "./fixture.ts";

const badPools: { name: string; value: unknown; path: string }[] = [
  { name: "not a map", value: ["203.0.113.0/28"], path: "vipPools" },
  { name: "group not a label", value: { Edge: ["203.0.113.0/28"] }, path: "vipPools.Edge" },
  { name: "empty list", value: { edge: [] }, path: "vipPools.edge" },
  { name: "not a list", value: { edge: "203.0.113.0/28" }, path: "vipPools.edge" },
  { name: "host bits", value: { edge: ["203.0.113.1/28"] }, path: "vipPools.edge[0]" },
  { name: "no prefix", value: { edge: ["203.0.113.1"] }, path: "vipPools.edge[0]" },
  { name: "loopback", value: { edge: ["127.0.0.0/8"] }, path: "vipPools.edge[0]" },
  { name: "multicast v6", value: { edge: ["ff02::/16"] }, path: "vipPools.edge[0]" },
  { name: "a number", value: { edge: [42] }, path: "vipPools.edge[0]" },
];
for (const c of badPools) {
  test(`vip pools refuse ${c.name}`, () => {
    const { problems } = readVipPools(c.value);
    assert.ok(
      problems.some((p) => p.path === c.path),
      JSON.stringify(problems),
    );
  });
}

test("vip pools: absent is none; prefixes sorted", () => {
  assert.equal(readVipPools(undefined).pools.size, 0);
  const { pools, problems } = readVipPools({
    default: ["2001:db8:f::/120", "203.0.113.16/28", "203.0.113.0/28"],
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(
    pools.get("default")?.map((p) => p.text),
    ["203.0.113.0/28", "203.0.113.16/28", "2001:db8:f::/120"],
  );
});

const allocation: {
  name: string;
  pool: string[];
  family: "ipv4" | "ipv6";
  taken: string[];
  want: string | null;
}[] = [
  {
    name: "lowest ipv4 skips the network address",
    pool: ["203.0.113.0/28"],
    family: "ipv4",
    taken: [],
    want: "203.0.113.1",
  },
  {
    name: "skips taken",
    pool: ["203.0.113.0/28"],
    family: "ipv4",
    taken: ["203.0.113.1", "203.0.113.2"],
    want: "203.0.113.3",
  },
  {
    name: "never the broadcast",
    pool: ["203.0.113.0/30"],
    family: "ipv4",
    taken: ["203.0.113.1", "203.0.113.2"],
    want: null,
  },
  {
    name: "a /32 is itself",
    pool: ["203.0.113.7/32"],
    family: "ipv4",
    taken: [],
    want: "203.0.113.7",
  },
  {
    name: "next prefix when the first is full",
    pool: ["203.0.113.0/30", "198.51.100.8/31"],
    family: "ipv4",
    taken: ["198.51.100.8"],
    want: "198.51.100.9",
  },
  {
    name: "ipv6 skips the anycast address",
    pool: ["2001:db8:f::/120"],
    family: "ipv6",
    taken: [],
    want: "2001:db8:f::1",
  },
  {
    name: "a huge ipv6 prefix",
    pool: ["2001:db8::/32"],
    family: "ipv6",
    taken: ["2001:db8::1"],
    want: "2001:db8::2",
  },
  {
    name: "no pool of the family",
    pool: ["203.0.113.0/28"],
    family: "ipv6",
    taken: [],
    want: null,
  },
];
for (const c of allocation) {
  test(`allocation: ${c.name}`, () => {
    const { pools } = readVipPools({ g: c.pool });
    const taken = new Set(c.taken);
    assert.equal(
      allocateVip(pools, "g", c.family, (a) => taken.has(a)),
      c.want,
    );
    assert.equal(
      allocateVip(pools, "other", c.family, () => false),
      null,
    );
  });
}

const vipsOf = (w: World, id: string): readonly string[] =>
  w.fold.services.get(id)?.spec?.vips ?? [];

test("auto allocates, is sticky, never hands out an address twice, and is released on delete", () => {
  const w = new World(config({ default: ["203.0.113.0/30", "2001:db8:f::/126"] }));
  w.apply({ type: "putService", id: "a", input: serviceBody("a", { vips: ["auto"] }) });
  w.apply({
    type: "putService",
    id: "b",
    input: { ...serviceBody("b"), vips: undefined, vip: "auto" },
  });
  assert.deepEqual(vipsOf(w, "a"), ["203.0.113.1"]);
  assert.deepEqual(vipsOf(w, "b"), ["203.0.113.2"]);
  // Sticky: the same document again changes nothing.
  const again = w.decide({
    type: "putService",
    id: "a",
    input: serviceBody("a", { vips: ["auto"] }),
  });
  assert.deepEqual(again.outcome === "events" ? again.events : null, []);
  // Exhausted.
  const c = problemsOf(
    w.decide({ type: "putService", id: "c", input: serviceBody("c", { vips: ["auto4"] }) }),
  );
  assert.match(c[0]?.message ?? "", /no free ipv4 address left/);
  assert.equal(c[0]?.path, "vips[0]");
  // Dual-stack: auto6 next to a kept auto.
  w.apply({ type: "putService", id: "a", input: serviceBody("a", { vips: ["auto", "auto6"] }) });
  assert.deepEqual(vipsOf(w, "a"), ["203.0.113.1", "2001:db8:f::1"]);
  // Released on delete: the lowest address is free again.
  w.apply({ type: "deleteService", id: "a" });
  w.apply({ type: "putService", id: "c", input: serviceBody("c", { vips: ["auto"] }) });
  assert.deepEqual(vipsOf(w, "c"), ["203.0.113.1"]);
});

test("auto skips addresses used as endpoints and explicit vips of the same request", () => {
  const w = new World(config({ default: ["203.0.113.0/29"] }));
  w.apply({
    type: "putService",
    id: "a",
    input: serviceBody("a", {
      group: "edge",
      vips: ["198.51.100.1"],
      endpoints: [{ address: "203.0.113.1" }],
    }),
  });
  w.apply({
    type: "putService",
    id: "b",
    input: serviceBody("b", { vips: ["203.0.113.2", "auto"] }),
  });
  assert.deepEqual(vipsOf(w, "b"), ["203.0.113.2", "203.0.113.3"]);
});

test("explicit vips must lie in the group's pools; held ones are kept; other groups are free", () => {
  const w = new World(config({ default: ["203.0.113.0/28"] }));
  const problems = problemsOf(
    w.decide({ type: "putService", id: "a", input: serviceBody("a", { vips: ["198.51.100.1"] }) }),
  );
  assert.equal(problems[0]?.path, "vips[0]");
  assert.match(
    problems[0]?.message ?? "",
    /outside the vip pools of group "default" \(203\.0\.113\.0\/28\)/,
  );
  // A group without pools accepts any vip.
  w.apply({
    type: "putService",
    id: "e",
    input: serviceBody("e", { group: "edge", vips: ["198.51.100.1"] }),
  });
  // A vip held before pools were configured stays acceptable.
  const before = new World();
  before.apply({
    type: "putService",
    id: "old",
    input: serviceBody("old", { vips: ["198.51.100.7"] }),
  });
  const after = new World(config({ default: ["203.0.113.0/28"] }));
  after.append(
    [...before.fold.services.values()].map((r) => ({
      meta: {
        eventId: "x",
        kind: "service",
        id: r.id,
        group: r.group,
        version: 1,
        schemaVersion: 2,
        occurredAt: 0,
        actor: "",
        reason: "",
        correlationId: "",
      },
      body: { type: "ServiceUpserted", spec: r.spec! },
    })),
  );
  const update = after.decide({
    type: "putService",
    id: "old",
    input: serviceBody("old", { vips: ["198.51.100.7"], ports: [{ port: 81 }] }),
  });
  assert.equal(update.outcome, "events");
});
