/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument -- JSON answers under test */
// The status view: fake gateways publish reports and heartbeats (bytes from the
// codec); /v1/status shows their group, applied sequence, lag, errors and liveness,
// and which gateways run each service's current state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { encodeHeartbeat, encodeReport, statusSubjectOf } from "../../../libs/events/codec.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";
import { call, eventually, service, useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

test("status shows fake gateways: applied sequence, lag, last error, live/stale, rollout per service", async () => {
  const cp = await f.start({ status: { heartbeatIntervalMs: 300 } });
  const w1 = await call(
    cp.url,
    "PUT",
    "/v1/services/web",
    service("web", { endpoints: [{ address: "192.0.2.11" }] }),
  );
  const webSeq = Math.max(...w1.body.events.map((e: { seq: number }) => e.seq));
  const w2 = await call(
    cp.url,
    "PUT",
    "/v1/services/api",
    service("api", { vips: ["203.0.113.11"] }),
  );
  const apiSeq = w2.body.events[0].seq as number;
  const js = jetstream(f.nc);
  const now = Date.now();
  const hb = headers();
  hb.set("Lbaas-Status-Type", "heartbeat");
  // gw-1 applied everything (heartbeat with the type header).
  await js.publish(
    statusSubjectOf("default", "gw-1"),
    encodeHeartbeat(sampleHeartbeat({ gatewayId: "gw-1", appliedSequence: apiSeq, sentAt: now })),
    { headers: hb },
  );
  // gw-2 applied web, then failed to apply api (a report without the header).
  await js.publish(
    statusSubjectOf("default", "gw-2"),
    encodeReport(sampleReport({ gatewayId: "gw-2", streamSequence: webSeq })),
  );
  await js.publish(
    statusSubjectOf("default", "gw-2"),
    encodeReport(
      sampleReport({
        gatewayId: "gw-2",
        streamSequence: apiSeq,
        result: { ok: false, error: { code: "nft_failed", message: "boom" } },
      }),
    ),
  );
  // gw-3 in another group; garbage on a status subject is skipped.
  await js.publish(
    statusSubjectOf("edge", "gw-3"),
    encodeHeartbeat(sampleHeartbeat({ gatewayId: "gw-3", group: "edge", appliedSequence: 0 })),
    { headers: hb },
  );
  await js.publish(statusSubjectOf("edge", "gw-4"), new Uint8Array([1, 2, 3]));

  await eventually(
    async () => (await call(cp.url, "GET", "/v1/status")).body.gateways.length === 3,
    5_000,
    "three gateways",
  );
  const status = (await call(cp.url, "GET", "/v1/status")).body;
  const gw = (id: string) => status.gateways.find((g: { gatewayId: string }) => g.gatewayId === id);
  assert.deepEqual(
    [gw("gw-1").live, gw("gw-1").appliedSeq, gw("gw-1").lagEvents, gw("gw-1").lastError],
    [true, apiSeq, 0, null],
  );
  assert.equal(gw("gw-2").appliedSeq, webSeq, "a failed apply keeps the last applied sequence");
  assert.equal(gw("gw-2").lagEvents, 1);
  assert.equal(gw("gw-2").lagSeq, apiSeq - webSeq);
  assert.deepEqual(gw("gw-2").lastError, { code: "nft_failed", message: "boom" });
  assert.equal(gw("gw-2").lastReport.ok, false);
  assert.equal(gw("gw-3").group, "edge");
  assert.equal(gw("gw-3").headSeq, 0);
  const svc = (id: string) => status.services.find((s: { id: string }) => s.id === id);
  assert.deepEqual([svc("web").current, svc("web").behind], [2, []]);
  assert.deepEqual([svc("api").current, svc("api").behind], [1, ["gw-2"]]);
  const one = await call(cp.url, "GET", "/v1/status/services/api");
  assert.deepEqual(
    [one.body.current, one.body.behind, one.body.gateways.length],
    [["gw-1"], ["gw-2"], 2],
  );
  const groups = Object.fromEntries(status.groups.map((g: { group: string }) => [g.group, g]));
  assert.deepEqual([groups.default.live, groups.default.upToDate, groups.edge.gateways], [2, 1, 1]);

  // No message for 3 heartbeat intervals: stale.
  await eventually(
    async () => {
      const s = (await call(cp.url, "GET", "/v1/status?services=false")).body;
      return s.services === undefined && s.gateways.every((g: { live: boolean }) => !g.live);
    },
    5_000,
    "all stale",
  );
  const later = await call(cp.url, "GET", "/v1/status/services/api");
  assert.deepEqual([later.body.current, later.body.stale], [[], ["gw-1", "gw-2"]]);
});
