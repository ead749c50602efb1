import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeHeartbeat,
  decodeReport,
  encodeHeartbeat,
  encodeReport,
} from "../../../libs/events/codec.ts";
import { DecodeError } from "../../../libs/events/errors.ts";
import { NftError } from "../../../libs/nft/errors.ts";
import { RenderError } from "../../../libs/nft/render/errors.ts";
import { toIncoming } from "../../../services/gateway/incoming.ts";
import {
  applyErrorOf,
  badEventError,
  countsOf,
  heartbeatOf,
  reportOf,
} from "../../../services/gateway/report.ts";
import { EventLog, endpointsOf, serviceOf } from "./event-log.ts";

const who = { gatewayId: "gw-1", group: "g1" };

test("report - an ACK carries every field and survives the status codec", () => {
  const r = reportOf(
    who,
    {
      seq: 42,
      kind: "incremental",
      hash: "sha256:abc",
      durationMs: 3.25,
      counts: { services: 2, endpoints: 5, policies: 1 },
      error: null,
    },
    1_767_225_600_123.7,
  );
  assert.deepEqual(r, {
    gatewayId: "gw-1",
    group: "g1",
    streamSequence: 42,
    rulesetHash: "sha256:abc",
    result: { ok: true },
    syncKind: "incremental",
    durationMs: 3.25,
    reportedAt: 1_767_225_600_123,
    counts: { services: 2, endpoints: 5, policies: 1 },
  });
  assert.deepEqual(decodeReport(encodeReport(r)), r);
});

const errors: [string, unknown, string, RegExp][] = [
  [
    "nft failure",
    new NftError("object_not_found", "nft -f -: error: no such file"),
    "nft.object_not_found",
    /no such file/,
  ],
  [
    "render refusal",
    new RenderError("unsafe_name", "services[x].id", '"x y" is not a name'),
    "render.unsafe_name",
    /services\[x\]\.id/,
  ],
  ["anything else", new TypeError("boom"), "internal", /^boom$/],
  ["a thrown string", "weird", "internal", /^weird$/],
  ["an empty message", new Error(""), "internal", /^\(no message\)$/],
];
for (const [name, err, code, message] of errors) {
  test(`report - a NACK for ${name} has code ${code} and encodes`, () => {
    const e = applyErrorOf(err);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    const r = reportOf(
      who,
      {
        seq: 1,
        kind: "full",
        hash: "",
        durationMs: 0,
        counts: countsOf({ services: [], endpoints: [], policies: [] }),
        error: e,
      },
      0,
    );
    assert.deepEqual(decodeReport(encodeReport(r)).result, { ok: false, error: e });
  });
}

test("report - a bad event names its sequence, subject and decode code", () => {
  const e = badEventError(
    77,
    "lbaas.evt.g1.service.x",
    new DecodeError(
      "unknown_schema_version",
      "event schema version 9 is not one this reader knows (1-2)",
    ),
  );
  assert.deepEqual(e, {
    code: "bad_event",
    message:
      'seq 77 "lbaas.evt.g1.service.x" skipped: unknown_schema_version: event schema version 9 is not one this reader knows (1-2)',
  });
});

test("report - counts sum the endpoints of every service", () => {
  const counts = countsOf({
    services: [serviceOf("a", "g1", "203.0.113.1"), serviceOf("b", "g1", "203.0.113.2")],
    endpoints: [
      endpointsOf("a", "g1", ["192.0.2.1", "192.0.2.2"]),
      endpointsOf("b", "g1", ["192.0.2.3"]),
    ],
    policies: [],
  });
  assert.deepEqual(counts, { services: 2, endpoints: 3, policies: 0 });
});

test("report - a heartbeat carries the standing and survives the codec", () => {
  const h = heartbeatOf(
    who,
    {
      appliedSeq: 9,
      hash: "sha256:1",
      lastError: { code: "nft.failed", message: "x" },
      startedAt: 1000.9,
    },
    "0.1.0",
    2000.2,
  );
  assert.deepEqual(h, {
    gatewayId: "gw-1",
    group: "g1",
    appliedSequence: 9,
    rulesetHash: "sha256:1",
    lastError: { code: "nft.failed", message: "x" },
    startedAt: 1000,
    sentAt: 2000,
    version: "0.1.0",
  });
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(h)), h);
});

const incomingCases: [string, string, () => Uint8Array, boolean, string][] = [
  [
    "a good event",
    "lbaas.evt.g1.service.web",
    () => new EventLog("g1").upsertService(serviceOf("web", "g1", "203.0.113.1")).data,
    true,
    "",
  ],
  [
    "garbage bytes",
    "lbaas.evt.g1.service.web",
    () => new Uint8Array([0xff, 0xff, 0xff]),
    false,
    "bad_bytes",
  ],
  [
    "an envelope of another aggregate",
    "lbaas.evt.g1.service.api",
    () => new EventLog("g1").upsertService(serviceOf("web", "g1", "203.0.113.1")).data,
    false,
    "wrong_aggregate",
  ],
  [
    "an event of another group",
    "lbaas.evt.g2.service.web",
    () => new EventLog("g2").upsertService(serviceOf("web", "g2", "203.0.113.1")).data,
    false,
    "wrong_aggregate",
  ],
  [
    "a subject that is not an event subject",
    "lbaas.evt.g1.frobnicate",
    () => new Uint8Array(),
    false,
    "wrong_aggregate",
  ],
];
for (const [name, subject, data, ok, code] of incomingCases) {
  test(`incoming - ${name}`, () => {
    const got = toIncoming({ seq: 5, subject, data: data() }, "g1");
    assert.equal(got.ok, ok);
    if (!got.ok) {
      assert.equal(got.error.code, code);
      assert.equal(got.seq, 5);
    } else assert.equal(got.stored.seq, 5);
  });
}
