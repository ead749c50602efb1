// Incremental sync: the smallest transaction that turns the committed ruleset
// into the next one, touching only changed chains (flush + re-add their rules),
// changed elements (delete/add) and changed sets; stale chains and sets are
// deleted. Computed from the shadow copy, never by listing the kernel.
import type { ChainModel, Ruleset, SetModel, TableModel } from "./model.ts";
import { createTableOps, setObject } from "./full.ts";
import type { NftObject, Operation, Verb } from "./transaction.ts";

const SET_REF = /@([A-Za-z][A-Za-z0-9_.-]*)/g;

function setRefs(chain: ChainModel): Set<string> {
  const refs = new Set<string>();
  for (const rule of chain.rules) for (const m of rule.matchAll(SET_REF)) refs.add(m[1] ?? "");
  return refs;
}

function sameRules(a: ChainModel, b: ChainModel): boolean {
  return a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);
}

function sameBase(a: ChainModel | undefined, b: ChainModel | undefined): boolean {
  const x = a?.base ?? null;
  const y = b?.base ?? null;
  if (x === null || y === null) return x === y;
  return (
    x.type === y.type && x.hook === y.hook && x.priority === y.priority && x.policy === y.policy
  );
}

function sameSpec(a: SetModel, b: SetModel): boolean {
  return (
    a.kind === b.kind &&
    a.keyType === b.keyType &&
    a.dataType === b.dataType &&
    a.flags.join(",") === b.flags.join(",") &&
    a.timeoutSeconds === b.timeoutSeconds &&
    a.size === b.size
  );
}

/**
 * Operations turning table `prev` into `next` (same name), or null when that
 * cannot be done in place because a base chain was added, removed or changed
 * its hook spec (then a full sync is needed). Empty when nothing changed.
 */
export function diffTable(prev: TableModel, next: TableModel): Operation[] | null {
  const names = new Set([...prev.chains.keys(), ...next.chains.keys()]);
  for (const n of names) {
    const a = prev.chains.get(n);
    const b = next.chains.get(n);
    if ((a?.base ?? null) !== null || (b?.base ?? null) !== null) {
      if (a === undefined || b === undefined || !sameBase(a, b)) return null;
    }
  }
  const table = next.name;
  const ops: Operation[] = [];
  const op = (verb: Verb, object: NftObject): number => ops.push({ verb, object });
  const recreated = new Set<string>();
  for (const [name, s] of next.sets) {
    const old = prev.sets.get(name);
    if (old !== undefined && !sameSpec(old, s)) recreated.add(name);
  }
  const staleSets = [...prev.sets.keys()].filter((n) => !next.sets.has(n));
  const stale = [...prev.chains.values()].filter((c) => !next.chains.has(c.name));
  const changed = new Set<string>();
  for (const c of next.chains.values()) {
    const old = prev.chains.get(c.name);
    if (old === undefined) continue;
    const touchesRecreated =
      (recreated.size > 0 || staleSets.length > 0) &&
      [...setRefs(old)].some((r) => recreated.has(r) || staleSets.includes(r));
    if (!sameRules(old, c) || touchesRecreated) changed.add(c.name);
  }
  // Phase A: remove references first, then the referenced objects.
  for (const c of prev.chains.values())
    if (changed.has(c.name) || !next.chains.has(c.name))
      op("flush", { kind: "chain", family: "inet", table, name: c.name, base: c.base });
  for (const [name, old] of prev.sets) {
    const s = next.sets.get(name);
    if (s === undefined || recreated.has(name)) continue;
    for (const [key, value] of old.elements)
      if (!s.elements.has(key) || s.elements.get(key) !== value)
        op("delete", { kind: "element", family: "inet", table, set: name, key, value });
    if (old.resetToken !== s.resetToken) op("flush", setObject(table, old));
  }
  // Kernels before 6.2 may refuse to delete a chain whose map element is deleted
  // in the same transaction (kube-proxy defers such deletes by a second); 6.18
  // accepts it, and a failure here only makes the next sync a full one.
  for (const c of stale)
    op("delete", { kind: "chain", family: "inet", table, name: c.name, base: c.base });
  for (const name of [...staleSets, ...recreated])
    op("delete", setObject(table, prev.sets.get(name) as SetModel));
  // Phase B: create, then fill.
  for (const [name, s] of next.sets)
    if (!prev.sets.has(name) || recreated.has(name)) op("add", setObject(table, s));
  for (const c of next.chains.values())
    if (!prev.chains.has(c.name))
      op("add", { kind: "chain", family: "inet", table, name: c.name, base: c.base });
  for (const c of next.chains.values())
    if (!prev.chains.has(c.name) || changed.has(c.name))
      for (const rule of c.rules)
        op("add", { kind: "rule", family: "inet", table, chain: c.name, rule });
  for (const [name, s] of next.sets) {
    const old = recreated.has(name) ? undefined : prev.sets.get(name);
    for (const [key, value] of s.elements)
      if (old === undefined || old.elements.get(key) !== value || !old.elements.has(key))
        op("add", { kind: "element", family: "inet", table, set: name, key, value });
  }
  return ops;
}

/**
 * Operations turning ruleset `prev` into `next`, or null when only a full sync
 * can do it (a table appeared, disappeared or was renamed, or a base chain
 * changed). An empty array means nothing to do. Tables that appear are created
 * whole; this never lists the kernel.
 */
export function diffRuleset(prev: Ruleset, next: Ruleset): Operation[] | null {
  const prevNames = prev.tables.map((t) => t.name).join(",");
  const nextNames = next.tables.map((t) => t.name).join(",");
  if (prevNames !== nextNames) return null;
  const ops: Operation[] = [];
  for (const [i, table] of next.tables.entries()) {
    const before = prev.tables[i];
    const part = before === undefined ? createTableOps(table) : diffTable(before, table);
    if (part === null) return null;
    ops.push(...part);
  }
  return ops;
}
