// The whole path with real processes and real traffic: HTTP write to the control
// plane (bin/lbaas-control-plane.ts) → event in JetStream → the gateway process
// (bin/lbaas-gateway.ts) applying in its own namespace → TCP from the client
// namespace through the VIP to backend namespaces; and back: the gateway's
// reports reach the control plane's status view. Traffic follows each change: a
// new endpoint starts receiving, a draining one gets no new connections while its
// open one keeps working, a deleted service is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import type { Topology } from "../../harness/netns.ts";
import { freePort, startJetStream, type JetStreamServer } from "../../harness/nats.ts";
import { holdConnection, openConnections } from "../../harness/traffic-client.ts";
import { createLab } from "../nft/lab.ts";
import { eventually } from "../../integration/gateway/fixture.ts";

const VIP = "203.0.113.30";
const GATEWAY_ID = "e2e-gw";
let lab: Topology;
let server: JetStreamServer;
const processes: ChildProcess[] = [];
let cpUrl = "";

function spawnBin(name: string, args: string[]): ChildProcess {
  const bin = new URL(`../../../bin/${name}.ts`, import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, ...args, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  processes.push(child);
  return child;
}

before(async () => {
  lab = await createLab({ backends: 3 });
  server = await startJetStream();
  const o = server.connectOptions;
  const nats = [
    "--nats",
    server.url,
    ...(o.user !== undefined ? ["--nats-user", o.user, "--nats-password", o.pass ?? ""] : []),
  ];
  const cpPort = await freePort();
  cpUrl = `http://127.0.0.1:${cpPort}`;
  spawnBin("lbaas-control-plane", [...nats, "--listen", `127.0.0.1:${cpPort}`]);
  await eventually(
    async () => (await fetch(`${cpUrl}/readyz`).catch(() => null))?.status === 200,
    30_000,
    "control plane ready",
  );
  spawnBin("lbaas-gateway", [
    ...nats,
    "--id",
    GATEWAY_ID,
    "--group",
    "default",
    "--netns",
    lab.names.gateway,
    "--listen",
    "",
  ]);
});

after(async () => {
  for (const p of processes.reverse()) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    p.kill("SIGTERM");
    await new Promise((resolve) => p.once("exit", resolve));
  }
  await server?.stop();
  await lab?.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<number> {
  const r = await fetch(`${cpUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-lbaas-actor": "e2e" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
  return r.status;
}

/** Waits until the control plane's status view says our gateway runs its group's head. */
async function converged(): Promise<void> {
  await eventually(
    async () => {
      const r = await fetch(`${cpUrl}/v1/status?services=false`).catch(() => null);
      if (r?.status !== 200) return false;
      const body = (await r.json()) as {
        gateways: { gatewayId: string; live: boolean; lagEvents: number; lastError: unknown }[];
      };
      const gw = body.gateways.find((g) => g.gatewayId === GATEWAY_ID);
      return gw !== undefined && gw.live && gw.lagEvents === 0 && gw.lastError === null;
    },
    20_000,
    "gateway up to date in the control plane's status",
  );
}

test("traffic through the VIP follows the writes to the control plane: add, drain, delete", async () => {
  const [b1, b2] = lab.backends as [Topology["backends"][number], Topology["backends"][number]];
  const service = { vips: [VIP], ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }] };

  assert.equal(
    await api("PUT", "/v1/services/web", { ...service, endpoints: [{ address: b1.v4 }] }),
    201,
  );
  await converged();
  let s = await openConnections(lab, { host: VIP, port: 80, count: 20 });
  assert.deepEqual([s.answered, s.byBackend], [20, { b1: 20 }]);

  // A new endpoint starts receiving (round-robin: exactly half each).
  await api("PUT", "/v1/services/web/endpoints", {
    endpoints: [{ address: b1.v4 }, { address: b2.v4 }],
  });
  await converged();
  s = await openConnections(lab, { host: VIP, port: 80, count: 20 });
  assert.deepEqual([s.answered, s.byBackend], [20, { b1: 10, b2: 10 }]);
  const rollout = (await (await fetch(`${cpUrl}/v1/status/services/web`)).json()) as {
    current: string[];
  };
  assert.deepEqual(rollout.current, [GATEWAY_ID], "the control plane sees the gateway run it");

  // Draining: the endpoint holding an open connection gets no new ones; the open one works.
  const held = await holdConnection(lab, { host: VIP, port: 80 });
  try {
    const drained = held.first.backend;
    const endpoints = [b1, b2].map((b) => ({
      address: b.v4,
      state: b.name === drained ? "draining" : "ready",
    }));
    await api("PUT", "/v1/services/web/endpoints", { endpoints });
    await converged();
    s = await openConnections(lab, { host: VIP, port: 80, count: 20 });
    assert.equal(s.answered, 20);
    assert.equal(s.byBackend[drained], undefined, JSON.stringify(s.byBackend));
    const reply = await held.ping();
    assert.deepEqual([reply.backend, reply.peerPort], [drained, held.first.peerPort]);
  } finally {
    held.close();
  }

  // A deleted service is no longer served.
  await api("DELETE", "/v1/services/web");
  await converged();
  s = await openConnections(lab, { host: VIP, port: 80, count: 5, timeoutMs: 500 });
  assert.equal(s.answered, 0, JSON.stringify(s));
});
