// A ruleset as diffable lines: the canonical script of its tables (what the
// ruleset hash covers), one `nft` operation per line. Unlike a full-sync script,
// elements are not batched 1,000 to a line, so one changed endpoint is one changed
// line in a diff. Pure.
import { createTableOps } from "../nft/render/full.ts";
import type { Ruleset } from "../nft/render/model.ts";
import { toScript } from "../nft/render/script.ts";

/**
 * Every operation that creates `ruleset` from nothing, one line each, in render
 * order (tables, chains, sets, rules, elements). An empty ruleset → no lines.
 * Never throws.
 */
export function rulesetLines(ruleset: Ruleset): string[] {
  const lines: string[] = [];
  for (const table of ruleset.tables)
    for (const op of createTableOps(table)) lines.push(toScript([op]).slice(0, -1));
  return lines;
}
