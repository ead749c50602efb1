// The embedded default message bus: one nats-server with JetStream, listening on
// 127.0.0.1 only, on a port the kernel picks, its store in `.demo/nats`.
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isRunning, startChild, type Child } from "./children.ts";

/** A running demo NATS server. */
export interface DemoNats {
  readonly child: Child;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
}

function readPortsFile(dir: string, pid: number): string | null {
  try {
    const ports = JSON.parse(readFileSync(join(dir, `nats-server_${pid}.ports`), "utf8")) as {
      nats?: string[];
    };
    return ports.nats?.[0] ?? null;
  } catch {
    return null; // not written yet, or half written
  }
}

/**
 * Starts `nats-server -js` with its store in `<dir>/store` and its log in
 * `<dir>/nats-server.log`, and resolves once it listens (the server writes a
 * ports file then). Stale ports files of earlier runs are removed first.
 * Rejects with the log's tail when the server exits or is not up within 20 s.
 */
export async function startNats(dir: string): Promise<DemoNats> {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith(".ports")) rmSync(join(dir, f));
  const log = join(dir, "nats-server.log");
  const child = await startChild(
    "nats-server",
    // -p -1: a port the kernel picks; no monitoring port (nothing else listens).
    ["nats-server", "-js", "-a", "127.0.0.1", "-p", "-1", "-n", "lbaas-demo"].concat([
      "-sd",
      join(dir, "store"),
      "--ports_file_dir",
      dir,
    ]),
    log,
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && isRunning(child)) {
    const url = readPortsFile(dir, child.pid);
    if (url !== null) return { child, url };
    await sleep(50);
  }
  const tail = readFileSync(log, "utf8").split("\n").slice(-10).join("\n");
  throw new Error(`nats-server did not start (log ${log}):\n${tail}`);
}
