// An in-memory nftables that applies the same transactions as the kernel (the
// subset of semantics our renderer relies on) and dumps its state as a canonical
// `nft -f` script (knftables' Fake). Unit tests compare whole rulesets with it.
//
// Semantics modelled: `add` is idempotent (an element re-added with another value
// is refused, as the kernel does), `create` refuses existing objects, `delete`
// and `flush` refuse missing ones; rules may only reference existing chains
// (jump/goto) and sets (@name); chains and sets in use cannot be deleted; a
// failing operation aborts the whole transaction and leaves the state unchanged.
import { NftError } from "./errors.ts";
import { expandTableContents } from "./render/full.ts";
import type { BaseChainSpec } from "./render/model.ts";
import { operationLine } from "./render/script.ts";
import type { NftObject, Operation, SetObject, Transaction } from "./render/transaction.ts";
import type { NftExecutor, NftRunResult } from "./runner.ts";

interface FakeChain {
  base: BaseChainSpec | null;
  rules: string[];
}
interface FakeSet {
  spec: SetObject;
  elements: Map<string, string | null>;
}
interface FakeTable {
  chains: Map<string, FakeChain>;
  sets: Map<string, FakeSet>;
}

const CHAIN_REF = /\b(?:jump|goto) ([A-Za-z][A-Za-z0-9_.-]*)/g;
const SET_REF = /@([A-Za-z][A-Za-z0-9_.-]*)/g;

function clone(tables: Map<string, FakeTable>): Map<string, FakeTable> {
  const out = new Map<string, FakeTable>();
  for (const [name, t] of tables)
    out.set(name, {
      chains: new Map([...t.chains].map(([n, c]) => [n, { base: c.base, rules: [...c.rules] }])),
      sets: new Map(
        [...t.sets].map(([n, s]) => [n, { spec: s.spec, elements: new Map(s.elements) }]),
      ),
    });
  return out;
}

function byName<T>(m: Map<string, T>): Array<[string, T]> {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The in-memory nftables; also an NftExecutor (listing is not modelled). */
export class FakeNft implements NftExecutor {
  private tables = new Map<string, FakeTable>();
  /** Every transaction applied successfully, in order. */
  readonly applied: Transaction[] = [];

  /**
   * Applies `tx` atomically: either every operation succeeds or the state is
   * unchanged and an NftError (object_not_found, exists, failed) is thrown.
   * A table's contents apply as the operations they stand for (an error names
   * the failing one and its index among them).
   */
  apply(tx: Transaction): void {
    const work = clone(this.tables);
    for (const [i, op] of expandTableContents(tx).entries()) {
      try {
        applyOne(work, op);
      } catch (err) {
        if (err instanceof NftError)
          throw new NftError(err.code, `operation ${i} (${operationLine(op)}): ${err.message}`);
        throw err;
      }
    }
    this.tables = work;
    this.applied.push(tx);
  }

  /** NftExecutor: applies `tx` (check mode validates without committing). */
  applyTransaction(
    tx: Transaction,
    opts: { readonly check?: boolean } = {},
  ): Promise<NftRunResult> {
    try {
      if (opts.check === true) {
        const saved = this.tables;
        this.apply(tx);
        this.tables = saved;
        this.applied.pop();
      } else this.apply(tx);
      return Promise.resolve({ durationMs: 0, stdout: "" });
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** NftExecutor: the fake cannot print nft JSON; drift is tested against real nft. */
  listTableJson(table: string): Promise<unknown> {
    return Promise.reject(new NftError("failed", `fake nft cannot list table ${table} as json`));
  }

  /** Names of the tables present. */
  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /** Rules of a chain, or undefined when it does not exist. */
  rules(table: string, chain: string): readonly string[] | undefined {
    return this.tables.get(table)?.chains.get(chain)?.rules;
  }

  /** Elements of a set or map (key -> value), or undefined when it does not exist. */
  elements(table: string, set: string): ReadonlyMap<string, string | null> | undefined {
    return this.tables.get(table)?.sets.get(set)?.elements;
  }

  /** Base chain spec of a chain (null for regular chains), or undefined when missing. */
  chainBase(table: string, chain: string): BaseChainSpec | null | undefined {
    return this.tables.get(table)?.chains.get(chain)?.base;
  }

  /** Names of the chains of a table, sorted. */
  chainNames(table: string): string[] {
    return byName(this.tables.get(table)?.chains ?? new Map<string, FakeChain>()).map(([n]) => n);
  }

  /** Names of the sets and maps of a table, sorted. */
  setNames(table: string): string[] {
    return byName(this.tables.get(table)?.sets ?? new Map<string, FakeSet>()).map(([n]) => n);
  }

  /**
   * The whole state as a canonical, loadable `nft -f` script: tables, chains,
   * sets, rules and elements sorted by name (rules keep their order), one element
   * per line. Two fakes with equal state dump byte-identical text. Empty state
   * dumps "".
   */
  dump(): string {
    const ops: Operation[] = [];
    const add = (object: NftObject): number => ops.push({ verb: "add", object });
    for (const [name, t] of byName(this.tables)) {
      add({ kind: "table", family: "inet", name });
      for (const [c, chain] of byName(t.chains))
        add({ kind: "chain", family: "inet", table: name, name: c, base: chain.base });
      for (const [, s] of byName(t.sets)) add(s.spec);
      for (const [c, chain] of byName(t.chains))
        for (const rule of chain.rules)
          add({ kind: "rule", family: "inet", table: name, chain: c, rule });
      for (const [sn, s] of byName(t.sets))
        for (const [key, value] of byName(s.elements))
          ops.push({
            verb: "add",
            object: { kind: "element", family: "inet", table: name, set: sn, key, value },
          });
    }
    // toScript joins elements and rules; the dump wants one per line for readable diffs.
    return ops.map((op) => operationLine(op) + "\n").join("");
  }
}

function notFound(what: string): NftError {
  return new NftError("object_not_found", `${what}: no such file or directory`);
}

function table(tables: Map<string, FakeTable>, name: string): FakeTable {
  const t = tables.get(name);
  if (t === undefined) throw notFound(`table ${name}`);
  return t;
}

function chainInUse(t: FakeTable, name: string): boolean {
  for (const c of t.chains.values())
    for (const r of c.rules) for (const m of r.matchAll(CHAIN_REF)) if (m[1] === name) return true;
  for (const s of t.sets.values())
    for (const v of s.elements.values())
      if (v === `goto ${name}` || v === `jump ${name}`) return true;
  return false;
}

function setInUse(t: FakeTable, name: string): boolean {
  for (const c of t.chains.values())
    for (const r of c.rules) for (const m of r.matchAll(SET_REF)) if (m[1] === name) return true;
  return false;
}

function applyOne(tables: Map<string, FakeTable>, op: Operation): void {
  const o = op.object;
  const { verb } = op;
  // expandTableContents leaves none; a nested one would be a renderer bug.
  if (o.kind === "table-contents")
    throw new NftError("failed", `table contents of ${o.table.name} were not expanded`);
  if (o.kind === "table") {
    const exists = tables.has(o.name);
    if (verb === "add" && !exists) tables.set(o.name, { chains: new Map(), sets: new Map() });
    else if (verb === "create") {
      if (exists) throw new NftError("exists", `table ${o.name}: file exists`);
      tables.set(o.name, { chains: new Map(), sets: new Map() });
    } else if (verb === "delete") {
      if (!exists) throw notFound(`table ${o.name}`);
      tables.delete(o.name);
    } else if (verb === "flush")
      for (const c of table(tables, o.name).chains.values()) c.rules = [];
    return;
  }
  const t = table(tables, o.table);
  switch (o.kind) {
    case "chain": {
      const c = t.chains.get(o.name);
      if (verb === "add" || verb === "create") {
        if (c !== undefined && verb === "create")
          throw new NftError("exists", `chain ${o.name}: file exists`);
        if (c === undefined) t.chains.set(o.name, { base: o.base, rules: [] });
        return;
      }
      if (c === undefined) throw notFound(`chain ${o.name}`);
      if (verb === "flush") c.rules = [];
      else {
        c.rules = [];
        if (chainInUse(t, o.name))
          throw new NftError("failed", `chain ${o.name}: device or resource busy`);
        t.chains.delete(o.name);
      }
      return;
    }
    case "rule": {
      const c = t.chains.get(o.chain);
      if (c === undefined) throw notFound(`chain ${o.chain}`);
      if (verb !== "add" && verb !== "create")
        throw new NftError("failed", `${verb} rule needs a handle`);
      for (const m of o.rule.matchAll(CHAIN_REF))
        if (!t.chains.has(m[1] ?? "")) throw notFound(`chain ${m[1]}`);
      for (const m of o.rule.matchAll(SET_REF))
        if (!t.sets.has(m[1] ?? "")) throw notFound(`set ${m[1]}`);
      c.rules.push(o.rule);
      return;
    }
    case "set":
    case "map": {
      const s = t.sets.get(o.name);
      if (verb === "add" || verb === "create") {
        if (s !== undefined && verb === "create")
          throw new NftError("exists", `set ${o.name}: file exists`);
        if (s === undefined) t.sets.set(o.name, { spec: o, elements: new Map() });
        return;
      }
      if (s === undefined) throw notFound(`set ${o.name}`);
      if (verb === "flush") s.elements.clear();
      else {
        if (setInUse(t, o.name))
          throw new NftError("failed", `set ${o.name}: device or resource busy`);
        t.sets.delete(o.name);
      }
      return;
    }
    case "element": {
      const s = t.sets.get(o.set);
      if (s === undefined) throw notFound(`set ${o.set}`);
      const has = s.elements.has(o.key);
      if (verb === "delete") {
        if (!has) throw notFound(`element ${o.key} in ${o.set}`);
        s.elements.delete(o.key);
        return;
      }
      if (verb === "flush") throw new NftError("failed", "flush element is not an operation");
      if (has && (verb === "create" || s.elements.get(o.key) !== o.value))
        throw new NftError("exists", `element ${o.key} in ${o.set}: file exists`);
      const target = o.value?.match(/^(?:goto|jump) (\S+)$/)?.[1];
      if (target !== undefined && !t.chains.has(target)) throw notFound(`chain ${target}`);
      s.elements.set(o.key, o.value);
      return;
    }
  }
}
