// What the full demo needs besides root: the programs it starts or runs.
// scripts/ensure-deps.sh installs them on Debian (`npm run demo` runs it first).
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Programs the demo runs: the message bus, nftables and iproute2. */
export const REQUIRED_TOOLS: readonly string[] = ["nats-server", "nft", "ip"];

function onPath(program: string): boolean {
  const dirs = (process.env["PATH"] ?? "").split(delimiter).concat(["/usr/sbin", "/sbin"]);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The programs of {@link REQUIRED_TOOLS} not found on PATH (or /usr/sbin, /sbin); [] when all are there. */
export function missingTools(): string[] {
  return REQUIRED_TOOLS.filter((p) => !onPath(p));
}
