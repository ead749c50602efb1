// History building, state diffs and status-at folding on in-memory inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeEvent, encodeHeartbeat, encodeReport } from "../../../libs/events/codec.ts";
import type { EventBody } from "../../../libs/events/event.ts";
import { foldEvents } from "../../../libs/domain/state.ts";
import { buildHistory } from "../../../libs/audit/history.ts";
import type { LogMessage } from "../../../libs/audit/log-message.ts";
import { diffStates } from "../../../libs/audit/state-diff.ts";
import { statusAt } from "../../../libs/audit/status-at.ts";
import { endpointsSpec, eventOf, policySpec, serviceSpec } from "../../fixtures/domain-events.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";

const at = (s: number): Date => new Date(Date.UTC(2026, 10, 26, 15, 0, s));

function msg(
  seq: number,
  body: EventBody,
  version: number,
  subject = "lbaas.evt.default.service.web",
): LogMessage {
  return {
    seq,
    subject,
    data: encodeEvent(eventOf(body, version)),
    headers: new Map(),
    time: at(seq),
  };
}

test("history - created, updated with field changes, deleted, re-created; problems noted", () => {
  const h = buildHistory("service", "web", [
    msg(3, { type: "ServiceUpserted", spec: serviceSpec("web") }, 1),
    msg(8, { type: "ServiceUpserted", spec: serviceSpec("web", { scheduler: "random" }) }, 2),
    msg(9, { type: "ServiceDeleted" }, 3),
    {
      seq: 10,
      subject: "lbaas.evt.default.service.web",
      data: new Uint8Array([1, 2, 3]),
      headers: new Map(),
      time: at(10),
    },
    msg(12, { type: "ServiceUpserted", spec: serviceSpec("web") }, 5),
  ]);
  assert.deepEqual(
    h.entries.map((e) => [e.seq, e.version, e.change]),
    [
      [3, 1, "created"],
      [8, 2, "updated"],
      [9, 3, "deleted"],
      [10, null, "unreadable"],
      [12, 5, "created"],
    ],
  );
  assert.deepEqual(h.entries[1]?.changes, [
    { op: "changed", path: "scheduler", before: "round-robin", after: "random" },
  ]);
  assert.equal(h.entries[0]?.storedAt, "2026-11-26T15:00:03.000Z");
  assert.equal(h.entries[0]?.actor, "alice@example.com");
  assert.match(h.entries[3]?.problems[0] ?? "", /^bad_bytes: /);
  assert.deepEqual(h.entries[4]?.problems, ["version gap: v5 follows v3 (v4-4 missing)"]);
  assert.deepEqual([h.version, h.live], [5, true]);
  assert.deepEqual(buildHistory("policy", "x", []), {
    kind: "policy",
    id: "x",
    entries: [],
    version: 0,
    live: false,
  });
});

test("state diff - created, updated, deleted, version-only moves; group filter", () => {
  const e = (seq: number, body: EventBody, version: number) => ({
    seq,
    event: eventOf(body, version, body.type === "PolicyDeleted" ? { id: "p" } : {}),
  });
  const from = foldEvents([
    e(1, { type: "ServiceUpserted", spec: serviceSpec("web") }, 1),
    e(2, { type: "PolicyUpserted", spec: policySpec("p") }, 1),
    e(3, { type: "EndpointsReplaced", spec: endpointsSpec("web") }, 1),
  ]);
  const to = foldEvents(
    [
      e(4, { type: "ServiceUpserted", spec: serviceSpec("web", { vips: ["203.0.113.10"] }) }, 2),
      e(5, { type: "PolicyDeleted" }, 2),
      e(6, { type: "ServiceUpserted", spec: serviceSpec("api", { vips: ["203.0.113.9"] }) }, 1),
      e(7, { type: "EndpointsReplaced", spec: endpointsSpec("web") }, 2),
    ],
    foldEvents([
      e(1, { type: "ServiceUpserted", spec: serviceSpec("web") }, 1),
      e(2, { type: "PolicyUpserted", spec: policySpec("p") }, 1),
      e(3, { type: "EndpointsReplaced", spec: endpointsSpec("web") }, 1),
    ]),
  );
  const d = diffStates(from, to);
  assert.deepEqual(
    d.map((o) => [o.kind, o.id, o.change, o.fromVersion, o.toVersion, o.changes.length]),
    [
      ["service", "api", "created", 0, 1, 0],
      ["service", "web", "updated", 1, 2, 1],
      ["endpoints", "web", "updated", 1, 2, 0],
      ["policy", "p", "deleted", 1, 2, 0],
    ],
  );
  assert.deepEqual(d[1]?.changes, [{ op: "removed", path: "vips", value: "2001:db8::10" }]);
  assert.deepEqual(diffStates(from, to, "other-group"), []);
  assert.deepEqual(diffStates(to, to), []);
});

test("status at - last message at or before the time; failed reports keep the applied sequence", () => {
  const s = (seq: number, data: Uint8Array, type: string, gw = "gw-1"): LogMessage => ({
    seq,
    subject: `lbaas.status.default.${gw}`,
    data,
    headers: new Map([["Lbaas-Status-Type", type]]),
    time: at(seq),
  });
  const messages = [
    s(1, encodeReport(sampleReport({ streamSequence: 5, rulesetHash: "sha256:aa" })), "report"),
    s(
      2,
      encodeHeartbeat(sampleHeartbeat({ appliedSequence: 5, rulesetHash: "sha256:aa" })),
      "heartbeat",
    ),
    s(
      3,
      encodeReport(
        sampleReport({
          streamSequence: 9,
          rulesetHash: "sha256:aa",
          result: { ok: false, error: { code: "nft", message: "x" } },
        }),
      ),
      "report",
    ),
    s(
      4,
      encodeReport(
        sampleReport({ gatewayId: "gw-2", streamSequence: 9, rulesetHash: "sha256:bb" }),
      ),
      "",
      "gw-2",
    ),
    s(5, new Uint8Array([9, 9, 9]), "report"),
  ];
  const pick = (t: number) =>
    statusAt(messages, at(t).getTime()).gateways.map((g) => [
      g.gatewayId,
      g.known,
      g.rulesetHash,
      g.appliedSequence,
      g.lastError?.code ?? null,
      g.source,
    ]);
  assert.deepEqual(pick(0), [
    ["gw-1", false, "", 0, null, null],
    ["gw-2", false, "", 0, null, null],
  ]);
  assert.deepEqual(pick(2), [
    ["gw-1", true, "sha256:aa", 5, null, "heartbeat"],
    ["gw-2", false, "", 0, null, null],
  ]);
  assert.deepEqual(pick(4), [
    ["gw-1", true, "sha256:aa", 5, "nft", "report"],
    ["gw-2", true, "sha256:bb", 9, null, "report"],
  ]);
  const end = statusAt(messages, at(9).getTime());
  assert.deepEqual(
    end.undecodable.map((u) => u.seq),
    [5],
  );
  assert.equal(end.messages, 5);
});
