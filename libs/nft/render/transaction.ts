// A transaction is plain data: a list of {verb, object} operations that prints as
// one `nft -f` script (knftables' model). Only the runner executes it; the fake
// applies it in memory. The kernel applies a script atomically: all or nothing.
import type { BaseChainSpec } from "./model.ts";

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

export type NftObject = TableObject | ChainObject | RuleObject | SetObject | ElementObject;

export interface Operation {
  readonly verb: Verb;
  readonly object: NftObject;
}

/** An ordered list of operations applied as one atomic `nft -f` script. */
export type Transaction = readonly Operation[];
