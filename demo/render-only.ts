// Without root there are no network namespaces and no nftables: the demo then
// shows what a gateway WOULD apply, rendered by the same code (`lbaas render`).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { block, command, heading, note } from "./say.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Explains `why` the full demo cannot run, then prints the ruleset of
 * demo/inventory.yaml. Returns the exit code of `lbaas render` (0 when it rendered).
 */
export function renderOnly(why: string): number {
  heading(
    "Rendering only",
    `The full demo cannot run here: ${why}.`,
    "It needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces",
    "and load nftables rules into them. Run `sudo npm run demo` for the real thing.",
    "Meanwhile, this is the nftables transaction a gateway would apply for",
    "demo/inventory.yaml, rendered by the same code the gateways run:",
  );
  const argv = ["render", "-f", "demo/inventory.yaml"];
  command(["lbaas", ...argv]);
  try {
    const script = execFileSync(process.execPath, ["bin/lbaas.ts", ...argv], {
      cwd: root,
      encoding: "utf8",
    });
    block(script);
    note("\nRead libs/nft/README.md for the layout of these rules and the path of a packet.");
    return 0;
  } catch (err) {
    const e = err as { status?: number; stderr?: string };
    block(e.stderr ?? String(err));
    return e.status ?? 1;
  }
}
