// Public API of the pure renderer: inventory + settings -> transaction -> script.
import type { Inventory } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import { buildRuleset } from "./build.ts";
import { diffRuleset } from "./diff.ts";
import { fullTransaction } from "./full.ts";
import type { Ruleset } from "./model.ts";
import type { Transaction } from "./transaction.ts";

export { buildRuleset } from "./build.ts";
export { policyRules } from "./policy-fragment.ts";
export { diffRuleset } from "./diff.ts";
export { fullTransaction } from "./full.ts";
export { toScript } from "./script.ts";
export { RenderError, isRenderError, type RenderErrorCode } from "./errors.ts";
export { maglevTable, maglevSize, MAGLEV_SLOTS } from "./maglev.ts";
export { SOURCE_HASH_SEED } from "./selection.ts";
export type * from "./model.ts";
export type * from "./transaction.ts";
export { operationCount } from "./transaction.ts";

/** A rendered transaction and the ruleset it commits. */
export interface Rendered {
  readonly kind: "full" | "incremental";
  readonly tx: Transaction;
  /** What the kernel holds once `tx` has been applied: the next shadow copy. */
  readonly ruleset: Ruleset;
}

/**
 * Renders the full-sync transaction for `inventory` under `settings`: atomic
 * replacement of the owned tables (one transaction). Pass the previously
 * committed ruleset, if any, so tables it owned under other names are deleted.
 * Deterministic: equal inputs print byte-identical scripts.
 * Throws RenderError on unsafe values (never for validated input).
 */
export function renderFull(
  inventory: Inventory,
  settings: GatewaySettings,
  previous: Ruleset | null = null,
): Rendered {
  const ruleset = buildRuleset(inventory, settings);
  return { kind: "full", tx: fullTransaction(ruleset, previous), ruleset };
}

/**
 * Renders the incremental transaction from the committed ruleset `previous` to
 * `nextInventory`: only changed chains, elements and sets are touched. Falls back
 * to a full transaction (kind "full") when the change cannot be made in place
 * (tables renamed, base chains changed). An empty `tx` means nothing changed.
 * Throws RenderError on unsafe values.
 */
export function renderIncremental(
  previous: Ruleset,
  nextInventory: Inventory,
  settings: GatewaySettings,
): Rendered {
  const ruleset = buildRuleset(nextInventory, settings);
  const ops = diffRuleset(previous, ruleset);
  if (ops === null) return { kind: "full", tx: fullTransaction(ruleset, previous), ruleset };
  return { kind: "incremental", tx: ops, ruleset };
}
