// Masquerade with real traffic: with SNAT on the backend sees the gateway's
// address, with it off the client's (gateway switch and per-service override);
// and when backends do not route via the gateway, only SNAT makes it work.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Topology } from "../../harness/netns.ts";
import { openConnections } from "../../harness/traffic-client.ts";
import { applyInventory, createLab, labInventory, type ServiceInput } from "./lab.ts";

const VIP4 = "203.0.113.40";
const VIP6 = "2001:db8:f::40";
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3 });
});
after(() => lab.stop());

function svc(topology: Topology, snat: boolean | null): ServiceInput {
  return {
    id: "masq",
    vips: [VIP4, VIP6],
    ports: [
      { protocol: "tcp", port: 80, targetPort: 8080 },
      { protocol: "udp", port: 53, targetPort: 8080 },
    ],
    snat,
    endpoints: topology.backends.flatMap((b) => [{ address: b.v4 }, { address: b.v6 }]),
  };
}

const cases = [
  { gateway: true, service: null, masqueraded: true },
  { gateway: false, service: null, masqueraded: false },
  { gateway: true, service: false, masqueraded: false },
  { gateway: false, service: true, masqueraded: true },
] as const;

for (const { gateway, service, masqueraded } of cases) {
  void test(`enable-snat ${gateway}, service snat ${service}: backend sees the ${masqueraded ? "gateway" : "client"}`, async () => {
    await applyInventory(lab, labInventory([svc(lab, service)]), { enableSnat: gateway });
    for (const [protocol, host, port] of [
      ["tcp", VIP4, 80],
      ["udp", VIP4, 53],
      ["tcp", VIP6, 80],
      ["udp", VIP6, 53],
    ] as const) {
      const v6 = host === VIP6;
      const expected = masqueraded
        ? v6
          ? lab.gateway.backendV6
          : lab.gateway.backendV4
        : v6
          ? lab.client.v6[0]
          : lab.client.v4[0];
      const s = await openConnections(lab, { protocol, host, port, count: 6 });
      assert.deepEqual(s.peers, { [expected ?? ""]: 6 }, `${protocol} ${host}`);
    }
  });
}

void test("backends without a route back: answered only with SNAT", async () => {
  const isolated = await createLab({ backends: 3, backendRoute: "none" });
  try {
    await applyInventory(isolated, labInventory([svc(isolated, null)]), { enableSnat: true });
    const on = await openConnections(isolated, { host: VIP4, port: 80, count: 6 });
    assert.equal(on.answered, 6);
    await applyInventory(isolated, labInventory([svc(isolated, null)]), { enableSnat: false });
    const off = await openConnections(isolated, { host: VIP4, port: 80, count: 3, timeoutMs: 500 });
    assert.equal(off.answered, 0);
    assert.equal(off.timeouts, 3);
  } finally {
    await isolated.stop();
  }
});
