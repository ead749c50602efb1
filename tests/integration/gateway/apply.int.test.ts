// A gateway on a real nats-server applying with the real nft in a throwaway
// namespace: bootstrap from long history, incremental changes, a real kernel
// refusal (NACK, last good rules kept, full retry), drift repair.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createNetns, nftIn, type TestNetns } from "../nft/netns.ts";
import { EventLog, endpointsOf, serviceOf } from "../../unit/gateway/event-log.ts";
import {
  Publisher,
  eventually,
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

test("bootstrap from a long history applies exactly the latest state; later changes are incremental", async () => {
  const group = "hist";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  // 30 services × 12 versions each, endpoints replaced as often, 10 services deleted
  // (and 3 of those re-created), plus a deleted endpoints aggregate.
  for (let v = 0; v < 12; v++)
    for (let i = 0; i < 30; i++) {
      await pub.publish(
        log.upsertService(serviceOf(`s${i}`, group, `203.0.113.${i + 1}`, 1000 + v)),
      );
      await pub.publish(
        log.replaceEndpoints(
          endpointsOf(`s${i}`, group, [`192.0.2.${v + 1}`, `192.0.2.${100 + i}`]),
        ),
      );
    }
  for (let i = 20; i < 30; i++) await pub.publish(log.deleteService(`s${i}`));
  for (let i = 20; i < 23; i++)
    await pub.publish(log.upsertService(serviceOf(`s${i}`, group, `203.0.113.${i + 101}`, 7)));
  await pub.publish(log.deleteEndpoints("s0"));
  const head = await pub.publish(log.upsertService(serviceOf("last", group, "203.0.113.250", 443)));

  const services = [
    ...Array.from({ length: 20 }, (_, i) => serviceOf(`s${i}`, group, `203.0.113.${i + 1}`, 1011)),
    ...[20, 21, 22].map((i) => serviceOf(`s${i}`, group, `203.0.113.${i + 101}`, 7)),
    serviceOf("last", group, "203.0.113.250", 443),
  ];
  const endpoints = Array.from({ length: 20 }, (_, i) =>
    endpointsOf(`s${i}`, group, ["192.0.2.12", `192.0.2.${100 + i}`]),
  ).slice(1);
  // s20-s22 were re-created: their endpoints aggregate (last replaced before the delete) still applies.
  for (const i of [20, 21, 22])
    endpoints.push(endpointsOf(`s${i}`, group, ["192.0.2.12", `192.0.2.${100 + i}`]));
  const want = expectedRuleset(inventoryOfSpecs(services, endpoints));

  const ns = netns();
  const g = await startGateway(f, { id: "gw-hist", group, netns: ns.name });
  gateways.push(g);
  assert.equal(g.reports.length, 1, "one apply for the whole history");
  const boot = g.reports[0]!;
  assert.deepEqual(
    [boot.result.ok, boot.syncKind, boot.streamSequence, boot.rulesetHash, boot.counts.services],
    [true, "full", head, want.hash, 24],
  );
  assert.deepEqual(await kernelDifferences(ns.name, want.ruleset), []);

  // A later change arrives incrementally.
  const seq = await pub.publish(log.replaceEndpoints(endpointsOf("s1", group, ["192.0.2.77"])));
  const inc = await g.waitReport((r) => r.streamSequence >= seq);
  assert.deepEqual([inc.result.ok, inc.syncKind, inc.streamSequence], [true, "incremental", seq]);
  const after1 = expectedRuleset(
    inventoryOfSpecs(services, [
      ...endpoints.filter((e) => e.serviceId !== "s1"),
      endpointsOf("s1", group, ["192.0.2.77"]),
    ]),
  );
  assert.equal(inc.rulesetHash, after1.hash);
  assert.deepEqual(await kernelDifferences(ns.name, after1.ruleset), []);
  assert.match(nftIn(ns, "list", "chain", "inet", "lbaas", "svc-s1-tcp-1011-v4"), /192\.0\.2\.77/);
});

test("a transaction the kernel refuses gives a NACK, keeps the last good rules, and a full retry converges", async () => {
  const group = "nack";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  const web = serviceOf("web", group, "203.0.113.10");
  const api = serviceOf("api", group, "203.0.113.20");
  await pub.publish(log.upsertService(web));
  await pub.publish(log.upsertService(api));
  await pub.publish(log.replaceEndpoints(endpointsOf("api", group, ["192.0.2.21"])));
  const ns = netns();
  const g = await startGateway(f, {
    id: "gw-nack",
    group,
    netns: ns.name,
    timing: { retryBaseMs: 1_000 },
  });
  gateways.push(g);
  const good = g.reports.at(-1)!;
  assert.ok(good.result.ok);

  // By hand, someone deletes web's dispatch element: the next incremental transaction
  // (delete web, change api's endpoints) deletes that element again and the kernel
  // refuses the whole transaction (ENOENT).
  nftIn(ns, "delete", "element", "inet", "lbaas", "service-ips-v4", "{ 203.0.113.10 . tcp . 80 }");
  await pub.publish(log.deleteService("web"));
  const seq = await pub.publish(log.replaceEndpoints(endpointsOf("api", group, ["192.0.2.22"])));
  const nack = await g.waitReport((r) => !r.result.ok);
  assert.equal(nack.streamSequence, seq);
  assert.equal(nack.rulesetHash, good.rulesetHash, "the NACK names the ruleset still running");
  assert.ok(
    !nack.result.ok && nack.result.error.code.startsWith("nft."),
    JSON.stringify(nack.result),
  );
  const apiChain = nftIn(ns, "list", "chain", "inet", "lbaas", "svc-api-tcp-80-v4");
  assert.match(apiChain, /192\.0\.2\.21/, "the last good rules stay");
  assert.doesNotMatch(apiChain, /192\.0\.2\.22/);
  assert.equal(g.gateway.loop.status().lastApplyOk, false);

  const ack = await g.waitReport((r) => r.result.ok && r.streamSequence === seq);
  assert.equal(ack.syncKind, "full", "the retry after a failure is full");
  const want = expectedRuleset(
    inventoryOfSpecs([api], [endpointsOf("api", group, ["192.0.2.22"])]),
  );
  assert.equal(ack.rulesetHash, want.hash);
  assert.deepEqual(await kernelDifferences(ns.name, want.ruleset), []);
});

test("a hand-made change is found by the drift check, repaired, and reported", async () => {
  const group = "drift";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  const web = serviceOf("web", group, "203.0.113.10");
  const eps = endpointsOf("web", group, ["192.0.2.11", "192.0.2.12"]);
  await pub.publish(log.upsertService(web));
  await pub.publish(log.replaceEndpoints(eps));
  const ns = netns();
  const g = await startGateway(f, {
    id: "gw-drift",
    group,
    netns: ns.name,
    timing: { driftCheckMs: 300 },
  });
  gateways.push(g);
  const want = expectedRuleset(inventoryOfSpecs([web], [eps]));
  assert.deepEqual(await kernelDifferences(ns.name, want.ruleset), []);

  nftIn(ns, "flush", "chain", "inet", "lbaas", "svc-web-tcp-80-v4");
  const drift = await g.waitReport((r) => !r.result.ok && r.result.error.code === "drift_repaired");
  assert.match(!drift.result.ok ? drift.result.error.message : "", /svc-web-tcp-80-v4/);
  const index = g.reports.indexOf(drift);
  const ack = await g.waitReport((r) => g.reports.indexOf(r) > index && r.result.ok);
  assert.deepEqual([ack.syncKind, ack.rulesetHash], ["full", want.hash]);
  await eventually(
    async () => (await kernelDifferences(ns.name, want.ruleset)).length === 0,
    5_000,
    "repair",
  );
});

test("dry-run checks every state with nft -c and commits nothing", async () => {
  const group = "dry";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  await pub.publish(log.upsertService(serviceOf("web", group, "203.0.113.10")));
  const ns = netns();
  const g = await startGateway(f, { id: "gw-dry", group, netns: ns.name, dryRun: true });
  gateways.push(g);
  const seq = await pub.publish(log.replaceEndpoints(endpointsOf("web", group, ["192.0.2.11"])));
  const r = await g.waitReport((x) => x.streamSequence === seq);
  assert.deepEqual(
    g.reports.map((x) => [x.result.ok, x.syncKind]),
    [
      [true, "full"],
      [true, "full"],
    ],
  );
  assert.equal(
    r.rulesetHash,
    expectedRuleset(
      inventoryOfSpecs(
        [serviceOf("web", group, "203.0.113.10")],
        [endpointsOf("web", group, ["192.0.2.11"])],
      ),
    ).hash,
  );
  assert.equal(nftIn(ns, "list", "tables").trim(), "", "nothing committed");
});
