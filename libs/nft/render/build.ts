// Inventory + settings -> the desired ruleset (pure, deterministic).
import type { Inventory } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import { filterTable } from "./filter.ts";
import type { Ruleset } from "./model.ts";
import { natTable } from "./nat.ts";

/**
 * Builds the ruleset the gateway should run: the NAT table and, unless
 * `filterTableName` is "", the filter table. An empty inventory yields the base
 * chains and empty maps. Equal inputs give equal rulesets (sorted everywhere).
 * Throws RenderError when a value is not a strict literal (never for validated input).
 */
export function buildRuleset(inventory: Inventory, settings: GatewaySettings): Ruleset {
  const filter = filterTable(inventory, settings);
  return {
    tables:
      filter === null ? [natTable(inventory, settings)] : [natTable(inventory, settings), filter],
  };
}
