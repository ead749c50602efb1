// A JetStream cluster of spawned nats-server processes on 127.0.0.1, for tests
// of replicated (R3) streams: node loss, restart and catch-up. Always processes
// (never containers): the tests stop and start single nodes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import {
  clearPortsFiles,
  freePort,
  makeTempDir,
  removeDir,
  spawnNatsServer,
  stopNatsProcess,
} from "./nats.ts";
import type { NatsProcess } from "./nats.ts";

export interface NatsCluster {
  /** Client urls of the nodes, index = node number. */
  readonly urls: readonly string[];
  /** Options for `connect()` listing every node (the client fails over between them). */
  readonly connectOptions: { servers: string[] };
  /** Stops node `i` (SIGTERM, or SIGKILL when hard), keeping its store. */
  stopNode(i: number, opts?: { hard?: boolean }): Promise<void>;
  /** Starts node `i` again with its store; it rejoins the cluster and catches up. */
  startNode(i: number): Promise<void>;
  /** Stops then starts node `i`. */
  restartNode(i: number, opts?: { hard?: boolean }): Promise<void>;
  /** Stops every node and removes all stores; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `size` (default 3) clustered JetStream servers on random free ports,
 * with their config files and stores in one temp dir, and waits until the
 * cluster can create a stream with `size` replicas (meta leader elected, every
 * peer known). Prints one line on stderr. Call `stop()` in the test's `after`.
 */
export async function startCluster(size = 3): Promise<NatsCluster> {
  const dir = makeTempDir("lbaas-nats-cluster");
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  while (clientPorts.length < size * 2) {
    const port = await freePort();
    if (!clientPorts.includes(port)) clientPorts.push(port);
  }
  routePorts.push(...clientPorts.splice(size));
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(", ");
  const configs = clientPorts.map((port, i) => {
    const file = join(dir, `n${i}.conf`);
    writeFileSync(
      file,
      [
        `server_name: n${i}`,
        `listen: 127.0.0.1:${port}`,
        `jetstream { store_dir: "${join(dir, `n${i}`)}", max_memory_store: 256MB, max_file_store: 2GB }`,
        `cluster { name: lbaas-test, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes}] }`,
        "",
      ].join("\n"),
    );
    return file;
  });
  const nodes: (NatsProcess | null)[] = Array.from({ length: size }, () => null);
  const start = async (i: number): Promise<void> => {
    if (nodes[i] !== null) return;
    // One run dir per node: its log and its (per pid) ports file.
    const runDir = join(dir, `run-n${i}`);
    mkdirSync(runDir, { recursive: true });
    clearPortsFiles(runDir);
    nodes[i] = await spawnNatsServer(["-c", configs[i] as string], runDir);
  };
  const stopNode = async (i: number, { hard = false } = {}): Promise<void> => {
    const node = nodes[i];
    if (node === null || node === undefined) return;
    await stopNatsProcess(node.child, hard);
    nodes[i] = null;
  };
  let stopped = false;
  const cluster: NatsCluster = {
    urls: clientPorts.map((p) => `nats://127.0.0.1:${p}`),
    connectOptions: { servers: clientPorts.map((p) => `nats://127.0.0.1:${p}`) },
    stopNode,
    startNode: start,
    restartNode: async (i, opts) => {
      await stopNode(i, opts);
      await start(i);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map((_, i) => stopNode(i)));
      removeDir(dir);
    },
  };
  try {
    await Promise.all(configs.map((_, i) => start(i)));
    await waitForReplicas(cluster.connectOptions.servers, size);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  process.stderr.write(
    `[nats harness] cluster of ${size} nats-server processes at ${cluster.urls.join(" ")}\n`,
  );
  return cluster;
}

/** Retries creating (then deleting) an R`size` stream until the cluster accepts it (30 s). */
async function waitForReplicas(servers: string[], size: number): Promise<void> {
  const nc = await connect({ servers, maxReconnectAttempts: -1 });
  const deadline = Date.now() + 30_000;
  let last: unknown = null;
  try {
    while (Date.now() < deadline) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.streams.add({
          name: "HARNESS_READY",
          subjects: ["harness.ready"],
          storage: StorageType.Memory,
          num_replicas: size,
        });
        await jsm.streams.delete("HARNESS_READY");
        return;
      } catch (err) {
        last = err;
        await sleep(250);
      }
    }
    throw new Error(`cluster not ready after 30 s: ${String(last)}`);
  } finally {
    await nc.close();
  }
}
