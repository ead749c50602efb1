// Schema evolution: events written by a schema-version-1 writer (Endpoint without
// `weight` and `state`) still decode today, upcast to weight 1 / state ready.
//
// The v1 writer is simulated with protobufjs reflection over the frozen v1 schema in
// tests/fixtures/proto-v1/, so the bytes are what a v1 build really produced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import protobuf from "protobufjs";
import { decodeEvent, encodeEvent } from "../../../libs/events/codec.ts";
import { isDecodeError } from "../../../libs/events/errors.ts";
import { endpointsSpec, eventOf } from "../../fixtures/domain-events.ts";

const fixtureRoot = fileURLToPath(new URL("../../fixtures/proto-v1/", import.meta.url));

function loadV1(): protobuf.Type {
  const root = new protobuf.Root();
  // Imports in the fixture are relative to its root, as -p proto is for the real schema.
  root.resolvePath = (_origin, target) =>
    target.startsWith("/") ? target : join(fixtureRoot, target);
  root.loadSync("lbaas/v1/events.proto");
  return root.lookupType("lbaas.v1.Event");
}

const V1Event = loadV1();

function v1Bytes(body: Record<string, unknown>, kind: string, id: string): Uint8Array {
  const message = V1Event.fromObject({
    eventId: "evt-v1",
    aggregateKind: kind,
    aggregateId: id,
    group: "default",
    aggregateVersion: 3,
    schemaVersion: 1,
    occurredAtUnixMs: 1_600_000_000_000,
    actor: "v1-control-plane",
    reason: "written before weights existed",
    correlationId: "old-req",
    ...body,
  });
  return V1Event.encode(message).finish();
}

test("evolution - the v1 fixture really lacks the v2 fields", () => {
  const endpoint = V1Event.root.lookupType("lbaas.v1.Endpoint");
  assert.deepEqual(Object.keys(endpoint.fields).sort(), ["address", "port"]);
  assert.equal(V1Event.root.lookup("lbaas.v1.EndpointState"), null);
});

test("evolution - v1 EndpointsReplaced decodes with weight 1 and state ready", () => {
  const bytes = v1Bytes(
    {
      endpointsReplaced: {
        spec: {
          serviceId: "web",
          group: "default",
          endpoints: [{ address: "192.0.2.12", port: 8443 }, { address: "192.0.2.11" }],
        },
      },
    },
    "AGGREGATE_KIND_ENDPOINTS",
    "web",
  );
  const ev = decodeEvent(bytes, { kind: "endpoints", id: "web", group: "default" });
  assert.equal(ev.meta.schemaVersion, 1);
  assert.equal(ev.meta.version, 3);
  assert.equal(ev.meta.actor, "v1-control-plane");
  assert.deepEqual(ev.body, {
    type: "EndpointsReplaced",
    spec: {
      serviceId: "web",
      group: "default",
      endpoints: [
        { address: "192.0.2.11", port: null, weight: 1, state: "ready" },
        { address: "192.0.2.12", port: 8443, weight: 1, state: "ready" },
      ],
    },
  });
  // Re-encoding writes the current schema, and that round-trips (apart from the version it records).
  const again = decodeEvent(encodeEvent(ev));
  assert.equal(again.meta.schemaVersion, 2);
  assert.deepEqual(again.body, ev.body);
});

test("evolution - other v1 events decode unchanged", () => {
  const service = v1Bytes(
    {
      serviceUpserted: {
        spec: {
          id: "web",
          group: "default",
          vips: ["203.0.113.10"],
          ports: [{ protocol: "PROTOCOL_TCP", port: 80, targetPort: 8080 }],
          scheduler: "SCHEDULER_ROUND_ROBIN",
        },
      },
    },
    "AGGREGATE_KIND_SERVICE",
    "web",
  );
  const ev = decodeEvent(service);
  assert.equal(ev.body.type, "ServiceUpserted");
  if (ev.body.type === "ServiceUpserted") assert.deepEqual(ev.body.spec.vips, ["203.0.113.10"]);
  const tombstone = decodeEvent(
    v1Bytes({ endpointsDeleted: {} }, "AGGREGATE_KIND_ENDPOINTS", "web"),
  );
  assert.deepEqual(tombstone.body, { type: "EndpointsDeleted" });
});

test("evolution - the upcast follows the envelope's version: v2 bytes without weight are invalid", () => {
  const current = encodeEvent(eventOf({ type: "EndpointsReplaced", spec: endpointsSpec() }));
  assert.equal(decodeEvent(current).meta.schemaVersion, 2);
  // The same v1-shaped endpoints claiming schema version 2 are not upcast.
  const lying = V1Event.encode(
    V1Event.fromObject({
      eventId: "e",
      aggregateKind: "AGGREGATE_KIND_ENDPOINTS",
      aggregateId: "web",
      group: "default",
      aggregateVersion: 1,
      schemaVersion: 2,
      endpointsReplaced: {
        spec: { serviceId: "web", group: "default", endpoints: [{ address: "192.0.2.11" }] },
      },
    }),
  ).finish();
  assert.throws(
    () => decodeEvent(lying),
    (err: unknown) =>
      isDecodeError(err, "invalid_event") && /weight: 0 is not a weight/.test(err.message),
  );
});
