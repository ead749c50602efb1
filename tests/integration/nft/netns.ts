// Throwaway network namespaces for nft integration tests: unique names, always
// removed (call remove() in `after`, it never throws).
import { spawnSync } from "node:child_process";

let counter = 0;
const alive = new Set<string>();
// Last resort when a test file dies before its `after` hook: remove what is left.
process.once("exit", () => {
  for (const name of alive) spawnSync("ip", ["netns", "delete", name]);
});

/** A namespace that exists until remove() is called. */
export interface TestNetns {
  readonly name: string;
  remove(): void;
}

/** Creates a fresh namespace named `lbaas-nft-<pid>-<n>`; throws if `ip netns add` fails. */
export function createNetns(): TestNetns {
  const name = `lbaas-nft-${process.pid}-${counter++}`;
  const r = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr.trim()}`);
  alive.add(name);
  return {
    name,
    remove: () => {
      spawnSync("ip", ["netns", "delete", name]);
      alive.delete(name);
    },
  };
}

/** Runs `nft ARGS…` in the namespace and returns stdout (throws on failure). */
export function nftIn(ns: TestNetns, ...args: string[]): string {
  const r = spawnSync("ip", ["netns", "exec", ns.name, "nft", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`nft ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}
