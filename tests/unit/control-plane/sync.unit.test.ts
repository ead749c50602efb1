// Sync planning: creates, updates, deletes and unchanged objects; prune scope;
// cross-object rules against the objects that stay; `auto` VIPs; publish order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planSync, type SyncOptions } from "../../../services/control-plane/decide/sync.ts";
import { config, context, serviceBody, World } from "./fixture.ts";

type Plan = ReturnType<typeof planSync>;

function plan(w: World, doc: unknown, options: SyncOptions = { prune: true }): Plan {
  return planSync(doc, w.state, w.config, context(), options);
}

function applyPlan(w: World, p: Plan): void {
  assert.equal(p.outcome, "plan", JSON.stringify(p));
  if (p.outcome === "plan") w.append(p.changes.map((c) => c.event));
}

const summary = (p: Plan): string[] =>
  p.outcome === "plan" ? p.changes.map((c) => `${c.action} ${c.kind} ${c.id} v${c.version}`) : [];

const doc = {
  services: [
    serviceBody("web", { endpoints: [{ address: "192.0.2.11" }, { address: "192.0.2.12" }] }),
    serviceBody("dns", { vips: ["203.0.113.53"], ports: [{ protocol: "udp", port: 53 }] }),
  ],
  policies: [{ id: "p1", targets: ["192.0.2.11"], ingress: [] }],
};

test("first sync creates everything; the same document again plans nothing", () => {
  const w = new World();
  const first = plan(w, doc);
  assert.deepEqual(summary(first), [
    "create service dns v1",
    "create service web v1",
    "create endpoints web v1",
    "create policy p1 v1",
  ]);
  applyPlan(w, first);
  const second = plan(w, doc);
  assert.deepEqual(summary(second), []);
  assert.deepEqual(second.outcome === "plan" ? second.unchanged : null, {
    service: 2,
    endpoints: 2,
    policy: 1,
  });
});

test("updates, deletes (with endpoints), and publish order", () => {
  const w = new World();
  applyPlan(w, plan(w, doc));
  const next = {
    services: [
      serviceBody("web", {
        endpoints: [{ address: "192.0.2.13" }],
        ports: [{ port: 80 }, { port: 443 }],
      }),
      serviceBody("api", { vips: ["203.0.113.53"], ports: [{ protocol: "udp", port: 53 }] }),
    ],
    policies: [],
  };
  assert.deepEqual(summary(plan(w, next)), [
    "delete service dns v2",
    "delete policy p1 v2",
    "update service web v2",
    "create service api v1",
    "update endpoints web v2",
  ]);
  // Without prune: nothing is deleted, and api may not take dns's vip:port.
  const noPrune = plan(w, next, { prune: false });
  assert.equal(noPrune.outcome, "invalid");
  if (noPrune.outcome === "invalid")
    assert.deepEqual(
      noPrune.problems.map((p) => p.path),
      ["services[1].vips[0]"],
    );
});

test("prune scope: only the groups of the document, plus named ones", () => {
  const w = new World();
  applyPlan(
    w,
    plan(w, {
      services: [serviceBody("e1", { group: "edge", vips: ["198.51.100.1"] }), serviceBody("d1")],
    }),
  );
  // A document naming only group default leaves edge alone.
  assert.deepEqual(
    summary(plan(w, { services: [serviceBody("d2", { vips: ["203.0.113.20"] })] })),
    ["delete service d1 v2", "create service d2 v1"],
  );
  // An empty document deletes nothing, unless a group is named.
  assert.deepEqual(summary(plan(w, {})), []);
  assert.deepEqual(summary(plan(w, {}, { prune: true, groups: ["edge"] })), [
    "delete service e1 v2",
  ]);
});

test("services outside the scope keep their claims", () => {
  const w = new World();
  applyPlan(
    w,
    plan(w, {
      services: [
        serviceBody("e1", {
          group: "edge",
          vips: ["198.51.100.1", "198.51.100.2"],
          endpoints: [{ address: "192.0.2.50" }],
        }),
      ],
    }),
  );
  const p = plan(w, {
    services: [
      serviceBody("d1", { vips: ["198.51.100.1"] }),
      serviceBody("d2", { vips: ["192.0.2.50"] }),
      serviceBody("d3", { vips: ["203.0.113.30"], endpoints: [{ address: "198.51.100.2" }] }),
    ],
  });
  assert.equal(p.outcome, "invalid");
  if (p.outcome === "invalid")
    assert.deepEqual(
      p.problems.map((x) => x.path),
      ["services[0].vips[0]", "services[1].vips[0]", "services[2].endpoints[0].address"],
    );
});

test("group change in a sync is refused", () => {
  const w = new World();
  applyPlan(w, plan(w, doc));
  const p = plan(w, { services: [serviceBody("web", { group: "edge" })] });
  assert.equal(p.outcome, "invalid");
  if (p.outcome === "invalid") assert.equal(p.problems[0]?.path, "services[0].group");
});

test("auto vips in a document: allocated once, stable on re-sync", () => {
  const w = new World(config({ default: ["203.0.113.0/29"] }));
  const d = {
    services: [
      serviceBody("a", { vips: ["auto"] }),
      serviceBody("b", { vips: ["203.0.113.1"] }),
      serviceBody("c", { vip: "auto", vips: undefined }),
    ],
  };
  const first = plan(w, d);
  assert.equal(first.outcome, "plan");
  if (first.outcome === "plan")
    assert.deepEqual(
      first.allocations.map((a) => [a.serviceId, a.address, a.kept]),
      [
        ["a", "203.0.113.2", false],
        ["c", "203.0.113.3", false],
      ],
    );
  applyPlan(w, first);
  const second = plan(w, d);
  assert.deepEqual(summary(second), []);
  if (second.outcome === "plan") assert.ok(second.allocations.every((a) => a.kept));
});

const hostileDocs: { name: string; doc: unknown; path: string }[] = [
  { name: "null", doc: null, path: "" },
  { name: "a list", doc: [], path: "" },
  { name: "services not a list", doc: { services: {} }, path: "services" },
  { name: "unknown top-level field", doc: { service: [] }, path: "service" },
  {
    name: "duplicate ids",
    doc: { services: [serviceBody("a"), serviceBody("a", { vips: ["203.0.113.2"] })] },
    path: "services[1].id",
  },
  {
    name: "same vip:port twice",
    doc: { services: [serviceBody("a"), serviceBody("b")] },
    path: "services[1].ports[0]",
  },
  {
    name: "auto without a pool",
    doc: { services: [serviceBody("a", { vips: ["auto6"] })] },
    path: "services[0].vips[0]",
  },
  {
    name: "bad policy",
    doc: { policies: [{ id: "p", targets: ["x"], ingress: [] }] },
    path: "policies[0].targets[0]",
  },
  {
    name: "too many endpoints",
    doc: {
      services: [
        serviceBody("a", {
          endpoints: [{ address: "192.0.2.1" }, { address: "192.0.2.2" }, { address: "192.0.2.3" }],
        }),
      ],
    },
    path: "services[0].endpoints",
  },
];
for (const c of hostileDocs) {
  test(`sync refuses ${c.name}`, () => {
    const w = new World(config({}, 2));
    const p = plan(w, c.doc);
    assert.equal(p.outcome, "invalid");
    if (p.outcome === "invalid")
      assert.ok(
        p.problems.some((x) => x.path === c.path),
        JSON.stringify(p.problems),
      );
  });
}

test("a large document plans in one pass (10,000 services)", () => {
  const w = new World();
  const services = Array.from({ length: 10_000 }, (_, i) =>
    serviceBody(`s${i}`, {
      vips: [`2001:db8:1::${i.toString(16)}`],
      endpoints: [{ address: `2001:db8:2::${i.toString(16)}` }],
    }),
  );
  const started = performance.now();
  const p = plan(w, { services });
  const ms = performance.now() - started;
  assert.equal(p.outcome, "plan", JSON.stringify(p).slice(0, 400));
  assert.equal(summary(p).length, 20_000);
  assert.ok(ms < 5_000, `planning took ${ms} ms`);
});
