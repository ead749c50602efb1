// Starts backend.ts servers inside the backend namespaces of a topology.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Topology } from "./netns.ts";

const script = fileURLToPath(new URL("./backend.ts", import.meta.url));

/** Which ports every backend serves. */
export interface BackendPorts {
  readonly tcp?: readonly number[];
  readonly udp?: readonly number[];
}

/** Running backend servers. */
export interface RunningBackends {
  /** Process ids of the servers (one per backend, in topology order). */
  readonly pids: readonly number[];
  /** Kills every server; idempotent. Topology.stop() kills them too. */
  stop(): void;
}

function waitReady(child: ChildProcess, label: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`backend ${label}: not ready after ${timeoutMs} ms: ${err.trim()}`)),
      timeoutMs,
    );
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("ready\n")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`backend ${label}: exited with ${code} before ready: ${err.trim()}`));
    });
  });
}

/**
 * Starts one server per backend namespace (named "b1", "b2", … as in the
 * topology) on the given ports, and resolves once all listen. Rejects (after
 * killing what it started) if any does not become ready within 10 s; with no
 * ports at all it rejects at once.
 */
export async function startBackends(
  topology: Topology,
  ports: BackendPorts,
): Promise<RunningBackends> {
  const tcp = ports.tcp ?? [];
  const udp = ports.udp ?? [];
  if (tcp.length + udp.length === 0) throw new Error("ports: give at least one tcp or udp port");
  const children = topology.backends.map((b) =>
    topology.spawn(b.ns, [
      process.execPath,
      script,
      "--name",
      b.name,
      "--tcp",
      tcp.join(","),
      "--udp",
      udp.join(","),
    ]),
  );
  const stop = (): void => {
    for (const child of children) {
      child.stdin?.end();
      child.kill("SIGTERM");
    }
  };
  try {
    await Promise.all(
      children.map((c, i) => waitReady(c, topology.backends[i]?.name ?? "", 10_000)),
    );
  } catch (err) {
    stop();
    throw err;
  }
  return { pids: children.map((c) => c.pid ?? 0), stop };
}
