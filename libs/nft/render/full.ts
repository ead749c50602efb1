// Full sync: atomic replacement of every owned table in one transaction.
import type { Ruleset, SetModel, TableModel } from "./model.ts";
import type { Operation, SetObject, Transaction } from "./transaction.ts";

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

/**
 * Operations that create `table` from nothing, one per object: the table, its
 * chains, sets, rules, elements. What a `table-contents` operation stands for.
 */
export function createTableOps(table: TableModel): Operation[] {
  const ops: Operation[] = [];
  pushCreateTableOps(ops, table);
  return ops;
}

/**
 * `tx` with every `table-contents` operation replaced by the operations it
 * stands for ({@link createTableOps}); other operations are kept as they are.
 * An empty transaction gives an empty list. Never throws.
 */
export function expandTableContents(tx: Transaction): Operation[] {
  const ops: Operation[] = [];
  for (const op of tx)
    if (op.object.kind === "table-contents") pushCreateTableOps(ops, op.object.table);
    else ops.push(op);
  return ops;
}

/** Appends the operations of {@link createTableOps} to `ops`. */
function pushCreateTableOps(ops: Operation[], table: TableModel): void {
  const name = table.name;
  ops.push({ verb: "add", object: { kind: "table", family: "inet", name } });
  for (const c of table.chains.values())
    ops.push({
      verb: "add",
      object: { kind: "chain", family: "inet", table: name, name: c.name, base: c.base },
    });
  for (const s of table.sets.values()) ops.push({ verb: "add", object: setObject(name, s) });
  for (const c of table.chains.values())
    for (const rule of c.rules)
      ops.push({
        verb: "add",
        object: { kind: "rule", family: "inet", table: name, chain: c.name, rule },
      });
  for (const s of table.sets.values())
    for (const [key, value] of s.elements)
      ops.push({
        verb: "add",
        object: { kind: "element", family: "inet", table: name, set: s.name, key, value },
      });
}

/**
 * The full-sync transaction: for every table of `next`, `add table` + `delete
 * table` (the idempotent delete: it works whether or not the table exists; nft
 * 1.0.6 has no `destroy`) and then the table built from scratch (one
 * `table-contents` operation per table, which holds the table model itself: the
 * transaction shares the ruleset's rule strings and element maps); tables that
 * only `previous` owned (e.g. after a rename in the settings) are deleted too.
 * One transaction: the kernel swaps old for new atomically.
 * Established flows keep their NAT bindings (they live in conntrack).
 */
export function fullTransaction(next: Ruleset, previous: Ruleset | null = null): Operation[] {
  return replaceTables(next, previous?.tables.map((t) => t.name) ?? []);
}

/**
 * {@link fullTransaction} given only the names of the previously owned tables
 * (the syncer knows them without assembling the previous ruleset).
 */
export function replaceTables(next: Ruleset, previousTables: readonly string[]): Operation[] {
  const ops: Operation[] = [];
  const names = new Set(next.tables.map((t) => t.name));
  const stale = previousTables.filter((name) => !names.has(name));
  for (const name of [...stale, ...names]) {
    ops.push({ verb: "add", object: { kind: "table", family: "inet", name } });
    ops.push({ verb: "delete", object: { kind: "table", family: "inet", name } });
  }
  for (const table of next.tables)
    ops.push({ verb: "add", object: { kind: "table-contents", family: "inet", table } });
  return ops;
}
