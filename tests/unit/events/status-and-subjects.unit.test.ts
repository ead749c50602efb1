import { test } from "node:test";
import assert from "node:assert/strict";
import { lbaas } from "../../../proto/gen/lbaas.js";
import { isValidationError } from "../../../libs/domain/errors.ts";
import {
  decodeHeartbeat,
  decodeReport,
  encodeHeartbeat,
  encodeReport,
  statusSubjectOf,
} from "../../../libs/events/codec.ts";
import { isDecodeError } from "../../../libs/events/errors.ts";
import {
  groupFilterOf,
  isTombstone,
  messageIdOf,
  parseSubject,
  subjectOf,
} from "../../../libs/events/event.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";

test("status - reports and heartbeats round-trip, ok and error", () => {
  const reports = [
    sampleReport(),
    sampleReport({ syncKind: "full", durationMs: 0, streamSequence: 0, rulesetHash: "" }),
    sampleReport({
      result: {
        ok: false,
        error: { code: "nft_syntax", message: "Error: syntax error, unexpected '}'" },
      },
    }),
  ];
  for (const r of reports) assert.deepEqual(decodeReport(encodeReport(r)), r);
  const beats = [
    sampleHeartbeat(),
    sampleHeartbeat({
      lastError: { code: "nft_busy", message: "resource busy" },
      appliedSequence: 0,
    }),
  ];
  for (const h of beats) assert.deepEqual(decodeHeartbeat(encodeHeartbeat(h)), h);
});

test("status - over-long error messages are cut on encode, so a failing gateway can report", () => {
  const long = "x".repeat(100_000);
  const r = decodeReport(
    encodeReport(
      sampleReport({ result: { ok: false, error: { code: "nft_failed", message: long } } }),
    ),
  );
  assert.equal(r.result.ok, false);
  if (!r.result.ok) {
    assert.equal(r.result.error.message.length, 4096);
    assert.ok(r.result.error.message.endsWith("…"));
  }
});

test("status - invalid values are refused on encode with every problem", () => {
  assert.throws(
    () =>
      encodeReport(
        sampleReport({
          gatewayId: "GW 1",
          group: "a.b",
          streamSequence: -1,
          durationMs: NaN,
          syncKind: "partial" as "full",
          counts: { services: 2 ** 32, endpoints: 0, policies: 0.5 },
          result: { ok: false, error: { code: "Bad Code", message: "m" } },
        }),
      ),
    (err: unknown) => {
      assert.ok(isValidationError(err));
      assert.deepEqual(
        err.problems.map((p) => p.path),
        [
          "gatewayId",
          "group",
          "streamSequence",
          "result.error.code",
          "syncKind",
          "durationMs",
          "counts.services",
          "counts.policies",
        ],
      );
      return true;
    },
  );
  assert.throws(
    () => encodeHeartbeat(sampleHeartbeat({ version: "v".repeat(65) })),
    isValidationError,
  );
});

test("status - decode errors: bad bytes, unknown version, missing result or sync kind", () => {
  const pb = lbaas.v1;
  const good = { schemaVersion: 2, gatewayId: "gw-1", group: "default", ok: {}, syncKind: 1 };
  const cases: [Uint8Array, string, RegExp][] = [
    [new Uint8Array([0xff, 0xff]), "bad_bytes", /not a valid message/],
    [
      pb.GatewayReport.encode({ ...good, schemaVersion: 3 }).finish(),
      "unknown_schema_version",
      /schema version 3/,
    ],
    [
      pb.GatewayReport.encode({ ...good, schemaVersion: 0 }).finish(),
      "unknown_schema_version",
      /schema version 0/,
    ],
    [
      pb.GatewayReport.encode({ ...good, ok: null }).finish(),
      "invalid_status",
      /result: needs exactly one of ok and error/,
    ],
    [
      pb.GatewayReport.encode({ ...good, syncKind: 0 }).finish(),
      "invalid_status",
      /syncKind: 0 is not a sync kind/,
    ],
    [
      pb.GatewayReport.encode({ ...good, gatewayId: "gw.>" }).finish(),
      "invalid_status",
      /gatewayId/,
    ],
  ];
  for (const [bytes, code, message] of cases) {
    assert.throws(
      () => decodeReport(bytes),
      (err: unknown) => isDecodeError(err) && err.code === code && message.test(err.message),
      message.source,
    );
  }
  assert.ok(decodeReport(pb.GatewayReport.encode(good).finish()).result.ok);
  assert.throws(
    () =>
      decodeHeartbeat(pb.GatewayHeartbeat.encode({ schemaVersion: 2, gatewayId: "gw-1" }).finish()),
    (err: unknown) => isDecodeError(err, "invalid_status") && /group/.test(err.message),
  );
});

test("subjects - event subjects, filters and message ids follow docs/decisions.md", () => {
  assert.equal(subjectOf("service", "default", "web"), "lbaas.evt.default.service.web");
  assert.equal(subjectOf("endpoints", "blue", "web"), "lbaas.evt.blue.endpoints.web");
  assert.equal(
    subjectOf("policy", "default", "web-backends"),
    "lbaas.evt.default.policy.web-backends",
  );
  assert.equal(groupFilterOf("blue"), "lbaas.evt.blue.>");
  assert.equal(messageIdOf("service", "default", "web", 7), "default.service.web.v7");
  assert.equal(statusSubjectOf("default", "gw-1"), "lbaas.status.default.gw-1");
  assert.deepEqual(parseSubject("lbaas.evt.blue.endpoints.web"), {
    kind: "endpoints",
    group: "blue",
    id: "web",
  });
  for (const bad of [
    "lbaas.evt.blue.endpoints",
    "lbaas.evt.blue.pods.web",
    "lbaas.evt.Blue.service.web",
    "lbaas.status.a.b.c",
    "lbaas.evt.a.service.b.c",
    "",
  ]) {
    assert.equal(parseSubject(bad), null, bad);
  }
});

test("subjects - tokens that could change a subject's meaning are refused", () => {
  for (const [group, id] of [
    ["default", "web.>"],
    ["default", "*"],
    ["de fault", "web"],
    [">", "web"],
    ["default", ""],
    ["default", "web\r\nPUB x"],
  ] as const) {
    assert.throws(() => subjectOf("service", group, id), isValidationError, `${group} ${id}`);
    assert.throws(() => messageIdOf("service", group, id, 1), isValidationError);
  }
  assert.throws(() => groupFilterOf("*"), isValidationError);
  assert.throws(() => statusSubjectOf("default", "gw.1"), isValidationError);
  assert.throws(() => messageIdOf("service", "default", "web", 0), isValidationError);
  assert.throws(() => messageIdOf("service", "default", "web", 1.5), isValidationError);
  assert.throws(() => subjectOf("pods" as "service", "default", "web"), isValidationError);
});

test("events - tombstones", () => {
  assert.equal(isTombstone({ type: "ServiceDeleted" }), true);
  assert.equal(isTombstone({ type: "EndpointsDeleted" }), true);
  assert.equal(isTombstone({ type: "PolicyDeleted" }), true);
  assert.equal(
    isTombstone({
      type: "EndpointsReplaced",
      spec: { serviceId: "w", group: "default", endpoints: [] },
    }),
    false,
  );
});
