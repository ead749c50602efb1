// Real traffic through rulesets rendered by libs/nft: round-robin spreads new
// connections exactly evenly, weights shift them, for TCP and UDP over IPv4 and
// IPv6; source-hash sends a flow to the same backend on two gateways.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { Topology } from "../../harness/netns.ts";
import { openConnections } from "../../harness/traffic-client.ts";
import { applyInventory, createLab, labInventory, type ServiceInput } from "./lab.ts";

const VIP4 = "203.0.113.10";
const VIP6 = "2001:db8:f::10";
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3 });
});
after(() => lab.stop());

/** A service on both VIPs, tcp 80 and udp 53 → 8080, one endpoint per backend and family. */
function web(
  overrides: Partial<ServiceInput> & { weights?: readonly number[] } = {},
): ServiceInput {
  const weights = overrides.weights ?? [1, 1, 1];
  return {
    id: "web",
    vips: [VIP4, VIP6],
    ports: [
      { protocol: "tcp", port: 80, targetPort: 8080 },
      { protocol: "udp", port: 53, targetPort: 8080 },
    ],
    endpoints: lab.backends.flatMap((b, i) => [
      { address: b.v4, weight: weights[i] ?? 1 },
      { address: b.v6, weight: weights[i] ?? 1 },
    ]),
    ...overrides,
  };
}

const matrix = [
  { protocol: "tcp", host: VIP4, port: 80 },
  { protocol: "udp", host: VIP4, port: 53 },
  { protocol: "tcp", host: VIP6, port: 80 },
  { protocol: "udp", host: VIP6, port: 53 },
] as const;

for (const { protocol, host, port } of matrix) {
  void test(`round-robin: 30 new ${protocol} flows to ${host} split exactly 10/10/10`, async () => {
    await applyInventory(lab, labInventory([web()]));
    const s = await openConnections(lab, { protocol, host, port, count: 30 });
    assert.deepEqual(s.byBackend, { b1: 10, b2: 10, b3: 10 });
    assert.equal(s.answered, 30);
  });
}

for (const { protocol, host, port } of matrix.filter((m) => m.protocol === "tcp")) {
  void test(`round-robin weights 1/2/1 to ${host}: exactly 100/200/100 of 400`, async () => {
    await applyInventory(lab, labInventory([web({ weights: [1, 2, 1] })]));
    const s = await openConnections(lab, { protocol, host, port, count: 400, concurrency: 4 });
    assert.equal(s.answered, 400);
    assert.deepEqual(s.byBackend, { b1: 100, b2: 200, b3: 100 });
  });
}

void test("random weights 1/2/1: shares 25/50/25 % within 4 sigma over 800", async () => {
  await applyInventory(lab, labInventory([web({ weights: [1, 2, 1], scheduler: "random" })]));
  const n = 800;
  const s = await openConnections(lab, { host: VIP4, port: 80, count: n, concurrency: 4 });
  assert.equal(s.answered, n);
  for (const [backend, share] of [
    ["b1", 0.25],
    ["b2", 0.5],
    ["b3", 0.25],
  ] as const) {
    const got = (s.byBackend[backend] ?? 0) / n;
    const sigma = Math.sqrt((share * (1 - share)) / n);
    assert.ok(Math.abs(got - share) <= 4 * sigma, `${backend}: ${got} vs ${share} ± ${4 * sigma}`);
  }
});

void test("a draining endpoint gets no new flows; the others split evenly", async () => {
  const svc = web();
  const endpoints = svc.endpoints.map((e) =>
    e.address === lab.backends[1]?.v4 ? { ...e, state: "draining" as const } : e,
  );
  await applyInventory(lab, labInventory([{ ...svc, endpoints }]));
  const s = await openConnections(lab, { host: VIP4, port: 80, count: 20 });
  assert.deepEqual(s.byBackend, { b1: 10, b3: 10 });
});

void test("source-hash: a client port goes to the same backend on two gateways", async () => {
  const other = await createLab({ backends: 3 });
  try {
    const inventory = labInventory([web({ scheduler: "source-hash" })]);
    await applyInventory(lab, inventory);
    await applyInventory(other, inventory);
    const localPorts = Array.from({ length: 32 }, (_, i) => 40_000 + i * 7);
    const request = { host: VIP4, port: 80, count: localPorts.length, localPorts };
    const viaA = await openConnections(lab, request);
    const viaB = await openConnections(other, request);
    // Forget the NAT bindings of gateway A, then ask again: a fresh decision.
    try {
      execFileSync("ip", ["netns", "exec", lab.names.gateway, "conntrack", "-F"], {
        stdio: "pipe",
      });
    } catch (err) {
      throw new Error(`conntrack -F failed (apt-get install conntrack?): ${String(err)}`);
    }
    const againA = await openConnections(lab, request);
    const pick = (s: typeof viaA) =>
      s.attempts.map((a) => `${a.localPort}:${a.reply?.backend ?? a.outcome}`);
    assert.equal(viaA.answered, localPorts.length);
    assert.deepEqual(pick(viaB), pick(viaA), "gateway B picks what gateway A picks");
    assert.deepEqual(pick(againA), pick(viaA), "gateway A picks the same again");
    assert.ok(Object.keys(viaA.byBackend).length >= 2, `spread: ${JSON.stringify(viaA.byBackend)}`);
  } finally {
    await other.stop();
  }
});
