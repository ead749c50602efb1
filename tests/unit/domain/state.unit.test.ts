import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyEvent,
  evolve,
  foldEvents,
  initialState,
  inventoryOf,
  MAX_ANOMALIES,
  recordOf,
  versionOf,
  type FoldState,
} from "../../../libs/domain/state.ts";
import type { EventBody, EventMeta, StoredEvent } from "../../../libs/events/event.ts";
import { endpointsSpec, eventOf, policySpec, serviceSpec } from "../../fixtures/domain-events.ts";

/** A stream: each entry is given the next stream sequence. */
function stream(...events: [EventBody, number, Partial<EventMeta>?][]): StoredEvent[] {
  return events.map(([body, version, meta], i) => ({
    seq: i + 1,
    event: eventOf(body, version, meta),
  }));
}

const upsertWeb = (input: Record<string, unknown> = {}): EventBody => ({
  type: "ServiceUpserted",
  spec: serviceSpec("web", input),
});

test("fold - empty stream gives an empty state and inventory", () => {
  const s = foldEvents([]);
  assert.equal(s.lastSeq, 0);
  assert.deepEqual(inventoryOf(s), { services: [], endpoints: [], policies: [] });
  assert.equal(versionOf(s, "service", "web"), 0);
  assert.equal(recordOf(s, "service", "web"), undefined);
});

test("fold - create, update, delete and re-create continue one version sequence", () => {
  const s = foldEvents(
    stream(
      [upsertWeb(), 1],
      [upsertWeb({ scheduler: "random" }), 2],
      [{ type: "ServiceDeleted" }, 3],
      [upsertWeb({ scheduler: "source-hash" }), 4],
    ),
  );
  assert.equal(versionOf(s, "service", "web"), 4);
  assert.equal(s.lastSeq, 4);
  assert.deepEqual(s.anomalies, []);
  assert.equal(inventoryOf(s).services[0]?.scheduler, "source-hash");
  const deleted = foldEvents(stream([upsertWeb(), 1], [{ type: "ServiceDeleted" }, 2]));
  assert.deepEqual(recordOf(deleted, "service", "web"), {
    kind: "service",
    id: "web",
    group: "default",
    version: 2,
    seq: 2,
    spec: null,
  });
  assert.deepEqual(inventoryOf(deleted).services, []);
});

test("fold - kinds are separate aggregates with their own versions", () => {
  const s = foldEvents(
    stream(
      [upsertWeb(), 1],
      [{ type: "EndpointsReplaced", spec: endpointsSpec() }, 1],
      [{ type: "EndpointsReplaced", spec: endpointsSpec("web", { endpoints: [] }) }, 2],
      [{ type: "PolicyUpserted", spec: policySpec("web") }, 1],
    ),
  );
  assert.equal(versionOf(s, "service", "web"), 1);
  assert.equal(versionOf(s, "endpoints", "web"), 2);
  assert.equal(versionOf(s, "policy", "web"), 1);
  assert.equal(recordOf(s, "endpoints", "web")?.seq, 3);
  assert.deepEqual(s.anomalies, []);
});

test("fold - inventoryOf: sorted, filtered by group, an EndpointsSpec for every service", () => {
  const blue = (id: string): EventBody => ({
    type: "ServiceUpserted",
    spec: serviceSpec(id, {
      group: "blue",
      vips: ["203.0.113.20"],
      ports: [{ port: Number(id.length) + 1000 }],
    }),
  });
  const s = foldEvents(
    stream(
      [{ type: "ServiceUpserted", spec: serviceSpec("zeta", { vips: ["203.0.113.30"] }) }, 1],
      [upsertWeb(), 1],
      [blue("api"), 1],
      [blue("billing"), 1],
      [{ type: "EndpointsReplaced", spec: endpointsSpec("web") }, 1],
      // Endpoints of a service that does not exist are left out.
      [{ type: "EndpointsReplaced", spec: endpointsSpec("ghost") }, 1],
      [{ type: "PolicyUpserted", spec: policySpec("p-blue", { group: "blue" }) }, 1],
      [{ type: "PolicyUpserted", spec: policySpec("p-default") }, 1],
      [{ type: "ServiceDeleted" }, 2, { id: "billing", group: "blue" }],
    ),
  );
  const all = inventoryOf(s);
  assert.deepEqual(
    all.services.map((x) => x.id),
    ["api", "web", "zeta"],
  );
  assert.deepEqual(
    all.endpoints.map((e) => [e.serviceId, e.group, e.endpoints.length]),
    [
      ["api", "blue", 0],
      ["web", "default", 3],
      ["zeta", "default", 0],
    ],
  );
  assert.deepEqual(
    all.policies.map((p) => p.id),
    ["p-blue", "p-default"],
  );
  const def = inventoryOf(s, "default");
  assert.deepEqual(
    def.services.map((x) => x.id),
    ["web", "zeta"],
  );
  assert.deepEqual(
    def.policies.map((p) => p.id),
    ["p-default"],
  );
  const b = inventoryOf(s, "blue");
  assert.deepEqual(
    b.services.map((x) => x.id),
    ["api"],
  );
  assert.deepEqual(b.endpoints, [{ serviceId: "api", group: "blue", endpoints: [] }]);
  assert.deepEqual(inventoryOf(s, "green"), { services: [], endpoints: [], policies: [] });
});

test("fold - deterministic: the same events give byte-identical inventories", () => {
  const events = stream(
    [upsertWeb(), 1],
    [{ type: "ServiceUpserted", spec: serviceSpec("api", { vips: ["203.0.113.2"] }) }, 1],
    [
      {
        type: "EndpointsReplaced",
        spec: endpointsSpec("api", { endpoints: [{ address: "2001:db8::1" }] }),
      },
      1,
    ],
  );
  assert.equal(
    JSON.stringify(inventoryOf(foldEvents(events))),
    JSON.stringify(inventoryOf(foldEvents([...events]))),
  );
});

test("fold - anomalies: gaps and regressions are applied and recorded", () => {
  const s = foldEvents(
    stream(
      [upsertWeb(), 1],
      [upsertWeb({ scheduler: "random" }), 4],
      [upsertWeb({ scheduler: "source-hash" }), 2],
    ),
  );
  assert.equal(versionOf(s, "service", "web"), 2);
  assert.equal(inventoryOf(s).services[0]?.scheduler, "source-hash");
  assert.deepEqual(
    s.anomalies.map((a) => [a.type, a.seq, a.version, a.expectedVersion]),
    [
      ["version_gap", 2, 4, 2],
      ["version_regression", 3, 2, 5],
    ],
  );
  assert.match(
    s.anomalies[0]?.message ?? "",
    /seq 2: service "web" v4 follows v1: versions 2-3 are missing/,
  );
});

test("fold - anomalies: stale sequences are ignored, group moves and bad kinds recorded", () => {
  const s = initialState();
  applyEvent(s, { seq: 5, event: eventOf(upsertWeb(), 1) });
  applyEvent(s, { seq: 5, event: eventOf(upsertWeb({ scheduler: "random" }), 2) });
  applyEvent(s, { seq: 3, event: eventOf(upsertWeb({ scheduler: "random" }), 2) });
  assert.equal(versionOf(s, "service", "web"), 1);
  assert.equal(inventoryOf(s).services[0]?.scheduler, "round-robin");
  applyEvent(s, {
    seq: 6,
    event: eventOf({ type: "ServiceUpserted", spec: serviceSpec("web", { group: "blue" }) }, 2),
  });
  assert.equal(recordOf(s, "service", "web")?.group, "blue");
  applyEvent(s, {
    seq: 7,
    event: eventOf({ type: "PolicyDeleted" }, 3, { kind: "service", id: "web" }),
  });
  assert.equal(versionOf(s, "service", "web"), 2);
  assert.equal(s.lastSeq, 7);
  assert.deepEqual(
    s.anomalies.map((a) => a.type),
    ["stale_sequence", "stale_sequence", "group_changed", "invalid_event"],
  );
  // A tombstone and re-creation in another group is a legal move.
  const moved = foldEvents(
    stream(
      [upsertWeb(), 1],
      [{ type: "ServiceDeleted" }, 2],
      [{ type: "ServiceUpserted", spec: serviceSpec("web", { group: "blue" }) }, 3],
    ),
  );
  assert.deepEqual(moved.anomalies, []);
  assert.deepEqual(
    inventoryOf(moved, "blue").services.map((x) => x.id),
    ["web"],
  );
  assert.deepEqual(inventoryOf(moved, "default").services, []);
});

test("fold - anomalies are capped; later ones are counted", () => {
  const s = initialState();
  applyEvent(s, { seq: 1, event: eventOf(upsertWeb(), 1) });
  for (let i = 0; i < MAX_ANOMALIES + 5; i++)
    applyEvent(s, { seq: 1, event: eventOf(upsertWeb(), 2) });
  assert.equal(s.anomalies.length, MAX_ANOMALIES);
  assert.equal(s.anomaliesDropped, 5);
});

test("fold - evolve is pure: the input state is untouched", () => {
  const [first, second] = stream([upsertWeb(), 1], [{ type: "ServiceDeleted" }, 2]);
  assert.ok(first && second);
  const s0: FoldState = initialState();
  const s1 = evolve(s0, first);
  const s2 = evolve(s1, second);
  assert.equal(s0.services.size, 0);
  assert.equal(s0.lastSeq, 0);
  assert.equal(versionOf(s1, "service", "web"), 1);
  assert.notEqual(recordOf(s1, "service", "web")?.spec, null);
  assert.equal(versionOf(s2, "service", "web"), 2);
  assert.equal(recordOf(s2, "service", "web")?.spec, null);
  // Folding in place gives the same result as evolving step by step.
  assert.deepEqual(inventoryOf(s2), inventoryOf(foldEvents([first, second])));
  assert.deepEqual(s2, foldEvents([first, second]));
});

test("fold - foldEvents continues from a given state", () => {
  const events = stream(
    [upsertWeb(), 1],
    [upsertWeb({ snat: true }), 2],
    [{ type: "ServiceDeleted" }, 3],
  );
  const partial = foldEvents(events.slice(0, 2));
  const resumed = foldEvents(events.slice(2), partial);
  assert.equal(resumed, partial);
  assert.deepEqual(resumed, foldEvents(events));
});
