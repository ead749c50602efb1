// The whole path with real processes and real traffic: a write (an event appended
// exactly as the control plane appends it: expected last subject sequence and
// message id; the control-plane process had not landed on main when this was
// written) → JetStream → the gateway process (bin/lbaas-gateway.ts) applying in
// its own namespace → TCP from the client namespace through the VIP to backend
// namespaces. Traffic follows each change: a new endpoint starts receiving, a
// draining one gets no new connections while its open one keeps working, a
// deleted service is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { lastSequence } from "../../../libs/bus/read.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { groupFilterOf } from "../../../libs/events/event.ts";
import type { Topology } from "../../harness/netns.ts";
import { freePort, startJetStream, type JetStreamServer } from "../../harness/nats.ts";
import { holdConnection, openConnections } from "../../harness/traffic-client.ts";
import { createLab } from "../nft/lab.ts";
import { Publisher, eventually } from "../../integration/gateway/fixture.ts";
import { EventLog, endpointsOf, serviceOf } from "../../unit/gateway/event-log.ts";

const GROUP = "default";
const VIP = "203.0.113.30";
let lab: Topology;
let server: JetStreamServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let gateway: ChildProcess;
let health = "";

before(async () => {
  lab = await createLab({ backends: 3 });
  server = await startJetStream();
  nc = await connect({ ...server.connectOptions, name: "gateway-e2e" });
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const port = await freePort();
  health = `http://127.0.0.1:${port}/healthz`;
  const o = server.connectOptions;
  const auth = o.user !== undefined ? ["--nats-user", o.user, "--nats-password", o.pass ?? ""] : [];
  const bin = new URL("../../../bin/lbaas-gateway.ts", import.meta.url).pathname;
  const args = [
    "--nats",
    server.url,
    ...auth,
    "--id",
    "e2e-gw",
    "--group",
    GROUP,
    "--netns",
    lab.names.gateway,
  ];
  gateway = spawn(
    process.execPath,
    [bin, ...args, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
});

after(async () => {
  if (gateway?.exitCode === null) {
    gateway.kill("SIGTERM");
    await new Promise((resolve) => gateway.once("exit", resolve));
  }
  await nc?.close();
  await server?.stop();
  await lab?.stop();
});

/** Waits until the gateway process says it applied everything written so far. */
async function converged(): Promise<void> {
  const head = await lastSequence(jsm, EVENTS_STREAM, groupFilterOf(GROUP));
  await eventually(
    async () => {
      const r = await fetch(health).catch(() => null);
      if (r === null) return false;
      const body = (await r.json()) as { appliedSeq: number; lastApplyOk: boolean | null };
      return body.lastApplyOk === true && body.appliedSeq >= head;
    },
    20_000,
    `gateway applied up to ${head}`,
  );
}

test("traffic through the VIP follows the writes: add, drain, delete", async () => {
  const log = new EventLog(GROUP);
  const pub = new Publisher(() => jetstream(nc));
  const [b1, b2] = lab.backends as [Topology["backends"][number], Topology["backends"][number]];

  await pub.publish(log.upsertService(serviceOf("web", GROUP, VIP)));
  await pub.publish(log.replaceEndpoints(endpointsOf("web", GROUP, [b1.v4])));
  await converged();
  let s = await openConnections(lab, { host: VIP, port: 80, count: 20 });
  assert.deepEqual([s.answered, s.byBackend], [20, { b1: 20 }]);

  // A new endpoint starts receiving (round-robin: exactly half each).
  await pub.publish(log.replaceEndpoints(endpointsOf("web", GROUP, [b1.v4, b2.v4])));
  await converged();
  s = await openConnections(lab, { host: VIP, port: 80, count: 20 });
  assert.deepEqual([s.answered, s.byBackend], [20, { b1: 10, b2: 10 }]);

  // Draining: the endpoint holding an open connection gets no new ones; the open one works.
  const held = await holdConnection(lab, { host: VIP, port: 80 });
  try {
    const drained = held.first.backend;
    const endpoints = [b1, b2].map((b) => ({
      address: b.v4,
      state: b.name === drained ? "draining" : "ready",
    }));
    await pub.publish(log.replaceEndpoints(endpointsOf("web", GROUP, endpoints)));
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
  await pub.publish(log.deleteService("web"));
  await converged();
  s = await openConnections(lab, { host: VIP, port: 80, count: 5, timeoutMs: 500 });
  assert.equal(s.answered, 0, JSON.stringify(s));
});
