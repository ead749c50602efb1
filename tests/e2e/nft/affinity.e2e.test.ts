// Session affinity by client IP with real traffic: every new connection of a
// client goes to the backend its first one got, while different clients are
// still spread; without affinity the same client is spread round-robin.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Topology } from "../../harness/netns.ts";
import { openConnections } from "../../harness/traffic-client.ts";
import { applyInventory, createLab, labInventory, type ServiceInput } from "./lab.ts";

const FIRST4 = "198.51.100.10";
const CLIENTS4 = [FIRST4, "198.51.100.11", "198.51.100.12", "198.51.100.13"];
const CLIENTS6 = ["2001:db8:c::10", "2001:db8:c::11", "2001:db8:c::12", "2001:db8:c::13"];
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3, clientV4: CLIENTS4, clientV6: CLIENTS6 });
});
after(() => lab.stop());

function sticky(affinity: boolean): ServiceInput {
  return {
    id: "sticky",
    vips: ["203.0.113.60", "2001:db8:f::60"],
    ports: [
      { protocol: "tcp", port: 80, targetPort: 8080 },
      { protocol: "udp", port: 53, targetPort: 8080 },
    ],
    sessionAffinity: affinity ? { timeoutSeconds: 60 } : null,
    endpoints: lab.backends.flatMap((b) => [{ address: b.v4 }, { address: b.v6 }]),
  };
}

for (const [protocol, host, port, clients] of [
  ["tcp", "203.0.113.60", 80, CLIENTS4],
  ["udp", "203.0.113.60", 53, CLIENTS4],
  ["tcp", "2001:db8:f::60", 80, CLIENTS6],
  ["udp", "2001:db8:f::60", 53, CLIENTS6],
] as const) {
  void test(`affinity ${protocol} ${host}: each client sticks to one backend, clients spread`, async () => {
    await applyInventory(lab, labInventory([sticky(true)]));
    const chosen = new Set<string>();
    for (const client of clients) {
      const s = await openConnections(lab, {
        protocol,
        host,
        port,
        count: 12,
        localAddress: client,
      });
      assert.equal(s.answered, 12, client);
      const backends = Object.keys(s.byBackend);
      assert.equal(backends.length, 1, `${client} went to ${JSON.stringify(s.byBackend)}`);
      chosen.add(backends[0] ?? "");
    }
    // Round-robin picks the first flow of each new client: 4 clients, 3 backends.
    assert.equal(chosen.size, 3, `clients spread over ${[...chosen].join(", ")}`);
  });
}

void test("without affinity the same client is spread round-robin", async () => {
  await applyInventory(lab, labInventory([sticky(false)]));
  const s = await openConnections(lab, {
    host: "203.0.113.60",
    port: 80,
    count: 12,
    localAddress: FIRST4,
  });
  assert.deepEqual(s.byBackend, { b1: 4, b2: 4, b3: 4 });
});
