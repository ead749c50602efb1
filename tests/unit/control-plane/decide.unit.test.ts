// Deciders: hostile and malformed input, cross-object rules against the current
// state, versions, and what each command publishes.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Command } from "../../../services/control-plane/decide/decide.ts";
import { config, problemsOf, serviceBody, World } from "./fixture.ts";

const put = (id: string, input: unknown, expectedVersion?: number): Command => ({
  type: "putService",
  id,
  input,
  ...(expectedVersion !== undefined ? { expectedVersion } : {}),
});

const malformed: { name: string; input: unknown; paths: string[]; limit?: number }[] = [
  { name: "null body", input: null, paths: [""] },
  { name: "a list", input: [serviceBody("web")], paths: [""] },
  { name: "a string", input: "web", paths: [""] },
  { name: "a number", input: 42, paths: [""] },
  { name: "empty object", input: {}, paths: ["vips", "ports"] },
  { name: "id differs from the url", input: serviceBody("other"), paths: ["id"] },
  { name: "id not a label", input: serviceBody("web", { id: "Web" }), paths: ["id"] },
  { name: "unknown field", input: serviceBody("web", { vipz: [] }), paths: ["vipz"] },
  {
    name: "__proto__ key",
    input: JSON.parse(
      '{"id":"web","vips":["203.0.113.10"],"ports":[{"port":80}],"__proto__":{"x":1}}',
    ),
    paths: ["__proto__"],
  },
  {
    name: "vip out of range",
    input: serviceBody("web", { vips: ["256.1.1.1"] }),
    paths: ["vips[0]"],
  },
  { name: "loopback vip", input: serviceBody("web", { vips: ["127.0.0.1"] }), paths: ["vips[0]"] },
  { name: "vips not a list", input: serviceBody("web", { vips: "203.0.113.10" }), paths: ["vips"] },
  { name: "no vips", input: serviceBody("web", { vips: [] }), paths: ["vips"] },
  {
    name: "port too large, bad protocol",
    input: serviceBody("web", { ports: [{ protocol: "icmp", port: 70000 }] }),
    paths: ["ports[0].protocol", "ports[0].port"],
  },
  {
    name: "port as string",
    input: serviceBody("web", { ports: [{ port: "80" }] }),
    paths: ["ports[0].port"],
  },
  {
    name: "port NaN",
    input: serviceBody("web", { ports: [{ port: NaN }] }),
    paths: ["ports[0].port"],
  },
  {
    name: "group not a label",
    input: serviceBody("web", { group: "Edge Group" }),
    paths: ["group"],
  },
  {
    name: "source range with host bits",
    input: serviceBody("web", { sourceRanges: ["198.51.100.1/24"] }),
    paths: ["sourceRanges[0]"],
  },
  { name: "vip and vips", input: serviceBody("web", { vip: "203.0.113.11" }), paths: ["vip"] },
  { name: "auto without pool", input: serviceBody("web", { vips: ["auto"] }), paths: ["vips[0]"] },
  {
    name: "endpoints not a list",
    input: serviceBody("web", { endpoints: "x" }),
    paths: ["endpoints"],
  },
  {
    name: "endpoint is its own vip",
    input: serviceBody("web", { endpoints: [{ address: "203.0.113.10" }] }),
    paths: ["endpoints[0].address"],
  },
  {
    name: "endpoint of the wrong family",
    input: serviceBody("web", { endpoints: [{ address: "2001:db8::11" }] }),
    paths: ["endpoints[0].address"],
  },
  {
    name: "endpoint weight 0 and bad state",
    input: serviceBody("web", { endpoints: [{ address: "192.0.2.11", weight: 0, state: "up" }] }),
    paths: ["endpoints[0].weight", "endpoints[0].state"],
  },
  {
    name: "too many endpoints for the limit",
    input: serviceBody("web", {
      endpoints: [{ address: "192.0.2.11" }, { address: "192.0.2.12" }, { address: "192.0.2.13" }],
    }),
    paths: ["endpoints"],
    limit: 2,
  },
  {
    name: "huge id",
    input: serviceBody("web", { id: "x".repeat(1_000_000) }),
    paths: ["id"],
  },
];

for (const c of malformed) {
  test(`put service refuses ${c.name}`, () => {
    const w = new World(config({}, c.limit ?? 1000));
    const problems = problemsOf(w.decide(put("web", c.input)));
    for (const path of c.paths)
      assert.ok(
        problems.some((p) => p.path === path),
        `no problem at ${JSON.stringify(path)}: ${JSON.stringify(problems)}`,
      );
    for (const p of problems) assert.doesNotMatch(p.message, /^(?!NaN)[A-Z]/);
  });
}

test("put service creates v1 with defaults, then nothing when unchanged", () => {
  const w = new World();
  const [ev] = w.apply(put("web", serviceBody("web", { vips: ["2001:DB8::10", "203.0.113.10"] })));
  assert.equal(ev?.meta.version, 1);
  assert.equal(ev?.meta.actor, "tester");
  assert.equal(ev?.body.type, "ServiceUpserted");
  if (ev?.body.type === "ServiceUpserted") {
    assert.deepEqual(ev.body.spec.vips, ["203.0.113.10", "2001:db8::10"]);
    assert.equal(ev.body.spec.group, "default");
    assert.equal(ev.body.spec.scheduler, "round-robin");
  }
  // Same meaning, other spelling: unchanged.
  const again = w.decide(
    put(
      "web",
      serviceBody("web", { vips: ["203.0.113.10", "2001:db8::10"], scheduler: "round-robin" }),
    ),
  );
  assert.deepEqual(again.outcome === "events" ? again.events : null, []);
});

test("id may be left out of the body (taken from the url)", () => {
  const w = new World();
  const { id: _id, ...body } = serviceBody("web");
  const [ev] = w.apply(put("web", body));
  assert.equal(ev?.meta.id, "web");
});

const versionCases: { name: string; writes: number; expected: number; conflict: boolean }[] = [
  { name: "create with expected 0", writes: 0, expected: 0, conflict: false },
  { name: "create with expected 1", writes: 0, expected: 1, conflict: true },
  { name: "update with the current version", writes: 2, expected: 2, conflict: false },
  { name: "update with a stale version", writes: 2, expected: 1, conflict: true },
  { name: "update with a future version", writes: 2, expected: 7, conflict: true },
];
for (const c of versionCases) {
  test(`expected version: ${c.name}`, () => {
    const w = new World();
    for (let i = 0; i < c.writes; i++)
      w.apply(put("web", serviceBody("web", { ports: [{ port: 80 + i }] })));
    const d = w.decide(put("web", serviceBody("web", { ports: [{ port: 443 }] }), c.expected));
    if (c.conflict) {
      assert.equal(d.outcome, "version_conflict");
      if (d.outcome === "version_conflict") assert.equal(d.currentVersion, c.writes);
    } else assert.equal(d.outcome, "events");
  });
}

test("delete tombstones service and endpoints; versions continue on re-create", () => {
  const w = new World();
  w.apply(put("web", serviceBody("web", { endpoints: [{ address: "192.0.2.11" }] })));
  const deleted = w.apply({ type: "deleteService", id: "web" });
  assert.deepEqual(
    deleted.map((e) => [e.body.type, e.meta.version]),
    [
      ["ServiceDeleted", 2],
      ["EndpointsDeleted", 2],
    ],
  );
  assert.equal(w.decide({ type: "deleteService", id: "web" }).outcome, "not_found");
  assert.equal(w.decide({ type: "deleteService", id: "nope" }).outcome, "not_found");
  const [again] = w.apply(put("web", serviceBody("web")));
  assert.equal(again?.meta.version, 3);
});

test("delete with a stale expected version is a conflict", () => {
  const w = new World();
  w.apply(put("web", serviceBody("web")));
  const d = w.decide({ type: "deleteService", id: "web", expectedVersion: 5 });
  assert.equal(d.outcome, "version_conflict");
});

const crossCases: {
  name: string;
  existing: Record<string, unknown>[];
  body: Record<string, unknown>;
  paths: string[];
}[] = [
  {
    name: "same vip, protocol and port as another service",
    existing: [serviceBody("a")],
    body: serviceBody("b"),
    paths: ["vips[0]"],
  },
  {
    name: "same vip and port in another group",
    existing: [serviceBody("a", { group: "edge" })],
    body: serviceBody("b"),
    paths: ["vips[0]"],
  },
  {
    name: "endpoint that is another service's vip",
    existing: [serviceBody("a")],
    body: serviceBody("b", { vips: ["203.0.113.20"], endpoints: [{ address: "203.0.113.10" }] }),
    paths: ["endpoints[0].address"],
  },
  {
    name: "vip that is another service's endpoint",
    existing: [serviceBody("a", { endpoints: [{ address: "192.0.2.11" }] })],
    body: serviceBody("b", { vips: ["192.0.2.11"] }),
    paths: ["vips[0]"],
  },
  {
    name: "group change",
    existing: [serviceBody("b")],
    body: serviceBody("b", { group: "edge" }),
    paths: ["group"],
  },
];
for (const c of crossCases) {
  test(`put service refuses ${c.name}`, () => {
    const w = new World();
    for (const e of c.existing) w.apply(put(e["id"] as string, e));
    const problems = problemsOf(w.decide(put("b", c.body)));
    assert.deepEqual(
      problems.map((p) => p.path).sort(),
      [...c.paths].sort(),
      JSON.stringify(problems),
    );
  });
}

const allowed: {
  name: string;
  existing: Record<string, unknown>;
  body: Record<string, unknown>;
}[] = [
  {
    name: "same vip on another port",
    existing: serviceBody("a"),
    body: serviceBody("b", { ports: [{ port: 81 }] }),
  },
  {
    name: "same vip and port over udp",
    existing: serviceBody("a"),
    body: serviceBody("b", { ports: [{ protocol: "udp", port: 80 }] }),
  },
  {
    name: "a service replacing its own claims",
    existing: serviceBody("b"),
    body: serviceBody("b", { ports: [{ port: 80 }, { port: 443 }] }),
  },
];
for (const c of allowed) {
  test(`put service allows ${c.name}`, () => {
    const w = new World();
    w.apply(put(c.existing["id"] as string, c.existing));
    assert.equal(w.decide(put("b", c.body)).outcome, "events");
  });
}

test("a deleted service's claims are free again", () => {
  const w = new World();
  w.apply(put("a", serviceBody("a")));
  w.apply({ type: "deleteService", id: "a" });
  assert.equal(w.decide(put("b", serviceBody("b"))).outcome, "events");
});

test("own current endpoints may not become a vip", () => {
  const w = new World();
  w.apply(put("a", serviceBody("a", { endpoints: [{ address: "192.0.2.11" }] })));
  const problems = problemsOf(w.decide(put("a", serviceBody("a", { vips: ["192.0.2.11"] }))));
  assert.deepEqual(
    problems.map((p) => p.path),
    ["vips[0]"],
  );
  // ...unless the same request replaces them.
  const ok = w.decide(
    put("a", serviceBody("a", { vips: ["192.0.2.11"], endpoints: [{ address: "192.0.2.12" }] })),
  );
  assert.equal(ok.outcome, "events");
});

test("put service with inline endpoints writes both aggregates, then only what changed", () => {
  const w = new World();
  const first = w.apply(put("web", serviceBody("web", { endpoints: [{ address: "192.0.2.11" }] })));
  assert.deepEqual(
    first.map((e) => e.body.type),
    ["ServiceUpserted", "EndpointsReplaced"],
  );
  const second = w.apply(
    put("web", serviceBody("web", { endpoints: [{ address: "192.0.2.12" }] })),
  );
  assert.deepEqual(
    second.map((e) => [e.body.type, e.meta.version]),
    [["EndpointsReplaced", 2]],
  );
  const none = w.decide(put("web", serviceBody("web", { endpoints: [{ address: "192.0.2.12" }] })));
  assert.deepEqual(none.outcome === "events" ? none.events : null, []);
  // Empty inline endpoints on a service without endpoints: nothing to write.
  const w2 = new World();
  const only = w2.apply(put("x", serviceBody("x", { endpoints: [] })));
  assert.deepEqual(
    only.map((e) => e.body.type),
    ["ServiceUpserted"],
  );
});

test("put endpoints: unknown service, mismatched body, limit, vip rule, unchanged", () => {
  const w = new World(config({}, 2));
  const body = { endpoints: [{ address: "192.0.2.11" }] };
  assert.equal(
    w.decide({ type: "putEndpoints", serviceId: "web", input: body }).outcome,
    "not_found",
  );
  w.apply(put("web", serviceBody("web")));
  w.apply(put("other", serviceBody("other", { vips: ["192.0.2.99"] })));
  const cases: { input: unknown; path: string }[] = [
    { input: null, path: "" },
    { input: { serviceId: "x", endpoints: [] }, path: "serviceId" },
    { input: { group: "edge", endpoints: [] }, path: "group" },
    { input: {}, path: "endpoints" },
    { input: { endpoints: [{ address: "192.0.2.99" }] }, path: "endpoints[0].address" },
    {
      input: {
        endpoints: [{ address: "192.0.2.1" }, { address: "192.0.2.2" }, { address: "192.0.2.3" }],
      },
      path: "endpoints",
    },
    {
      input: { endpoints: [{ address: "192.0.2.1" }, { address: "192.0.2.1" }] },
      path: "endpoints[1]",
    },
    { input: { endpoints: [{ adress: "192.0.2.1" }] }, path: "endpoints[0].adress" },
  ];
  for (const c of cases) {
    const problems = problemsOf(
      w.decide({ type: "putEndpoints", serviceId: "web", input: c.input }),
    );
    assert.ok(
      problems.some((p) => p.path === c.path),
      `${JSON.stringify(c.input)} → ${JSON.stringify(problems)}`,
    );
  }
  const [ev] = w.apply({ type: "putEndpoints", serviceId: "web", input: body });
  assert.equal(ev?.meta.version, 1);
  const d = w.decide({ type: "putEndpoints", serviceId: "web", input: body, expectedVersion: 1 });
  assert.deepEqual(d.outcome === "events" ? d.events : null, []);
  assert.equal(
    w.decide({ type: "putEndpoints", serviceId: "web", input: body, expectedVersion: 0 }).outcome,
    "version_conflict",
  );
  const [del] = w.apply({ type: "deleteEndpoints", serviceId: "web" });
  assert.equal(del?.body.type, "EndpointsDeleted");
  assert.equal(w.decide({ type: "deleteEndpoints", serviceId: "web" }).outcome, "not_found");
});

test("policies: create, unchanged, group change, mismatched id, delete", () => {
  const w = new World();
  const body = { targets: ["192.0.2.11"], ingress: [{ from: [{ cidr: "198.51.100.0/24" }] }] };
  const [ev] = w.apply({ type: "putPolicy", id: "p1", input: body });
  assert.equal(ev?.meta.version, 1);
  const same = w.decide({ type: "putPolicy", id: "p1", input: { ...body, id: "p1" } });
  assert.deepEqual(same.outcome === "events" ? same.events : null, []);
  assert.equal(
    problemsOf(w.decide({ type: "putPolicy", id: "p1", input: { ...body, group: "edge" } }))[0]
      ?.path,
    "group",
  );
  assert.equal(
    problemsOf(w.decide({ type: "putPolicy", id: "p1", input: { ...body, id: "p2" } }))[0]?.path,
    "id",
  );
  assert.ok(
    problemsOf(w.decide({ type: "putPolicy", id: "p1", input: { targets: [] } })).length >= 2,
  );
  assert.equal(
    w.decide({ type: "putPolicy", id: "p1", input: body, expectedVersion: 3 }).outcome,
    "version_conflict",
  );
  w.apply({ type: "deletePolicy", id: "p1" });
  assert.equal(w.decide({ type: "deletePolicy", id: "p1" }).outcome, "not_found");
});
