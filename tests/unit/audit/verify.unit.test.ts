// Verify's classification on in-memory event lists: each kind of anomaly is found,
// named with its sequence, and a clean list passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lbaas } from "../../../proto/gen/lbaas.js";
import { encodeEvent } from "../../../libs/events/codec.ts";
import type { EventBody } from "../../../libs/events/event.ts";
import type { LogMessage } from "../../../libs/audit/log-message.ts";
import { StreamVerifier, type FindingKind } from "../../../libs/audit/verify.ts";
import { endpointsSpec, eventOf, serviceSpec } from "../../fixtures/domain-events.ts";

const T = new Date(Date.UTC(2026, 10, 26, 15));

function msg(
  seq: number,
  subject: string,
  data: Uint8Array,
  headers: Record<string, string> = {},
): LogMessage {
  return { seq, subject, data, headers: new Map(Object.entries(headers)), time: T };
}

/** A valid event of `body` at `version`, on its own subject (group default). */
function ev(seq: number, body: EventBody, version: number, id = "web"): LogMessage {
  const e = eventOf(body, version);
  const kind = e.meta.kind;
  return msg(seq, `lbaas.evt.default.${kind}.${id}`, encodeEvent(e), {
    "Lbaas-Version": String(version),
  });
}

const svc = (version: number, id = "web"): EventBody => ({
  type: "ServiceUpserted",
  spec: serviceSpec(id, { vips: [`203.0.113.${version}`, `2001:db8::${version}`] }),
});

function verify(messages: LogMessage[]): Array<[FindingKind, number]> {
  const v = new StreamVerifier();
  for (const m of messages) v.add(m);
  const r = v.finish();
  assert.equal(r.ok, r.findings.length === 0);
  return r.findings.map((f) => [f.kind, f.seq]);
}

test("verify - a clean list passes, tombstones and re-creation included", () => {
  const v = new StreamVerifier();
  const list = [
    ev(1, svc(1), 1),
    ev(2, { type: "EndpointsReplaced", spec: endpointsSpec("web") }, 2 - 1),
    ev(3, svc(2), 2),
    ev(4, { type: "ServiceDeleted" }, 3),
    ev(5, { type: "EndpointsDeleted" }, 2),
    ev(6, svc(4), 4),
  ];
  for (const m of list) v.add(m);
  const r = v.finish();
  assert.deepEqual(r.findings, []);
  assert.equal(r.ok, true);
  assert.deepEqual(r.schemaVersions, { 2: 6 });
  assert.equal(r.aggregates, 2);
  assert.equal(r.live, 1);
  assert.deepEqual([r.firstSeq, r.lastSeq, r.events], [1, 6, 6]);
});

test("verify - each anomaly kind is named with its sequence", () => {
  const invalidSpec = lbaas.v1.Event.encode({
    eventId: "e",
    aggregateKind: lbaas.v1.AggregateKind.AGGREGATE_KIND_SERVICE,
    aggregateId: "web",
    group: "default",
    aggregateVersion: 2,
    schemaVersion: 2,
    occurredAtUnixMs: 1,
    serviceUpserted: { spec: { id: "web", group: "default", vips: ["not-an-ip"] } },
  }).finish();
  const badEnvelope = lbaas.v1.Event.encode({
    eventId: "",
    aggregateKind: lbaas.v1.AggregateKind.AGGREGATE_KIND_SERVICE,
    aggregateId: "api",
    group: "default",
    aggregateVersion: 1,
    schemaVersion: 2,
    serviceDeleted: {},
  }).finish();
  const future = lbaas.v1.Event.encode({
    ...lbaas.v1.Event.decode(encodeEvent(eventOf(svc(1), 1))),
    schemaVersion: 9,
  }).finish();
  const cases: Array<[string, LogMessage[], Array<[FindingKind, number]>]> = [
    ["gap", [ev(1, svc(1), 1), ev(2, svc(3), 3)], [["version_gap", 2]]],
    [
      "regression",
      [ev(1, svc(1), 1), ev(2, svc(2), 2), ev(3, svc(2), 2)],
      [["version_regression", 3]],
    ],
    [
      "garbage",
      [ev(1, svc(1), 1), msg(2, "lbaas.evt.default.service.web", new Uint8Array([0xff, 0xff]))],
      [["undecodable", 2]],
    ],
    [
      "invalid spec counts for versions",
      [ev(1, svc(1), 1), msg(2, "lbaas.evt.default.service.web", invalidSpec), ev(3, svc(3), 3)],
      [["invalid_state", 2]],
    ],
    [
      "bad envelope",
      [msg(1, "lbaas.evt.default.service.api", badEnvelope)],
      [["invalid_envelope", 1]],
    ],
    [
      "newer schema",
      [msg(1, "lbaas.evt.default.service.web", future)],
      [["unknown_schema_version", 1]],
    ],
    ["subject of another aggregate", [ev(1, svc(1), 1, "other")], [["subject_mismatch", 1]]],
    [
      "not an event subject",
      [msg(1, "lbaas.evt.default.services.web", encodeEvent(eventOf(svc(1), 1)))],
      [["bad_subject", 1]],
    ],
    [
      "header disagrees",
      [
        msg(1, "lbaas.evt.default.service.web", encodeEvent(eventOf(svc(1), 1)), {
          "Lbaas-Version": "7",
        }),
      ],
      [["header_mismatch", 1]],
    ],
    ["hole in the stream", [ev(1, svc(1), 1), ev(4, svc(2), 2)], [["sequence_gap", 4]]],
    ["first message is not seq 1", [ev(3, svc(1), 1)], []],
    [
      "group change without tombstone",
      [
        ev(1, svc(1), 1),
        msg(
          2,
          "lbaas.evt.blue.service.web",
          encodeEvent(
            eventOf({ type: "ServiceUpserted", spec: serviceSpec("web", { group: "blue" }) }, 2),
          ),
        ),
      ],
      [["group_changed", 2]],
    ],
    [
      "two services on one vip:port (whole-state rule)",
      [ev(1, svc(1), 1), ev(2, svc(1, "api"), 1, "api")],
      // one finding per claimed address (the service is dual-stack)
      [
        ["final_state_invalid", 2],
        ["final_state_invalid", 2],
      ],
    ],
  ];
  for (const [name, list, want] of cases) assert.deepEqual(verify(list), want, name);
});

test("verify - messages say what is wrong in words", () => {
  const v = new StreamVerifier();
  v.add(ev(1, svc(1), 1));
  v.add(ev(2, svc(4), 4));
  const [f] = v.finish().findings;
  assert.equal(f?.message, 'seq 2: service "web" v4 follows v1: v2-3 missing');
});
