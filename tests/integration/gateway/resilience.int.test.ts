// A gateway through a nats-server restart (no event lost, rules never flushed),
// and gateways of two groups side by side (each applies only its own services).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { Counter } from "prom-client";
import { createNetns, nftIn, type TestNetns } from "../nft/netns.ts";
import { EventLog, endpointsOf, serviceOf } from "../../unit/gateway/event-log.ts";
import type { Gateway } from "../../../services/gateway/gateway.ts";
import {
  Publisher,
  expectedRuleset,
  inventoryOfSpecs,
  kernelDifferences,
  startGateway,
  useBus,
  type RunningGateway,
} from "./fixture.ts";

const f = useBus();
const namespaces: TestNetns[] = [];
const gateways: RunningGateway[] = [];
after(async () => {
  for (const g of gateways) await g.gateway.stop(200);
  for (const ns of namespaces) ns.remove();
});

function netns(): TestNetns {
  const ns = createNetns();
  namespaces.push(ns);
  return ns;
}

async function counter(g: Gateway, name: string): Promise<number> {
  const metric = g.metrics.registry.getSingleMetric(name) as Counter | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

test("a nats-server restart mid-stream loses no event and never flushes the rules", async () => {
  const group = "restart";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  await pub.publish(log.upsertService(serviceOf("base", group, "203.0.113.1")));
  const ns = netns();
  const g = await startGateway(f, { id: "gw-restart", group, netns: ns.name });
  gateways.push(g);

  // 40 updates of endpoints for `base` (each a new version) and 40 new services,
  // published before, during and after a hard restart of the server.
  let published = 0;
  const publishSome = async (from: number, to: number): Promise<number> => {
    let seq = 0;
    for (let i = from; i < to; i++) {
      seq = await pub.publish(
        log.replaceEndpoints(endpointsOf("base", group, [`192.0.2.${i + 1}`])),
      );
      seq = await pub.publish(log.upsertService(serviceOf(`s${i}`, group, `203.0.113.${i + 10}`)));
      published += 2;
    }
    return seq;
  };
  await publishSome(0, 10);
  let flushedSeen = false;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      if (!/svc-base-tcp-80-v4/.test(nftIn(ns, "list", "table", "inet", "lbaas")))
        flushedSeen = true;
      await sleep(50);
    }
  })();
  const restart = f.server.restart({ hard: true });
  await publishSome(10, 25); // retried until the server is back
  await restart;
  const head = await publishSome(25, 40);

  await g.waitReport((r) => r.result.ok && r.streamSequence === head, 30_000);
  watching = false;
  await watch;
  assert.equal(flushedSeen, false, "the rules stayed in place while nats was away");
  const services = [
    serviceOf("base", group, "203.0.113.1"),
    ...Array.from({ length: 40 }, (_, i) => serviceOf(`s${i}`, group, `203.0.113.${i + 10}`)),
  ];
  const want = expectedRuleset(
    inventoryOfSpecs(services, [endpointsOf("base", group, ["192.0.2.40"])]),
  );
  assert.equal(g.reports.at(-1)?.rulesetHash, want.hash);
  assert.deepEqual(await kernelDifferences(ns.name, want.ruleset), []);
  // Every event after the bootstrap was delivered exactly once, in order.
  assert.equal(await counter(g.gateway, "lbaas_gateway_events_received_total"), 1 + published);
  assert.equal(await counter(g.gateway, "lbaas_gateway_fold_anomalies_total"), 0);
  assert.equal(await counter(g.gateway, "lbaas_gateway_bad_events_total"), 0);
  assert.equal(g.gateway.loop.status().receivedSeq, head);
});

test("gateways of two groups apply only their own services", async () => {
  const pubs = { a: new Publisher(() => f.js), b: new Publisher(() => f.js) };
  const logs = { a: new EventLog("grp-a"), b: new EventLog("grp-b") };
  const nsA = netns();
  const nsB = netns();
  await pubs.a.publish(logs.a.upsertService(serviceOf("web", "grp-a", "203.0.113.10")));
  await pubs.b.publish(logs.b.upsertService(serviceOf("web", "grp-b", "203.0.113.20")));
  const ga = await startGateway(f, { id: "gw-a", group: "grp-a", netns: nsA.name });
  const gb = await startGateway(f, { id: "gw-b", group: "grp-b", netns: nsB.name });
  gateways.push(ga, gb);
  let lastA = 0;
  for (let i = 0; i < 10; i++) {
    lastA = await pubs.a.publish(
      logs.a.upsertService(serviceOf(`a${i}`, "grp-a", `203.0.113.${100 + i}`)),
    );
    await pubs.b.publish(
      logs.b.replaceEndpoints(endpointsOf("web", "grp-b", [`192.0.2.${i + 1}`])),
    );
  }
  const lastB = await pubs.b.publish(
    logs.b.upsertService(serviceOf("b-only", "grp-b", "203.0.113.30")),
  );
  await ga.waitReport((r) => r.result.ok && r.streamSequence === lastA);
  await gb.waitReport((r) => r.result.ok && r.streamSequence === lastB);

  const tableA = nftIn(nsA, "list", "table", "inet", "lbaas");
  const tableB = nftIn(nsB, "list", "table", "inet", "lbaas");
  assert.match(tableA, /203\.0\.113\.10 /);
  assert.doesNotMatch(tableA, /203\.0\.113\.(20|30) /);
  assert.doesNotMatch(tableA, /b-only/);
  assert.match(tableB, /203\.0\.113\.30 /);
  assert.doesNotMatch(tableB, /203\.0\.113\.10[0-9]? /);
  assert.equal(ga.gateway.loop.status().appliedSeq, lastA);
  // Only the group's own events were delivered (1 at bootstrap + 10 after).
  assert.equal(await counter(ga.gateway, "lbaas_gateway_events_received_total"), 11);
  assert.equal(await counter(gb.gateway, "lbaas_gateway_events_received_total"), 12);
  assert.ok(ga.reports.every((r) => r.group === "grp-a" && r.result.ok));
});
