// The replay's in-place scan fold (services/audit/scan-fold.ts) gives exactly the
// state, anomalies and skips of the shared fold (`foldMessage` in "scan" mode) on
// any message sequence: in order or not, gaps, regressions, group moves, bad bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { BusMessage } from "../../../libs/bus/read.ts";
import { initialState, type FoldState } from "../../../libs/domain/state.ts";
import { encodeEvent } from "../../../libs/events/codec.ts";
import { subjectOf, type EventBody } from "../../../libs/events/event.ts";
import { foldMessage, SkipList, type SubjectCache } from "../../../services/audit/fold-message.ts";
import { ScanFold } from "../../../services/audit/scan-fold.ts";
import { endpointsSpec, eventOf, serviceSpec } from "../../fixtures/domain-events.ts";

interface Step {
  readonly kind: "service" | "endpoints";
  readonly id: string;
  readonly group: string;
  readonly what: "upsert" | "delete" | "garbage" | "bad_subject";
  readonly versionStep: number;
  readonly seqStep: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom("service" as const, "endpoints" as const),
  id: fc.constantFrom("web", "api", "db"),
  group: fc.oneof(
    { weight: 5, arbitrary: fc.constant("g1") },
    { weight: 1, arbitrary: fc.constant("g2") },
  ),
  what: fc.oneof(
    { weight: 8, arbitrary: fc.constant("upsert" as const) },
    { weight: 3, arbitrary: fc.constant("delete" as const) },
    { weight: 1, arbitrary: fc.constant("garbage" as const) },
    { weight: 1, arbitrary: fc.constant("bad_subject" as const) },
  ),
  versionStep: fc.oneof(
    { weight: 8, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constantFrom(0, 2, -1) },
  ),
  seqStep: fc.oneof(
    { weight: 10, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 3) },
  ),
});

/** Messages of the steps: versions run per {kind, id}, sequences per stream. */
function messagesOf(steps: readonly Step[]): BusMessage[] {
  const versions = new Map<string, number>();
  let seq = 0;
  return steps.map((s) => {
    const key = `${s.kind}/${s.id}`;
    const version = Math.max(1, (versions.get(key) ?? 0) + s.versionStep);
    versions.set(key, version);
    seq = Math.max(1, seq + s.seqStep);
    const body: EventBody =
      s.what === "delete"
        ? { type: s.kind === "service" ? "ServiceDeleted" : "EndpointsDeleted" }
        : s.kind === "service"
          ? { type: "ServiceUpserted", spec: serviceSpec(s.id, { group: s.group }) }
          : { type: "EndpointsReplaced", spec: endpointsSpec(s.id, { group: s.group }) };
    const event = eventOf(body, version, { id: s.id, group: s.group });
    const data = s.what === "garbage" ? new Uint8Array([0x08, 0xff]) : encodeEvent(event);
    const subject =
      s.what === "bad_subject"
        ? `lbaas.evt.${s.group}.nothing.${s.id}`
        : subjectOf(s.kind, s.group, s.id);
    return { seq, subject, data, headers: new Map(), time: new Date(1_767_225_600_000 + seq) };
  });
}

/** A table's entries in order; pending specs (event bytes) as plain Uint8Arrays of the same bytes. */
function entries(table: ReadonlyMap<string, { readonly spec: unknown }>): unknown[] {
  return [...table.entries()].map(([id, r]) => [
    id,
    { ...r, spec: r.spec instanceof Uint8Array ? Uint8Array.from(r.spec) : r.spec },
  ]);
}

function ordered(s: FoldState): unknown {
  return {
    services: entries(s.services),
    endpoints: entries(s.endpoints),
    policies: entries(s.policies),
    lastSeq: s.lastSeq,
    anomalies: s.anomalies,
    anomaliesDropped: s.anomaliesDropped,
  };
}

function bothFolds(messages: readonly BusMessage[]): void {
  const expected = initialState();
  const expectedSkips = new SkipList();
  const subjects: SubjectCache = new Map();
  for (const m of messages) foldMessage(expected, m, expectedSkips, subjects, "scan");
  const skips = new SkipList();
  const fold = new ScanFold(skips);
  for (const m of messages) fold.add(m);
  assert.deepEqual(ordered(fold.state()), ordered(expected));
  assert.deepEqual(skips.items, expectedSkips.items);
}

test("scan fold - equals the shared scan fold on random sequences", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => bothFolds(messagesOf(steps))),
    { numRuns: 300 },
  );
});

test("scan fold - table of anomalies and skips", () => {
  const base: Omit<Step, "what" | "versionStep" | "seqStep"> = {
    kind: "service",
    id: "web",
    group: "g1",
  };
  const up = (over: Partial<Step> = {}): Step => ({
    ...base,
    what: "upsert",
    versionStep: 1,
    seqStep: 1,
    ...over,
  });
  // [name, steps, anomaly types, skip codes, live version of service "web"]
  const cases: Array<[string, Step[], string[], string[], number | null]> = [
    ["empty", [], [], [], null],
    ["in order", [up(), up(), up({ what: "delete" })], [], [], 3],
    [
      "version gap then regression",
      [up(), up({ versionStep: 2 }), up({ versionStep: -1 })],
      ["version_gap", "version_regression"],
      [],
      2,
    ],
    ["group move without tombstone", [up(), up({ group: "g2" })], ["group_changed"], [], 2],
    [
      "stale sequence, garbage, bad subject",
      [up(), up({ seqStep: 0 }), up({ what: "garbage" }), up({ what: "bad_subject" })],
      ["stale_sequence"],
      ["bad_bytes", "bad_subject"],
      1,
    ],
  ];
  for (const [name, steps, anomalies, skipCodes, version] of cases) {
    const messages = messagesOf(steps);
    const skips = new SkipList();
    const fold = new ScanFold(skips);
    for (const m of messages) fold.add(m);
    const s = fold.state();
    assert.deepEqual(
      s.anomalies.map((x) => x.type),
      anomalies,
      name,
    );
    assert.deepEqual(
      skips.items.map((x) => x.code),
      skipCodes,
      name,
    );
    assert.equal(s.services.get("web")?.version ?? null, version, name);
    bothFolds(messages);
  }
});
