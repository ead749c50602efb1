// Draining and refusal with real traffic: a draining endpoint gets no new
// connections while a connection it already holds keeps working; a service
// with no endpoint (or only draining ones) is refused at once, not timed out.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Topology } from "../../harness/netns.ts";
import { holdConnection, openConnections } from "../../harness/traffic-client.ts";
import { applyInventory, createLab, labInventory, labSyncer, type ServiceInput } from "./lab.ts";

const VIP4 = "203.0.113.20";
const VIP6 = "2001:db8:f::20";
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3 });
  // UDP refusals are ICMP port-unreachable errors, which the kernel rate-limits
  // per peer (a burst of ~6, then 1 per second: net.ipv4.icmp_ratelimit). The
  // tests send several refused flows in a row, so lift the limit in this
  // gateway; TCP resets are not rate-limited.
  await lab.exec(lab.names.gateway, [
    "sysctl",
    "-q",
    "-w",
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv6.icmp.ratelimit=0",
  ]);
});
after(() => lab.stop());

function api(draining: readonly string[] = []): ServiceInput {
  return {
    id: "api",
    vips: [VIP4, VIP6],
    endpoints: lab.backends.flatMap((b) =>
      [b.v4, b.v6].map((address) => ({
        address,
        state: draining.includes(b.name) ? ("draining" as const) : ("ready" as const),
      })),
    ),
  };
}

const drainCases = [
  { host: VIP4, sync: "full" },
  { host: VIP6, sync: "full" },
  { host: VIP4, sync: "incremental" },
  { host: VIP6, sync: "incremental" },
] as const;
for (const { host, sync } of drainCases) {
  void test(`draining ${host} (${sync} sync): no new connections to it, the open one keeps working`, async () => {
    const syncer = labSyncer(lab);
    const apply = async (draining: readonly string[] = []): Promise<void> => {
      const inventory = labInventory([api(draining)]);
      if (sync === "full") return applyInventory(lab, inventory);
      const r = await syncer.sync(inventory);
      // The first sync of a new Syncer is full; later ones must be incremental.
      if (draining.length > 0) assert.equal(r.kind, "incremental");
    };
    await apply();
    const held = await holdConnection(lab, { host, port: 80 });
    try {
      const drained = held.first.backend;
      await apply([drained]);
      const s = await openConnections(lab, { host, port: 80, count: 40 });
      assert.equal(s.answered, 40);
      assert.equal(
        s.byBackend[drained],
        undefined,
        `${drained} got ${JSON.stringify(s.byBackend)}`,
      );
      assert.equal(Object.keys(s.byBackend).length, 2);
      for (let i = 0; i < 3; i++) {
        const reply = await held.ping();
        assert.equal(reply.backend, drained);
        assert.equal(reply.peerPort, held.first.peerPort, "same connection");
      }
    } finally {
      held.close();
    }
  });
}

const refusals = [
  { name: "no endpoints", endpoints: [] as ServiceInput["endpoints"] },
  { name: "only draining endpoints", endpoints: null },
] as const;
for (const { name, endpoints } of refusals) {
  for (const [protocol, host, port] of [
    ["tcp", VIP4, 80],
    ["tcp", VIP6, 80],
    ["udp", VIP4, 53],
    ["udp", VIP6, 53],
  ] as const) {
    void test(`${name}: ${protocol} to ${host} is refused within 200 ms`, async () => {
      const base = api(endpoints === null ? ["b1", "b2", "b3"] : []);
      await applyInventory(
        lab,
        labInventory([
          {
            ...base,
            ports: [
              { protocol: "tcp", port: 80, targetPort: 8080 },
              { protocol: "udp", port: 53, targetPort: 8080 },
            ],
            endpoints: endpoints ?? base.endpoints,
          },
        ]),
      );
      const s = await openConnections(lab, { protocol, host, port, count: 5, timeoutMs: 2000 });
      assert.equal(s.refused, 5, JSON.stringify(s.attempts.map((a) => a.code)));
      assert.ok(s.slowestRejectionMs < 200, `slowest refusal ${s.slowestRejectionMs} ms`);
    });
  }
}
