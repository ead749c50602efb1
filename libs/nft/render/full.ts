// Full sync: atomic replacement of every owned table in one transaction.
import type { Ruleset, SetModel, TableModel } from "./model.ts";
import type { NftObject, Operation, SetObject } from "./transaction.ts";

/** The set/map object of a model (no elements). */
export function setObject(table: string, s: SetModel): SetObject {
  return {
    kind: s.kind,
    family: "inet",
    table,
    name: s.name,
    keyType: s.keyType,
    dataType: s.dataType,
    flags: s.flags,
    timeoutSeconds: s.timeoutSeconds,
    size: s.size,
  };
}

/** Operations that create `table` from nothing: chains, sets, rules, elements. */
export function createTableOps(table: TableModel): Operation[] {
  const ops: Operation[] = [];
  const add = (object: NftObject): number => ops.push({ verb: "add", object });
  add({ kind: "table", family: "inet", name: table.name });
  for (const c of table.chains.values())
    add({ kind: "chain", family: "inet", table: table.name, name: c.name, base: c.base });
  for (const s of table.sets.values()) add(setObject(table.name, s));
  for (const c of table.chains.values())
    for (const rule of c.rules)
      add({ kind: "rule", family: "inet", table: table.name, chain: c.name, rule });
  for (const s of table.sets.values())
    for (const [key, value] of s.elements)
      add({ kind: "element", family: "inet", table: table.name, set: s.name, key, value });
  return ops;
}

/**
 * The full-sync transaction: for every table of `next`, `add table` + `delete
 * table` (the idempotent delete: it works whether or not the table exists; nft
 * 1.0.6 has no `destroy`) and then the table built from scratch; tables that
 * only `previous` owned (e.g. after a rename in the settings) are deleted too.
 * One transaction: the kernel swaps old for new atomically.
 * Established flows keep their NAT bindings (they live in conntrack).
 */
export function fullTransaction(next: Ruleset, previous: Ruleset | null = null): Operation[] {
  const ops: Operation[] = [];
  const names = new Set(next.tables.map((t) => t.name));
  const stale = (previous?.tables ?? []).filter((t) => !names.has(t.name)).map((t) => t.name);
  for (const name of [...stale, ...names]) {
    ops.push({ verb: "add", object: { kind: "table", family: "inet", name } });
    ops.push({ verb: "delete", object: { kind: "table", family: "inet", name } });
  }
  for (const table of next.tables) ops.push(...createTableOps(table));
  return ops;
}
