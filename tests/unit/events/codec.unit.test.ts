import { test } from "node:test";
import assert from "node:assert/strict";
import { lbaas } from "../../../proto/gen/lbaas.js";
import { isValidationError } from "../../../libs/domain/errors.ts";
import { decodeEvent, encodeEvent, encodeValidatedEvent } from "../../../libs/events/codec.ts";
import { isDecodeError, type DecodeErrorCode } from "../../../libs/events/errors.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import {
  endpointsSpec,
  eventOf,
  everyEventType,
  policySpec,
  serviceSpec,
} from "../../fixtures/domain-events.ts";

const pb = lbaas.v1;

/** Asserts that `fn` throws a DecodeError with `code` whose message matches. */
function assertDecodeError(fn: () => unknown, code: DecodeErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isDecodeError(err, code), `expected ${code}, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Encodes a raw wire event (as a hostile or buggy writer could). */
function rawEvent(overrides: lbaas.v1.Event.$Properties): Uint8Array {
  return pb.Event.encode({
    eventId: "e-1",
    aggregateKind: pb.AggregateKind.AGGREGATE_KIND_SERVICE,
    aggregateId: "web",
    group: "default",
    aggregateVersion: 1,
    schemaVersion: 2,
    occurredAtUnixMs: 1,
    serviceDeleted: {},
    ...overrides,
  }).finish();
}

test("codec - every event type round-trips exactly", () => {
  for (const ev of everyEventType()) {
    const bytes = encodeEvent(ev);
    assert.ok(bytes instanceof Uint8Array && bytes.length > 0);
    assert.deepEqual(decodeEvent(bytes), ev, ev.body.type);
    assert.deepEqual(
      decodeEvent(bytes, { kind: ev.meta.kind, id: ev.meta.id, group: ev.meta.group }),
      ev,
    );
  }
});

test("codec - every spec field survives the wire (nulls, enums, ranges, affinity, snat)", () => {
  const variants = [
    serviceSpec("a", {
      scheduler: "source-hash",
      snat: true,
      sessionAffinity: { timeoutSeconds: 60 },
    }),
    serviceSpec("b", {
      scheduler: "random",
      snat: false,
      sourceRanges: ["198.51.100.0/24", "2001:db8::/32"],
    }),
    serviceSpec("c", {
      ports: [
        { protocol: "sctp", port: 9 },
        { protocol: "udp", port: 53, targetPort: 5353 },
      ],
    }),
  ];
  for (const spec of variants) {
    const ev = eventOf({ type: "ServiceUpserted", spec }, 7);
    assert.deepEqual(decodeEvent(encodeEvent(ev)), ev);
  }
  const eps = eventOf(
    { type: "EndpointsReplaced", spec: endpointsSpec("c", { endpoints: [] }) },
    4,
  );
  assert.deepEqual(decodeEvent(encodeEvent(eps)), eps);
  const pol = eventOf({ type: "PolicyUpserted", spec: policySpec("p", { ingress: [] }) }, 2);
  assert.deepEqual(decodeEvent(encodeEvent(pol)), pol);
});

test("codec - large versions and times survive; encoding is deterministic", () => {
  const ev = eventOf({ type: "ServiceDeleted" }, Number.MAX_SAFE_INTEGER, {
    occurredAt: 4_102_444_800_000,
  });
  const a = encodeEvent(ev);
  assert.deepEqual(decodeEvent(a), ev);
  assert.deepEqual(Array.from(encodeEvent(ev)), Array.from(a));
});

test("codec - encoding refuses events that would not decode", () => {
  const bad: [LbEvent, RegExp][] = [
    [eventOf({ type: "ServiceDeleted" }, 0), /meta\.version: 0 is not a version/],
    [eventOf({ type: "ServiceDeleted" }, 1, { eventId: "" }), /meta\.eventId/],
    [eventOf({ type: "ServiceDeleted" }, 1, { id: "Web" }), /meta\.id/],
    [eventOf({ type: "ServiceDeleted" }, 1, { group: "a.b" }), /meta\.group/],
    [eventOf({ type: "ServiceDeleted" }, 1, { occurredAt: -1 }), /meta\.occurredAt/],
    [eventOf({ type: "ServiceDeleted" }, 1, { reason: "x".repeat(2000) }), /meta\.reason/],
    [
      eventOf({ type: "ServiceDeleted" }, 1, { kind: "policy" }),
      /"ServiceDeleted" does not belong to a "policy" aggregate/,
    ],
    [
      eventOf({ type: "ServiceUpserted", spec: serviceSpec() }, 1, { id: "api" }),
      /body\.spec\.id: "web" is not the aggregate id "api"/,
    ],
    [
      eventOf({ type: "PolicyUpserted", spec: policySpec() }, 1, { group: "blue" }),
      /body\.spec\.group: "default" is not the envelope's group "blue"/,
    ],
    [
      eventOf({ type: "ServiceUpserted", spec: { ...serviceSpec(), vips: [] } }),
      /body\.spec\.vips/,
    ],
    [
      eventOf({
        type: "EndpointsReplaced",
        spec: {
          ...endpointsSpec(),
          endpoints: [{ address: "192.0.2.1", port: null, weight: 0, state: "ready" }],
        },
      }),
      /weight/,
    ],
  ];
  for (const [ev, message] of bad) {
    assert.throws(
      () => encodeEvent(ev),
      (err: unknown) => isValidationError(err) && message.test(err.message),
      message.source,
    );
  }
});

test("codec - bad bytes", () => {
  const cases: [unknown, RegExp][] = [
    [new Uint8Array(), /no bytes/],
    [new Uint8Array([0xff]), /not a valid message/],
    [new Uint8Array([0x0a, 0x05, 0x61]), /not a valid message/], // string longer than the buffer
    [new Uint8Array([0x0f]), /not a valid message/], // wire type 7 does not exist
    [new TextEncoder().encode('{"meta":{}}'), /./],
    [new Uint8Array(1024 * 1024 + 1), /more than/],
    ["not bytes", /expected bytes/],
    [null, /expected bytes/],
    [[1, 2, 3], /expected bytes/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(
      () => decodeEvent(bytes as Uint8Array),
      (err: unknown) => isDecodeError(err) && message.test(err.message),
    );
  }
  assertDecodeError(() => decodeEvent(new Uint8Array([0xff])), "bad_bytes");
});

test("codec - unknown schema versions: 0 (not said) and newer than 2", () => {
  for (const v of [0, 3, 99, 0xffffffff]) {
    assertDecodeError(
      () => decodeEvent(rawEvent({ schemaVersion: v })),
      "unknown_schema_version",
      new RegExp(`schema version ${v} is not one this reader knows \\(1-2\\)`),
    );
  }
});

test("codec - wrong aggregate: envelope kind, id or group differ from the subject's", () => {
  const ev = everyEventType()[0] as LbEvent;
  const bytes = encodeEvent(ev);
  for (const expected of [
    { kind: "endpoints" as const, id: "web", group: "default" },
    { kind: "service" as const, id: "api", group: "default" },
    { kind: "service" as const, id: "web", group: "blue" },
  ]) {
    assertDecodeError(
      () => decodeEvent(bytes, expected),
      "wrong_aggregate",
      /event is for service "web" in group "default"/,
    );
  }
});

test("codec - invalid events: missing body, body of another kind, bad envelope, invalid spec", () => {
  const svc = pb.Event.encode({}).finish(); // touch the type so empty messages are covered below
  assert.equal(svc.length, 0);
  const cases: [lbaas.v1.Event.$Properties, RegExp][] = [
    [{ serviceDeleted: null }, /has no body/],
    [
      { serviceDeleted: null, policyDeleted: {} },
      /"PolicyDeleted" does not belong to a "service" aggregate/,
    ],
    [{ aggregateKind: 0 }, /meta\.kind: 0 is not an aggregate kind/],
    [{ aggregateKind: 9 as lbaas.v1.AggregateKind }, /9 is not an aggregate kind/],
    [{ aggregateVersion: 0 }, /meta\.version: 0 is not a version/],
    [
      { aggregateVersion: Number.MAX_SAFE_INTEGER + 2 },
      /meta\.version: 9007199254740992 is not a version/,
    ],
    [{ aggregateId: "web.>" }, /meta\.id: "web\.>" is not an aggregate id/],
    [{ aggregateId: "" }, /meta\.id/],
    [{ group: "*" }, /meta\.group/],
    [{ eventId: "" }, /meta\.eventId/],
    [{ eventId: "a b" }, /meta\.eventId/],
    [{ occurredAtUnixMs: -5 }, /meta\.occurredAt: -5/],
    [{ serviceDeleted: null, serviceUpserted: {} }, /body\.spec: null is not a service/],
    [{ serviceDeleted: null, serviceUpserted: { spec: {} } }, /body\.spec\.id: "" is not an id/],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "web",
            group: "default",
            vips: ["203.0.113.1; flush ruleset"],
            ports: [{ protocol: 1, port: 80, targetPort: 80 }],
            scheduler: 1,
          },
        },
      },
      /body\.spec\.vips\[0\]: "203\.0\.113\.1; flush ruleset" is not an ip address/,
    ],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "web",
            group: "default",
            vips: ["203.0.113.1"],
            ports: [{ protocol: 0, port: 80, targetPort: 80 }],
            scheduler: 1,
          },
        },
      },
      /body\.spec\.ports\[0\]\.protocol: 0 is not a protocol/,
    ],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "web",
            group: "default",
            vips: ["203.0.113.1"],
            ports: [{ protocol: 1, port: 80, targetPort: 80 }],
            scheduler: 0,
          },
        },
      },
      /body\.spec\.scheduler: 0 is not a scheduler/,
    ],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "web",
            group: "default",
            vips: ["203.0.113.1"],
            ports: [{ protocol: 1, port: 80, targetPort: 80 }],
            scheduler: 1,
            snat: 7 as lbaas.v1.Snat,
          },
        },
      },
      /body\.spec\.snat: 7 is not a snat override/,
    ],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "web",
            group: "default",
            vips: ["203.0.113.1"],
            ports: [{ protocol: 1, port: 70000, targetPort: 80 }],
            scheduler: 1,
          },
        },
      },
      /70000 is not a port/,
    ],
    [
      {
        serviceDeleted: null,
        serviceUpserted: {
          spec: {
            id: "api",
            group: "default",
            vips: ["203.0.113.1"],
            ports: [{ protocol: 1, port: 80, targetPort: 80 }],
            scheduler: 1,
          },
        },
      },
      /body\.spec\.id: "api" is not the aggregate id "web"/,
    ],
    [
      {
        aggregateKind: 2,
        serviceDeleted: null,
        endpointsReplaced: {
          spec: {
            serviceId: "web",
            group: "default",
            endpoints: [{ address: "192.0.2.1", weight: 0, state: 1 }],
          },
        },
      },
      /body\.spec\.endpoints\[0\]\.weight: 0 is not a weight/,
    ],
    [
      {
        aggregateKind: 2,
        serviceDeleted: null,
        endpointsReplaced: {
          spec: {
            serviceId: "web",
            group: "default",
            endpoints: [{ address: "192.0.2.1", weight: 1, state: 0 }],
          },
        },
      },
      /body\.spec\.endpoints\[0\]\.state: 0 is not an endpoint state/,
    ],
    [
      {
        aggregateKind: 3,
        serviceDeleted: null,
        policyUpserted: {
          spec: {
            id: "web",
            group: "default",
            targets: ["192.0.2.1"],
            ingress: [{ from: [{ cidr: "198.51.100.1/24" }] }],
          },
        },
      },
      /host bits set/,
    ],
  ];
  for (const [overrides, message] of cases) {
    assertDecodeError(() => decodeEvent(rawEvent(overrides)), "invalid_event", message);
  }
});

test("codec - unknown fields from a newer writer of the same schema version are ignored", () => {
  const ev = everyEventType()[0] as LbEvent;
  const bytes = encodeEvent(ev);
  // Field 15 (a varint) is unknown to this schema.
  const withUnknown = new Uint8Array([...bytes, 0x78, 0x2a]);
  assert.deepEqual(decodeEvent(withUnknown), ev);
});

test("codec - encodeValidatedEvent writes encodeEvent's bytes for validated events", () => {
  for (const ev of everyEventType())
    assert.deepEqual(encodeValidatedEvent(ev), encodeEvent(ev), ev.body.type);
});

test("codec - encodeValidatedEvent still refuses a bad envelope or a body of another aggregate", () => {
  const [first] = everyEventType().filter((e) => e.body.type === "ServiceUpserted");
  assert.ok(first !== undefined);
  const cases: [string, LbEvent, RegExp][] = [
    ["bad id", { ...first, meta: { ...first.meta, id: "Not A Label" } }, /meta\.id/],
    ["other kind", { ...first, meta: { ...first.meta, kind: "policy" } }, /body/],
    ["other id", { ...first, meta: { ...first.meta, id: "other" } }, /body\.spec\.id/],
    ["other group", { ...first, meta: { ...first.meta, group: "other" } }, /body\.spec\.group/],
  ];
  for (const [name, ev, path] of cases)
    assert.throws(
      () => encodeValidatedEvent(ev),
      (err: unknown) => isValidationError(err) && path.test(JSON.stringify(err.problems)),
      name,
    );
});
