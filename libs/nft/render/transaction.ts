// A transaction is plain data: a list of {verb, object} operations that prints as
// one `nft -f` script (knftables' model). Only the runner executes it; the fake
// applies it in memory. The kernel applies a script atomically: all or nothing.
import type { BaseChainSpec, TableModel } from "./model.ts";

/** `add` is idempotent for existing objects; `create` fails on them. */
export type Verb = "add" | "create" | "flush" | "delete";

export interface TableObject {
  readonly kind: "table";
  readonly family: "inet";
  readonly name: string;
}

export interface ChainObject {
  readonly kind: "chain";
  readonly family: "inet";
  readonly table: string;
  readonly name: string;
  readonly base: BaseChainSpec | null;
}

/** A rule is appended to its chain (rules are never addressed individually). */
export interface RuleObject {
  readonly kind: "rule";
  readonly family: "inet";
  readonly table: string;
  readonly chain: string;
  readonly rule: string;
}

export interface SetObject {
  readonly kind: "set" | "map";
  readonly family: "inet";
  readonly table: string;
  readonly name: string;
  readonly keyType: string;
  readonly dataType: string | null;
  readonly flags: readonly string[];
  readonly timeoutSeconds: number | null;
  readonly size: number | null;
}

/** One element of a named set or map; `value` only for maps (ignored on delete). */
export interface ElementObject {
  readonly kind: "element";
  readonly family: "inet";
  readonly table: string;
  readonly set: string;
  readonly key: string;
  readonly value: string | null;
}

/**
 * A whole table with everything in it, for full syncs (verb `add` only): it
 * stands for the operations of full.ts's createTableOps, in that order (`add
 * table`, every chain, every set, every chain's rules, every element) and prints
 * as exactly their lines. One object instead of one per rule and element: at
 * 10,000 services those were ~70,000 operations of two objects each, which the
 * garbage collector copied on every full render.
 */
export interface TableContentsObject {
  readonly kind: "table-contents";
  readonly family: "inet";
  readonly table: TableModel;
}

export type NftObject =
  TableObject | ChainObject | RuleObject | SetObject | ElementObject | TableContentsObject;

export interface Operation {
  readonly verb: Verb;
  readonly object: NftObject;
}

/** An ordered list of operations applied as one atomic `nft -f` script. */
export type Transaction = readonly Operation[];

/**
 * The number of nft operations `tx` stands for: one per operation, and for a
 * table's contents one per table, chain, set, rule and element in it. 0 for an
 * empty transaction. Never throws.
 */
export function operationCount(tx: Transaction): number {
  let n = 0;
  for (const op of tx) {
    const o = op.object;
    if (o.kind !== "table-contents") {
      n++;
      continue;
    }
    const t = o.table;
    n += 1 + t.chains.size + t.sets.size;
    for (const c of t.chains.values()) n += c.rules.length;
    for (const s of t.sets.values()) n += s.elements.size;
  }
  return n;
}
