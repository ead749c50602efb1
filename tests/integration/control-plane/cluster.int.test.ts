/* eslint-disable @typescript-eslint/no-unsafe-member-access -- JSON answers under test */
// The control plane on a 3-node JetStream cluster with R3 streams: writes go on while
// one node is down, and a control plane started afterwards serves every write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startCluster } from "../../harness/nats-cluster.ts";
import { createLogger, startControlPlane } from "../../../services/control-plane/server.ts";
import { validateSettings } from "../../../services/control-plane/settings.ts";
import { call, service } from "./fixture.ts";

test("R3 streams on a 3-node cluster: writes survive the loss of one node", async (t) => {
  const cluster = await startCluster(3);
  const planes: { stop(): Promise<void> }[] = [];
  t.after(async () => {
    for (const cp of planes) await cp.stop(); // before the cluster goes away
    await cluster.stop();
  });
  const v = validateSettings({
    nats: { servers: [...cluster.urls] },
    listen: "127.0.0.1:0",
    streams: { replicas: 3 },
  });
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  const logger = createLogger(process.env["LBAAS_TEST_LOG"] ?? "silent");
  const first = await startControlPlane(v.value, logger, { defaultMetrics: false });
  planes.push(first);
  await first.whenReady();
  for (let i = 0; i < 20; i++)
    assert.equal(
      (
        await call(
          first.url,
          "PUT",
          `/v1/services/r${i}`,
          service(`r${i}`, { vips: [`203.0.113.${i + 1}`] }),
        )
      ).status,
      201,
    );

  await cluster.stopNode(2, { hard: true });
  // Writes go on with two of three nodes (a leader election may cost a retry or two).
  for (let i = 20; i < 30; i++) {
    let res = await call(
      first.url,
      "PUT",
      `/v1/services/r${i}`,
      service(`r${i}`, { vips: [`203.0.113.${i + 1}`] }),
    );
    for (let attempt = 0; res.status === 503 && attempt < 50; attempt++) {
      await new Promise((r) => setTimeout(r, 200));
      res = await call(
        first.url,
        "PUT",
        `/v1/services/r${i}`,
        service(`r${i}`, { vips: [`203.0.113.${i + 1}`] }),
      );
    }
    assert.ok([200, 201].includes(res.status), `r${i}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await cluster.startNode(2);

  const second = await startControlPlane(v.value, logger, { defaultMetrics: false });
  planes.push(second);
  await second.whenReady();
  const list = await call(second.url, "GET", "/v1/services");
  assert.equal(list.body.services.length, 30);
  assert.ok((list.body.services as { version: number }[]).every((s) => s.version === 1));
});
