// Removing test namespaces: the ones this process made (also on exit and on
// SIGINT/SIGTERM) and stale ones left behind by a process that died.
//
// Each topology writes an owner file `<ownerDir>/<id>` holding the creating
// pid, so `cleanupStale()` removes only namespaces whose owner is gone and never
// pulls the rug from under a test that is still running in parallel.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { runSync } from "./netns-exec.ts";

/** Every test namespace name starts with this prefix. */
export const NETNS_PREFIX = "lbt-";

const ownerDir = "/tmp/lbt-owners";

/** Something that can be torn down synchronously (namespaces, processes). */
interface Teardown {
  readonly id: string;
  readonly teardownSync: () => void;
}

const live = new Map<string, Teardown>();
let hooked = false;

/** Lists the test namespaces (`lbt-*`) that exist now. */
export function listTestNamespaces(): string[] {
  return runSync(["ip", "netns", "list"])
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(NETNS_PREFIX));
}

/**
 * Kills every process inside `ns`, then deletes it. A namespace that is already
 * gone is not an error; other failures are swallowed because this runs on
 * cleanup paths, and the caller re-checks with {@link listTestNamespaces}.
 */
export function deleteNamespaceSync(ns: string): void {
  try {
    const pids = runSync(["ip", "netns", "pids", ns]).split(/\s+/).filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  } catch {
    // namespace already gone
  }
  try {
    runSync(["ip", "netns", "del", ns]);
  } catch {
    // already gone
  }
}

/** Records that topology `id` belongs to this process; registers exit hooks once. */
export function registerTeardown(id: string, teardownSync: () => void): void {
  mkdirSync(ownerDir, { recursive: true });
  writeFileSync(`${ownerDir}/${id}`, String(process.pid));
  live.set(id, { id, teardownSync });
  if (!hooked) {
    hooked = true;
    process.on("exit", teardownAllSync);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        teardownAllSync();
        process.exit(signal === "SIGINT" ? 130 : 143);
      });
    }
  }
}

/** Forgets topology `id` after it was torn down normally. */
export function unregisterTeardown(id: string): void {
  live.delete(id);
  rmSync(`${ownerDir}/${id}`, { force: true });
}

function teardownAllSync(): void {
  for (const t of [...live.values()]) {
    try {
      t.teardownSync();
    } finally {
      unregisterTeardown(t.id);
    }
  }
}

function ownerAlive(id: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(`${ownerDir}/${id}`, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes leftover `lbt-*` namespaces whose creating process is dead (or
 * unknown), killing what runs inside them. With `{ all: true }` it removes every
 * `lbt-*` namespace, live owners included. Returns the names it deleted; an
 * empty list when there was nothing to do.
 */
export function cleanupStale(options: { readonly all?: boolean } = {}): string[] {
  const removed: string[] = [];
  for (const ns of listTestNamespaces()) {
    const id = ns.slice(NETNS_PREFIX.length).split("-")[0] ?? "";
    if (!options.all && (live.has(id) || ownerAlive(id))) continue;
    deleteNamespaceSync(ns);
    removed.push(ns);
    if (!live.has(id)) rmSync(`${ownerDir}/${id}`, { force: true });
  }
  return removed;
}
