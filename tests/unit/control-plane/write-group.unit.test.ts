// One write group without a server: deciding on top of the group's earlier writes,
// counting what landed where predicted, answering whole writes, handing back the rest,
// and settling the view (what did not land is rolled back).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { createMetrics } from "../../../services/control-plane/metrics.ts";
import type { PublishOutcome } from "../../../services/control-plane/publish.ts";
import { View } from "../../../services/control-plane/view.ts";
import {
  answerLanded,
  decideGroup,
  landedOf,
  refuseAll,
  settleView,
  type WriteJob,
} from "../../../services/control-plane/write-group.ts";
import type { WriteOutcome } from "../../../services/control-plane/write-outcome.ts";

function setUp(): { view: View; c: Parameters<typeof decideGroup>[0] } {
  const view = new View({
    js: {} as JetStreamClient,
    jsm: {} as JetStreamManager,
    logger: pino({ level: "silent" }),
  });
  view.ready = true;
  let n = 0;
  const c = {
    view,
    config: { pools: new Map(), maxEndpointsPerService: 1000 },
    metrics: createMetrics(false),
    context: () => ({
      now: 1,
      actor: "t",
      reason: "",
      correlationId: "c",
      newEventId: () => `e${++n}`,
    }),
  };
  return { view, c };
}

/** A job for `PUT /v1/services/<id>` with `vip`, and its answer once given. */
function put(id: string, vip: string): { job: WriteJob; answer: () => WriteOutcome | null } {
  let answer: WriteOutcome | null = null;
  const job: WriteJob = {
    type: "write",
    command: {
      type: "putService",
      id,
      input: { id, vips: [vip], ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }] },
    },
    stamp: { actor: "t", reason: "", correlationId: "c" },
    published: [],
    resolve: (o) => (answer = o),
  };
  return { job, answer: () => answer };
}

test("decideGroup: each write is decided on top of the ones before it; refusals are answered at once", () => {
  const { view, c } = setUp();
  const a = put("a", "203.0.113.1");
  const clash = put("b", "203.0.113.1"); // the same VIP:port as a, which is tentative now
  const d = put("d", "203.0.113.4");
  const group = decideGroup(c, [a.job, clash.job, d.job]);
  assert.ok(group !== null);
  assert.deepEqual(
    group.planned.map((p) => [p.events[0]?.meta.id, p.first]),
    [
      ["a", 0],
      ["d", 1],
    ],
  );
  assert.equal(clash.answer()?.outcome, "invalid");
  assert.equal(group.tentative.previousPosition, 0);
  assert.equal(view.position, 2, "tentative events at sequences 1 and 2");
  assert.equal(decideGroup(c, [put("a", "203.0.113.1").job]), null, "no change: no event");
});

test("landedOf counts leading events acknowledged at their predicted sequences", () => {
  const t = { undo: [], previousPosition: 10 };
  const out = (seqs: number[], prefix = seqs.length): PublishOutcome => ({
    published: seqs.map((seq) => ({ event: {} as never, seq })),
    prefix,
    failure: null,
  });
  const cases: [PublishOutcome, number][] = [
    [out([11, 12, 13]), 3],
    [out([11, 12]), 2],
    [out([11, 13]), 1], // a foreign event took 12
    [out([11, 12, 13], 1), 1], // a failure after the first: the rest is uncertain
    [out([]), 0],
  ];
  for (const [o, want] of cases) assert.equal(landedOf(t, o), want);
});

test("answerLanded answers whole writes and hands back the rest; refuseAll says interrupted when some landed", () => {
  const { view, c } = setUp();
  const a = put("a", "203.0.113.1");
  const b = put("b", "203.0.113.2");
  const e = put("e", "203.0.113.3");
  const group = decideGroup(c, [a.job, b.job, e.job]);
  assert.ok(group !== null);
  const out: PublishOutcome = {
    published: [{ event: group.events[0] as never, seq: 1 }],
    prefix: 1,
    failure: { index: 1, error: new Error("refused") },
  };
  const landed = settleView(c, group.tentative, group.events, out);
  assert.equal(landed, 1);
  assert.equal(view.position, 1, "b and e rolled back");
  assert.equal(view.service("b"), undefined);
  const rest = answerLanded(group.planned, out, landed);
  assert.equal(a.answer()?.outcome, "done");
  assert.deepEqual(
    rest.map((u) => [u.notPublished[0]?.meta.id, u.notPublished.length]),
    [
      ["b", 1],
      ["e", 1],
    ],
  );
  // b gives up with nothing published: the refusal itself. A write with some events
  // stored (as after an earlier attempt) is "interrupted" and lists what is missing.
  (rest[1] as (typeof rest)[number]).job.published.push(out.published[0] as never);
  refuseAll(rest, { outcome: "unavailable", message: "gone" });
  assert.deepEqual(b.answer(), { outcome: "unavailable", message: "gone" });
  assert.equal(e.answer()?.outcome, "interrupted");
});
