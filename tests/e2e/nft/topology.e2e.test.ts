// The namespace harness itself: forwarding, backends, hand-written DNAT, the
// no-default-route option, and cleanup on stop, SIGINT and after a crash.
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startBackends } from "../../harness/backend-process.ts";
import {
  cleanupStale,
  createTopology,
  listTestNamespaces,
  type Topology,
} from "../../harness/netns.ts";
import { holdConnection, openConnections } from "../../harness/traffic-client.ts";

let topo: Topology;

before(async () => {
  topo = await createTopology({ backends: 3 });
  await startBackends(topo, { tcp: [8080], udp: [8080] });
  // Direct routes to the backend subnet, only for these harness checks.
  await topo.exec(topo.names.client, ["ip", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
  await topo.exec(topo.names.client, [
    "ip",
    "route",
    "add",
    "2001:db8:b::/64",
    "via",
    "2001:db8:c::1",
  ]);
});
after(() => topo.stop());

void test("creates uniquely named lbt- namespaces", () => {
  const names = [topo.names.client, topo.names.gateway, ...topo.names.backends];
  assert.equal(new Set(names).size, 5);
  for (const n of names) assert.match(n, /^lbt-[0-9a-f]{8}-(client|gw|b[1-3])$/);
  const existing = listTestNamespaces();
  for (const n of names) assert.ok(existing.includes(n), `${n} exists`);
});

for (const [protocol, host, backend, peer] of [
  ["tcp", "192.0.2.12", "b2", "198.51.100.10"],
  ["udp", "192.0.2.13", "b3", "198.51.100.10"],
  ["tcp", "2001:db8:b::11", "b1", "2001:db8:c::10"],
  ["udp", "2001:db8:b::12", "b2", "2001:db8:c::10"],
] as const) {
  void test(`gateway forwards ${protocol} to ${host}, backend sees the client`, async () => {
    const s = await openConnections(topo, { protocol, host, port: 8080, count: 5 });
    assert.deepEqual(s.byBackend, { [backend]: 5 });
    assert.deepEqual(s.peers, { [peer]: 5 });
  });
}

void test("a closed port is refused fast", async () => {
  const s = await openConnections(topo, { host: "192.0.2.11", port: 9, count: 3 });
  assert.equal(s.refused, 3);
  assert.ok(s.slowestRejectionMs < 200, `${s.slowestRejectionMs} ms`);
});

void test("hand-written DNAT in the gateway; a held connection survives a rule change", async () => {
  await topo.exec(topo.names.gateway, ["nft", "-f", "-"], {
    input: `table ip harness {
      chain pre { type nat hook prerouting priority dstnat; ip daddr 203.0.113.99 tcp dport 80 dnat to 192.0.2.13:8080; }
    }`,
  });
  const held = await holdConnection(topo, { host: "203.0.113.99", port: 80 });
  try {
    assert.equal(held.first.backend, "b3");
    assert.equal(held.first.local, "192.0.2.13");
    // Re-point the rule: new connections move, the held one keeps its binding.
    await topo.exec(topo.names.gateway, ["nft", "-f", "-"], {
      input: `flush chain ip harness pre
        add rule ip harness pre ip daddr 203.0.113.99 tcp dport 80 dnat to 192.0.2.11:8080`,
    });
    const fresh = await openConnections(topo, { host: "203.0.113.99", port: 80, count: 2 });
    assert.deepEqual(fresh.byBackend, { b1: 2 });
    const again = await held.ping();
    assert.equal(again.backend, "b3");
    assert.equal(again.peerPort, held.first.peerPort);
  } finally {
    held.close();
  }
});

void test("backendRoute none: replies to the client have no route", async () => {
  const lonely = await createTopology({ backends: 1, backendRoute: "none" });
  try {
    await startBackends(lonely, { tcp: [8080] });
    await lonely.exec(lonely.names.client, [
      "ip",
      "route",
      "add",
      "192.0.2.0/24",
      "via",
      "198.51.100.1",
    ]);
    const s = await openConnections(lonely, {
      host: "192.0.2.11",
      port: 8080,
      count: 1,
      timeoutMs: 500,
    });
    assert.equal(s.answered, 0);
    assert.equal(s.timeouts, 1);
  } finally {
    await lonely.stop();
  }
  for (const n of [lonely.names.client, lonely.names.gateway])
    assert.ok(!listTestNamespaces().includes(n));
});

/** Runs a child that builds a topology, prints its id, then waits to be signalled. */
function childTopology(): Promise<{ id: string; kill: (signal: NodeJS.Signals) => Promise<void> }> {
  const code = `
    import { createTopology } from ${JSON.stringify(new URL("../../harness/netns.ts", import.meta.url).href)};
    const t = await createTopology({ backends: 1 });
    console.log(t.names.id);
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) =>
      resolve({
        id: chunk.toString().trim(),
        kill: (signal) =>
          new Promise((done) => {
            child.once("exit", () => done());
            child.kill(signal);
          }),
      }),
    );
    child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
  });
}

void test("SIGINT removes the namespaces of the interrupted process", async () => {
  const child = await childTopology();
  assert.equal(listTestNamespaces().filter((n) => n.includes(child.id)).length, 3);
  await child.kill("SIGINT");
  assert.deepEqual(
    listTestNamespaces().filter((n) => n.includes(child.id)),
    [],
  );
});

void test("cleanupStale removes namespaces of a killed process and spares live ones", async () => {
  const child = await childTopology();
  await child.kill("SIGKILL");
  assert.equal(listTestNamespaces().filter((n) => n.includes(child.id)).length, 3);
  const removed = cleanupStale();
  assert.equal(removed.filter((n) => n.includes(child.id)).length, 3);
  assert.deepEqual(
    listTestNamespaces().filter((n) => n.includes(child.id)),
    [],
  );
  assert.ok(listTestNamespaces().includes(topo.names.gateway), "own live topology kept");
});
