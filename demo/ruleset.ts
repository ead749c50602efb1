// Shows the nftables ruleset a gateway really runs, read back from the kernel
// inside its lab's gateway namespace (never the host's own ruleset).
import type { Lab } from "./labs.ts";
import { block, command } from "./say.ts";

/**
 * Prints `nft list table inet <table>` as run in the lab's gateway namespace,
 * cut after `maxLines` lines (the cut is said). Rejects when nft fails.
 */
export async function showTable(lab: Lab, table: string, maxLines = 60): Promise<string> {
  const argv = ["nft", "list", "table", "inet", table];
  command(["ip", "netns", "exec", lab.topology.names.gateway, ...argv]);
  const { stdout } = await lab.topology.exec(lab.topology.names.gateway, argv);
  const lines = stdout.replace(/\s+$/, "").split("\n");
  const shown = lines.slice(0, maxLines);
  if (lines.length > maxLines) shown.push(`… (${lines.length - maxLines} more lines)`);
  block(shown.join("\n"));
  return stdout;
}

/** Prints `nft list chain inet <table> <chain>` from the lab's gateway namespace. */
export async function showChain(lab: Lab, table: string, chain: string): Promise<string> {
  const argv = ["nft", "list", "chain", "inet", table, chain];
  command(["ip", "netns", "exec", lab.topology.names.gateway, ...argv]);
  const { stdout } = await lab.topology.exec(lab.topology.names.gateway, argv);
  block(stdout);
  return stdout;
}
