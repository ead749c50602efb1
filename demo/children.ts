// The processes the demo starts (nats-server, control plane, gateways): each one's
// output goes to a log file, each one is remembered by pid and stopped by pid —
// gracefully by stopAll(), with SIGKILL by the exit hook if the demo ends any
// other way (an error, Ctrl-C). On Linux they also get SIGTERM from the kernel
// should the demo itself be killed (`setpriv --pdeathsig`).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";

/** A started process and where its output goes. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  readonly process: ChildProcess;
}

const live = new Map<number, Child>();
const SETPRIV = "/usr/bin/setpriv";

process.on("exit", () => {
  for (const child of live.values()) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `argv` with stdout and stderr appended to `log`, and remembers it.
 * Rejects when the process cannot be started (no such file, …).
 */
export async function startChild(
  name: string,
  argv: readonly string[],
  log: string,
): Promise<Child> {
  const fd = openSync(log, "a");
  const full = existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "TERM", ...argv] : [...argv];
  const proc = spawn(full[0] ?? "", full.slice(1), { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  await new Promise<void>((resolve, reject) => {
    proc.once("spawn", resolve);
    proc.once("error", reject);
  });
  const child: Child = { name, pid: proc.pid ?? 0, log, process: proc };
  live.set(child.pid, child);
  proc.once("exit", () => live.delete(child.pid));
  return child;
}

/** True while the process has not exited. */
export function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/**
 * Stops one process by its pid: SIGTERM, then SIGKILL after `graceMs`. Resolves
 * once it exited; at once when it had already exited.
 */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise((resolve) => child.process.once("exit", resolve));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (isRunning(child)) process.kill(child.pid, "SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every live process, most recently started first (gateways before NATS). */
export async function stopAll(): Promise<void> {
  for (const child of [...live.values()].reverse()) await stopChild(child);
}
