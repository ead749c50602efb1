// The benchmark baselines (bench/layouts: the seed's linear layout and
// kube-proxy's) must do what ours does, or the comparison means nothing: real
// traffic reaches every backend, policies drop what they should, and a client
// whose address is itself a policy target still gets its replies.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { renderKubeProxyLayout } from "../../../bench/layouts/kube-proxy-layout.ts";
import { renderSeedLayout } from "../../../bench/layouts/seed-layout.ts";
import type { Inventory } from "../../../libs/domain/model.ts";
import type { Topology } from "../../harness/netns.ts";
import { openConnections } from "../../harness/traffic-client.ts";
import { createLab, labInventory, labPolicy } from "./lab.ts";

const IN4 = "198.51.100.10";
const OUT4 = "198.51.100.200";
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3, clientV4: [IN4, OUT4] });
});
after(() => lab.stop());

function inventory(): Inventory {
  const [b1] = lab.backends;
  const from = [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/25"] }];
  return labInventory(
    [
      {
        id: "web",
        vips: ["203.0.113.50", "2001:db8:f::50"],
        ports: [
          { protocol: "tcp", port: 80, targetPort: 8080 },
          { protocol: "udp", port: 53, targetPort: 8080 },
        ],
        endpoints: lab.backends.flatMap((b) => [{ address: b.v4 }, { address: b.v6 }]),
      },
    ],
    [
      labPolicy(
        "b1",
        [b1?.v4 ?? ""],
        [{ from, ports: [{ protocol: "tcp", port: 8080, endPort: null }] }],
      ),
      // The client's own address as a target: replies to it must not be checked.
      labPolicy("client", [IN4], []),
    ],
  );
}

for (const [name, render] of [
  ["seed", renderSeedLayout],
  ["kube-proxy", renderKubeProxyLayout],
] as const) {
  void test(`${name} layout: traffic spreads, policies hold, replies pass`, async () => {
    await lab.exec(lab.names.gateway, ["nft", "-f", "-"], {
      input: "flush ruleset\n" + render(inventory()),
    });
    for (const [protocol, host, port] of [
      ["tcp", "203.0.113.50", 80],
      ["tcp", "2001:db8:f::50", 80],
      ["udp", "2001:db8:f::50", 53],
    ] as const) {
      const s = await openConnections(lab, { protocol, host, port, count: 30 });
      assert.equal(s.answered, 30, `${protocol} ${host}`);
      assert.deepEqual(Object.keys(s.byBackend).sort(), ["b1", "b2", "b3"]);
    }
    const allowed = await openConnections(lab, {
      host: "203.0.113.50",
      port: 80,
      count: 30,
      localAddress: IN4,
    });
    assert.equal(allowed.answered, 30);
    // From the except block, b1 (policy: tcp 8080 from 198.51.100.0/24 except /25) drops.
    const denied = await openConnections(lab, {
      host: "203.0.113.50",
      port: 80,
      count: 30,
      concurrency: 30,
      localAddress: OUT4,
      timeoutMs: 500,
    });
    assert.equal(denied.byBackend["b1"], undefined);
    assert.equal(denied.timeouts, 30 - denied.answered);
    assert.ok(denied.timeouts > 0, "some flows were picked for b1 and dropped");
  });
}
