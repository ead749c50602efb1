// A real JetStream server for integration tests.
//
// Backend choice (printed as one line on stderr):
// - LBAAS_TEST_NATS_URL set: that server, as is ("external"; no restart);
// - otherwise testcontainers with the locally built image lbaas-nats:2.9.10
//   (deploy/nats-image/build.sh) when a Docker engine answers; ANY error from
//   start() (no engine, no image, ...) falls back to
// - a spawned `nats-server -js` on a random port with a temporary store.
// LBAAS_TEST_NATS_BACKEND=process|testcontainers forces one (no fallback).
//
// Clean-up: tests call stop() in `after`; as a safety net every child process,
// container and temp dir is also removed when this process exits (normal exit,
// SIGINT, SIGTERM), and spawned servers get SIGKILL from the kernel if this
// process dies without cleaning up (setpriv --pdeathsig).
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const NATS_IMAGE = "lbaas-nats:2.9.10";

export type Backend = "testcontainers" | "process" | "external";

/** What a test needs to connect: pass `connectOptions` to `connect()`. */
export interface JetStreamServer {
  readonly backend: Backend;
  /** `nats://host:port` (credentials, when any, are in connectOptions only). */
  readonly url: string;
  readonly connectOptions: { servers: string[]; user?: string; pass?: string };
  /** Stops the server and starts it again on the same port with the same store. */
  restart(opts?: { hard?: boolean }): Promise<void>;
  /** Stops the server and removes its store; idempotent. */
  stop(): Promise<void>;
}

// ---- safety net: whatever is still alive when this process exits ----
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
const liveContainers = new Set<string>();

function cleanUpNow(): void {
  for (const child of liveChildren) child.kill("SIGKILL");
  for (const id of liveContainers) spawnSync("docker", ["rm", "-f", id], { stdio: "ignore" });
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
}
process.once("exit", cleanUpNow);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    cleanUpNow();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });

/**
 * A fresh temp dir `<prefix>-<pid>-XXXXXX`, removed at exit unless removed before
 * by `removeDir`. Dirs of test processes that died without cleaning up (SIGKILL)
 * are swept on the first call: their pid no longer runs.
 */
export function makeTempDir(prefix: string): string {
  sweepOnce();
  const dir = fs.mkdtempSync(join(tmpdir(), `${prefix}-${process.pid}-`));
  liveDirs.add(dir);
  return dir;
}

let swept = false;
function sweepOnce(): void {
  if (swept) return;
  swept = true;
  for (const name of fs.readdirSync(tmpdir())) {
    const owner = /^lbaas-nats(?:-cluster)?-(\d+)-/.exec(name)?.[1];
    if (owner !== undefined && !isRunning(Number(owner)))
      fs.rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** A running nats-server child process. */
export interface NatsProcess {
  readonly child: ChildProcess;
  /** Client url read from the ports file, e.g. `nats://127.0.0.1:40321`. */
  readonly url: string;
  readonly port: number;
}

/**
 * Spawns `nats-server <args> --ports_file_dir <dir>` and waits for its ports file
 * (written once the server listens). Output goes to `<dir>/<logName>`. Fails with
 * the log's tail if the server exits or takes more than 20 s.
 */
export async function spawnNatsServer(
  args: readonly string[],
  dir: string,
  logName = "nats-server.log",
): Promise<NatsProcess> {
  const log = fs.openSync(join(dir, logName), "a");
  const pdeath = fs.existsSync("/usr/bin/setpriv")
    ? ["/usr/bin/setpriv", "--pdeathsig", "KILL"]
    : [];
  const argv = [...pdeath, "nats-server", ...args, "--ports_file_dir", dir];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", log, log] });
  fs.closeSync(log);
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  const portsFile = join(dir, `nats-server_${child.pid}.ports`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const url = readClientUrl(portsFile);
    if (url !== null) return { child, url, port: Number(new URL(url).port) };
    await sleep(25);
  }
  child.kill("SIGKILL");
  const tail = fs.readFileSync(join(dir, logName), "utf8").split("\n").slice(-15).join("\n");
  throw new Error(`nats-server ${args.join(" ")} did not start:\n${tail}`);
}

function readClientUrl(portsFile: string): string | null {
  try {
    const ports = JSON.parse(fs.readFileSync(portsFile, "utf8")) as { nats?: string[] };
    return ports.nats?.[0] ?? null;
  } catch {
    return null; // not written yet, or half written
  }
}

/** Stops a child: SIGTERM (graceful, JetStream flushes) or SIGKILL (crash); waits for exit. */
export async function stopNatsProcess(child: ChildProcess, hard = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(hard ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Removes this tree's ports files so that a restarted server's file is the only one. */
export function clearPortsFiles(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (f.endsWith(".ports")) fs.rmSync(join(dir, f));
}

function say(line: string): void {
  process.stderr.write(`[nats harness] ${line}\n`);
}

let dockerUnusable: string | null = null;

/**
 * Starts a JetStream server (see the file comment for the backend choice;
 * `opts.backend` overrides LBAAS_TEST_NATS_BACKEND) and prints which backend it
 * used. Call `stop()` in the test's `after`.
 */
export async function startJetStream(
  opts: { backend?: "process" | "testcontainers" } = {},
): Promise<JetStreamServer> {
  const external = process.env["LBAAS_TEST_NATS_URL"];
  if (external !== undefined && external !== "") {
    say(`backend external: ${external} (LBAAS_TEST_NATS_URL)`);
    return {
      backend: "external",
      url: external,
      connectOptions: { servers: [external] },
      restart: () => Promise.reject(new Error("cannot restart an external server")),
      stop: () => Promise.resolve(),
    };
  }
  const forced = opts.backend ?? process.env["LBAAS_TEST_NATS_BACKEND"] ?? "";
  if (forced !== "process" && dockerUnusable === null) {
    try {
      return await startContainer();
    } catch (err) {
      if (forced === "testcontainers") throw err;
      dockerUnusable = ((err as Error).message.split("\n")[0] ?? "").slice(0, 160);
    }
  }
  return startProcess(dockerUnusable);
}

async function startContainer(): Promise<JetStreamServer> {
  process.env["TESTCONTAINERS_RYUK_DISABLED"] = "true"; // Ryuk needs an image pull
  const { NatsContainer } = await import("@testcontainers/nats");
  // A fixed host port: docker gives a random one anew on restart, which would
  // strand the clients of a restart test.
  const hostPort = await freePort();
  const container = await new NatsContainer(NATS_IMAGE)
    .withJetStream()
    .withExposedPorts({ container: 4222, host: hostPort })
    .start();
  liveContainers.add(container.getId());
  const opts = container.getConnectionOptions();
  const servers = [opts.servers ?? []].flat();
  const url = `nats://${servers[0]}`;
  say(
    `backend testcontainers: ${NATS_IMAGE} at ${url} (container ${container.getId().slice(0, 12)})`,
  );
  // NatsContainer always starts the server with `--user test --pass test`.
  const connectOptions = { servers, user: opts.user ?? "", pass: opts.pass ?? "" };
  let stopped = false;
  return {
    backend: "testcontainers",
    url,
    connectOptions,
    restart: async ({ hard = false } = {}) => {
      // Not container.restart(): its wait for "Server is ready" in the logs since
      // the restart misses the line now and then (1 in ~18 restarts here) and
      // then hangs for 120 s. Restart through the runtime client, then wait
      // until JetStream answers on the (fixed) port.
      const { getContainerRuntimeClient } = await import("testcontainers");
      const client = await getContainerRuntimeClient();
      await client.container.restart(client.container.getById(container.getId()), {
        timeout: hard ? 0 : 10,
      });
      await waitForJetStream(connectOptions);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await container.stop({ timeout: 0 });
      liveContainers.delete(container.getId());
    },
  };
}

async function startProcess(whyNotDocker: string | null): Promise<JetStreamServer> {
  const dir = makeTempDir("lbaas-nats");
  const store = join(dir, "store");
  const base = ["-js", "-a", "127.0.0.1", "-m", "-1", "-sd", store];
  let proc = await spawnNatsServer([...base, "-p", "-1"], dir);
  say(
    `backend process: nats-server pid ${proc.child.pid} at ${proc.url}` +
      (whyNotDocker !== null ? ` (testcontainers unavailable: ${whyNotDocker})` : ""),
  );
  const port = proc.port;
  let stopped = false;
  return {
    backend: "process",
    url: proc.url,
    connectOptions: { servers: [proc.url] },
    restart: async ({ hard = false } = {}) => {
      await stopNatsProcess(proc.child, hard);
      clearPortsFiles(dir);
      proc = await spawnNatsServer([...base, "-p", String(port)], dir);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopNatsProcess(proc.child);
      removeDir(dir);
    },
  };
}

/** Polls until a JetStream account info request succeeds (30 s). */
async function waitForJetStream(options: JetStreamServer["connectOptions"]): Promise<void> {
  const { connect } = await import("@nats-io/transport-node");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const nc = await connect({ ...options, reconnect: false, timeout: 1_000 });
      try {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`nats-server not back after 30 s: ${String(err)}`);
      await sleep(100);
    }
  }
}

/** A TCP port that was free a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
