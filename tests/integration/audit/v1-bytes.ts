// Events as a schema-version-1 writer produced them: protobufjs reflection over the
// frozen v1 schema in tests/fixtures/proto-v1 (Endpoint without weight and state),
// as tests/unit/events/schema-evolution.unit.test.ts does.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const fixtureRoot = fileURLToPath(new URL("../../fixtures/proto-v1/", import.meta.url));

function loadV1(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith("/") ? target : join(fixtureRoot, target);
  root.loadSync("lbaas/v1/events.proto");
  return root.lookupType("lbaas.v1.Event");
}

const V1Event = loadV1();

/** v1 bytes of EndpointsReplaced for service `id` in `group`, version `version`. */
export function v1EndpointsBytes(
  id: string,
  group: string,
  version: number,
  endpoints: ReadonlyArray<{ address: string; port?: number }>,
): Uint8Array {
  const message = V1Event.fromObject({
    eventId: `evt-v1-${id}-${version}`,
    aggregateKind: "AGGREGATE_KIND_ENDPOINTS",
    aggregateId: id,
    group,
    aggregateVersion: version,
    schemaVersion: 1,
    occurredAtUnixMs: 1_600_000_000_000 + version,
    actor: "v1-control-plane",
    reason: "written before weights existed",
    correlationId: "old-req",
    endpointsReplaced: { spec: { serviceId: id, group, endpoints } },
  });
  return V1Event.encode(message).finish();
}

/** v1 bytes of ServiceUpserted (the service message did not change in v2). */
export function v1ServiceBytes(
  id: string,
  group: string,
  version: number,
  vip: string,
): Uint8Array {
  const message = V1Event.fromObject({
    eventId: `evt-v1-svc-${id}-${version}`,
    aggregateKind: "AGGREGATE_KIND_SERVICE",
    aggregateId: id,
    group,
    aggregateVersion: version,
    schemaVersion: 1,
    occurredAtUnixMs: 1_600_000_000_000 + version,
    actor: "v1-control-plane",
    reason: "",
    correlationId: "",
    serviceUpserted: {
      spec: {
        id,
        group,
        vips: [vip],
        ports: [{ protocol: "PROTOCOL_TCP", port: 80, targetPort: 8080 }],
        scheduler: "SCHEDULER_ROUND_ROBIN",
      },
    },
  });
  return V1Event.encode(message).finish();
}
