// The ruleset hash gateways report: the identity of what a gateway runs. Equal
// rulesets give equal hashes on every gateway, however they got there (full or
// incremental syncs, any order of chains, sets and elements), and an incremental
// sync updates the hash in time proportional to the change, not to the ruleset.
//
// Definition (version 2; version 1 was the sha256 of the whole creation script,
// which costs ~40 ms at 10,000 services on every sync):
// - the ruleset is a set of units: each table, each chain with its rules in
//   order, each set or map declaration, each static element;
// - a unit's digest is the sha256 of its canonical text (the `nft -f` lines that
//   create it, without the verb);
// - units fall into 512 buckets by a hash of their name; a bucket's digest is the
//   sha256 of its unit digests, sorted;
// - the ruleset hash is the sha256 of a version tag and the 512 bucket digests,
//   in bucket order. Dynamic elements (affinity entries) are not part of it.
// node:crypto is I/O-free but a node:* import, so this lives outside render/.
import { hash } from "node:crypto";
import { fnv1a32 } from "./render/maglev.ts";
import type { ChainModel, Ruleset, SetModel, TableModel } from "./render/model.ts";

const BUCKETS = 512;
const VERSION = "lbaas-ruleset-hash/2\n";

function digestOf(text: string): string {
  return hash("sha256", text, "base64");
}

function chainText(table: string, c: ChainModel): string {
  let out = `chain inet ${table} ${c.name}`;
  if (c.base !== null) {
    const b = c.base;
    out += ` { type ${b.type} hook ${b.hook} priority ${b.priority}; policy ${b.policy}; }`;
  }
  for (const r of c.rules) out += `\n${r}`;
  return out;
}

function setText(table: string, s: SetModel): string {
  let body = `type ${s.keyType}${s.dataType === null ? "" : ` : ${s.dataType}`};`;
  if (s.flags.length > 0) body += ` flags ${s.flags.join(",")};`;
  if (s.timeoutSeconds !== null) body += ` timeout ${s.timeoutSeconds}s;`;
  if (s.size !== null) body += ` size ${s.size};`;
  return `${s.kind} inet ${table} ${s.name} { ${body} }`;
}

function elementText(table: string, set: string, key: string, value: string | null): string {
  return `element inet ${table} ${set} { ${value === null ? key : `${key} : ${value}`} }`;
}

/**
 * The hash state of one ruleset, kept per unit so that an incremental change
 * re-hashes only what it touches. Never throws.
 */
export class RulesetHasher {
  private readonly buckets: Array<Map<string, string>> = [];
  private readonly bucketDigests: string[] = [];
  private readonly dirty = new Set<number>();

  private constructor() {
    for (let i = 0; i < BUCKETS; i++) {
      this.buckets.push(new Map());
      this.bucketDigests.push("");
      this.dirty.add(i);
    }
  }

  /** The hash state of `ruleset`. */
  static of(ruleset: Ruleset): RulesetHasher {
    const h = new RulesetHasher();
    for (const t of ruleset.tables) h.putTable(t);
    return h;
  }

  /**
   * Every unit named in `before` or `after` (a table's chains, sets, and the
   * elements listed in its sets) takes its value in `after`, or disappears when
   * `after` does not have it. Tables themselves are not added or removed: pass
   * partial tables of the same names, as the render state's plans do.
   */
  replace(before: Ruleset, after: Ruleset): void {
    const next = new Map(after.tables.map((t) => [t.name, t]));
    for (const old of before.tables) {
      const t = next.get(old.name);
      for (const name of old.chains.keys())
        if (t === undefined || !t.chains.has(name)) this.remove(`c\0${old.name}\0${name}`);
      for (const [name, s] of old.sets) {
        const fresh = t?.sets.get(name);
        if (fresh === undefined) this.remove(`s\0${old.name}\0${name}`);
        for (const key of s.elements.keys())
          if (fresh === undefined || !fresh.elements.has(key))
            this.remove(`e\0${old.name}\0${name}\0${key}`);
      }
    }
    for (const t of after.tables) {
      for (const c of t.chains.values()) this.putChain(t.name, c);
      for (const s of t.sets.values()) this.putSet(t.name, s);
    }
  }

  /** `sha256:<hex>` of the current units. */
  digest(): string {
    for (const i of this.dirty) {
      const units = [...(this.buckets[i] as Map<string, string>).values()].sort();
      this.bucketDigests[i] = digestOf(units.join(""));
    }
    this.dirty.clear();
    return `sha256:${hash("sha256", VERSION + this.bucketDigests.join(""), "hex")}`;
  }

  private putTable(t: TableModel): void {
    this.put(`t\0${t.name}`, `table inet ${t.name}`);
    for (const c of t.chains.values()) this.putChain(t.name, c);
    for (const s of t.sets.values()) this.putSet(t.name, s);
  }

  private putChain(table: string, c: ChainModel): void {
    this.put(`c\0${table}\0${c.name}`, chainText(table, c));
  }

  private putSet(table: string, s: SetModel): void {
    this.put(`s\0${table}\0${s.name}`, setText(table, s));
    for (const [key, value] of s.elements)
      this.put(`e\0${table}\0${s.name}\0${key}`, elementText(table, s.name, key, value));
  }

  private put(unit: string, text: string): void {
    const b = fnv1a32(unit, 0) % BUCKETS;
    (this.buckets[b] as Map<string, string>).set(unit, digestOf(text));
    this.dirty.add(b);
  }

  private remove(unit: string): void {
    const b = fnv1a32(unit, 0) % BUCKETS;
    if ((this.buckets[b] as Map<string, string>).delete(unit)) this.dirty.add(b);
  }
}

/**
 * `sha256:<hex>` identity of a ruleset (see the file comment): equal rulesets
 * give equal hashes whatever the order of their chains, sets and elements.
 * Costs O(ruleset); the Syncer updates its hash incrementally. Never throws.
 */
export function rulesetHash(ruleset: Ruleset): string {
  return RulesetHasher.of(ruleset).digest();
}
