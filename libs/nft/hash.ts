// The ruleset hash gateways report: sha256 of the canonical creation script of
// the committed ruleset (tables, chains, sets, rules, elements in render order).
// Equal desired states give equal hashes on every gateway, however they got there
// (full or incremental syncs). node:crypto is I/O-free but a node:* import, so it
// lives outside the pure render/ folder.
import { createHash } from "node:crypto";
import { createTableOps } from "./render/full.ts";
import type { Ruleset } from "./render/model.ts";
import { toScript } from "./render/script.ts";

/** `sha256:<hex>` of the ruleset's canonical script. Never throws. */
export function rulesetHash(ruleset: Ruleset): string {
  const h = createHash("sha256");
  for (const table of ruleset.tables) h.update(toScript(createTableOps(table)));
  return `sha256:${h.digest("hex")}`;
}
