// A normalized picture of an owned table, built either from the committed
// ruleset or from `nft -j list table`, so that the two can be compared without
// being fooled by nft's re-printing (e.g. `meta mark set meta mark & 0xfffffffe |
// 0x1` lists as `meta mark | 0x00000001`, `meta l4proto tcp th sport` as `tcp
// sport`). What is compared:
// - chains, base chain hook/type/priority/policy;
// - per chain, the number of rules and each rule's terminal action (verdict and
//   target, dnat address:port, vmap target, reject kind, mark statement);
// - sets and maps: kind, key and data types, timeout and size (not flags: nft
//   1.0.6 JSON omits `dynamic`), and every element of static sets and maps.
// Edits inside a rule's matches that keep its action (e.g. a policy port) are not
// detected; a periodic full sync covers them.
import type { Ruleset, SetModel } from "./render/model.ts";

export interface ImageChain {
  readonly base: string | null;
  readonly actions: readonly string[];
}
export interface ImageSet {
  readonly decl: string;
  /** key -> value ("" for sets); null for dynamic sets (filled by packets). */
  readonly elements: ReadonlyMap<string, string> | null;
}
export interface TableImage {
  readonly chains: ReadonlyMap<string, ImageChain>;
  readonly sets: ReadonlyMap<string, ImageSet>;
}

const PRIORITY: Record<string, number> = { dstnat: -100, srcnat: 100, filter: 0 };

/** The terminal action of a rule we rendered (see module comment). */
export function ruleAction(rule: string): string {
  let m: RegExpMatchArray | null;
  if ((m = /dnat ip6? to \[?([0-9A-Fa-f.:]+)\]?:(\d+)$/.exec(rule))) return `dnat ${m[1]}:${m[2]}`;
  if ((m = /dnat ip6? to .* map @(\S+) : (\d+)$/.exec(rule))) return `dnat map @${m[1]}:${m[2]}`;
  if ((m = /vmap @(\S+)$/.exec(rule))) return `vmap @${m[1]}`;
  if (/vmap \{.*\}$/.test(rule)) {
    const targets = [...rule.matchAll(/goto ([A-Za-z0-9_.-]+)/g)].map((x) => x[1] ?? "");
    return `vmap {${[...new Set(targets)].sort().join(",")}}`;
  }
  if ((m = /\b(jump|goto) (\S+)$/.exec(rule))) return `${m[1]} ${m[2]}`;
  if (/reject with tcp reset$/.test(rule)) return "reject tcp reset";
  if ((m = /\b(accept|drop|return|masquerade|reject)$/.exec(rule))) return m[1] ?? "";
  if (/ct mark set [^@]*$/.test(rule)) return "ct mark set";
  return "other";
}

function declOf(
  kind: string,
  keyType: string,
  dataType: string | null,
  timeout: number | null,
  size: number | null,
): string {
  return `${kind} ${keyType}${dataType === null ? "" : ` : ${dataType}`} timeout=${timeout ?? "-"} size=${size ?? "-"}`;
}

function setDecl(s: SetModel): string {
  return declOf(s.kind, s.keyType, s.dataType, s.timeoutSeconds, s.size);
}

/** The image of one table of a ruleset we committed. */
export function expectedImage(ruleset: Ruleset, tableName: string): TableImage | null {
  const t = ruleset.tables.find((x) => x.name === tableName);
  if (t === undefined) return null;
  const chains = new Map<string, ImageChain>();
  for (const c of t.chains.values())
    chains.set(c.name, {
      base:
        c.base === null
          ? null
          : `${c.base.type} ${c.base.hook} ${PRIORITY[c.base.priority]} ${c.base.policy}`,
      actions: c.rules.map(ruleAction),
    });
  const sets = new Map<string, ImageSet>();
  for (const s of t.sets.values())
    sets.set(s.name, {
      decl: setDecl(s),
      elements: s.flags.includes("dynamic")
        ? null
        : new Map([...s.elements].map(([k, v]) => [k, v ?? ""])),
    });
  return { chains, sets };
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

function typeText(t: unknown): string {
  return Array.isArray(t) ? t.map(String).join(" . ") : String(t);
}

/** Prints an element key or value of nft JSON in our literal syntax. */
function literal(x: unknown): string {
  if (typeof x === "string" || typeof x === "number") return String(x);
  if (isObj(x)) {
    if (Array.isArray(x.concat)) return x.concat.map(literal).join(" . ");
    if (isObj(x.prefix)) return `${literal(x.prefix.addr)}/${literal(x.prefix.len)}`;
    if (Array.isArray(x.range)) return x.range.map(literal).join("-");
    for (const verdict of ["goto", "jump"]) {
      const v = x[verdict];
      if (isObj(v)) return `${verdict} ${String(v.target)}`;
    }
    for (const verdict of ["accept", "drop", "return", "continue"])
      if (verdict in x) return verdict;
    if (isObj(x.elem)) return literal(x.elem.val);
  }
  return JSON.stringify(x);
}

/** The terminal action of a rule listed by `nft -j`. */
export function jsonRuleAction(expr: readonly unknown[]): string {
  const last = expr[expr.length - 1];
  if (!isObj(last)) return "other";
  const dnat = last.dnat;
  if (isObj(dnat)) {
    if (isObj(dnat.addr) && isObj(dnat.addr.map))
      return `dnat map ${String(dnat.addr.map.data)}:${literal(dnat.port)}`;
    return `dnat ${literal(dnat.addr)}:${literal(dnat.port)}`;
  }
  const vmap = last.vmap;
  if (isObj(vmap)) {
    if (typeof vmap.data === "string") return `vmap ${vmap.data}`;
    const set = isObj(vmap.data) && Array.isArray(vmap.data.set) ? vmap.data.set : [];
    const targets = set
      .map((e) => (Array.isArray(e) ? literal(e[1]) : ""))
      .map((v) => v.replace(/^goto /, ""));
    return `vmap {${[...new Set(targets)].sort().join(",")}}`;
  }
  for (const v of ["jump", "goto"]) {
    const target = last[v];
    if (isObj(target)) return `${v} ${literal(target.target)}`;
  }
  if (isObj(last.reject)) return last.reject.type === "tcp reset" ? "reject tcp reset" : "reject";
  for (const v of ["accept", "drop", "return", "masquerade", "reject"]) if (v in last) return v;
  if (isObj(last.mangle) && isObj(last.mangle.key) && isObj(last.mangle.key.ct))
    return "ct mark set";
  return "other";
}

/** The image of a table from `nft -j list table inet NAME` output. */
export function listedImage(listing: unknown): TableImage {
  const items = isObj(listing) && Array.isArray(listing.nftables) ? listing.nftables : [];
  const chains = new Map<string, { base: string | null; actions: string[] }>();
  const sets = new Map<string, ImageSet>();
  for (const item of items) {
    if (!isObj(item)) continue;
    if (isObj(item.chain)) {
      const c = item.chain;
      chains.set(String(c.name), {
        base:
          c.hook === undefined
            ? null
            : `${literal(c.type)} ${literal(c.hook)} ${literal(c.prio)} ${literal(c.policy)}`,
        actions: [],
      });
    } else if (isObj(item.rule)) {
      const r = item.rule;
      chains
        .get(String(r.chain))
        ?.actions.push(jsonRuleAction(Array.isArray(r.expr) ? r.expr : []));
    } else {
      const kind = isObj(item.set) ? "set" : isObj(item.map) ? "map" : null;
      if (kind === null) continue;
      const s = item[kind] as Json;
      const flags = Array.isArray(s.flags) ? s.flags.map(String) : [];
      const dynamic = flags.includes("dynamic") || (kind === "map" && flags.includes("timeout"));
      const decl = declOf(
        kind,
        typeText(s.type),
        kind === "map" ? typeText(s.map) : null,
        typeof s.timeout === "number" ? s.timeout : null,
        typeof s.size === "number" ? s.size : null,
      );
      const elements = new Map<string, string>();
      for (const e of Array.isArray(s.elem) ? s.elem : [])
        if (Array.isArray(e)) elements.set(literal(e[0]), literal(e[1]));
        else elements.set(literal(e), "");
      sets.set(String(s.name), { decl, elements: dynamic ? null : elements });
    }
  }
  return { chains, sets };
}

/**
 * Differences between the expected and the listed image of table `name`, as
 * lower-case sentences (at most `limit`); empty when they agree.
 */
export function compareImages(
  name: string,
  expected: TableImage,
  actual: TableImage,
  limit = 50,
): string[] {
  const out: string[] = [];
  const say = (s: string): void => {
    if (out.length < limit) out.push(`table ${name}: ${s}`);
  };
  for (const [c, e] of expected.chains) {
    const a = actual.chains.get(c);
    if (a === undefined) {
      say(`chain ${c} is missing`);
      continue;
    }
    if (e.base !== a.base)
      say(`chain ${c} hook is ${JSON.stringify(a.base)}, expected ${JSON.stringify(e.base)}`);
    if (e.actions.length !== a.actions.length)
      say(`chain ${c} has ${a.actions.length} rules, expected ${e.actions.length}`);
    else
      e.actions.forEach((x, i) => {
        if (a.actions[i] !== x)
          say(
            `chain ${c} rule ${i} does ${JSON.stringify(a.actions[i])}, expected ${JSON.stringify(x)}`,
          );
      });
  }
  for (const c of actual.chains.keys()) if (!expected.chains.has(c)) say(`chain ${c} is not ours`);
  for (const [s, e] of expected.sets) {
    const a = actual.sets.get(s);
    if (a === undefined) {
      say(`set ${s} is missing`);
      continue;
    }
    if (a.decl !== e.decl)
      say(`set ${s} is declared ${JSON.stringify(a.decl)}, expected ${JSON.stringify(e.decl)}`);
    if (e.elements === null || a.elements === null) continue;
    for (const [k, v] of e.elements) {
      const got = a.elements.get(k);
      if (got === undefined) say(`set ${s} lacks element ${JSON.stringify(k)}`);
      else if (got !== v)
        say(
          `set ${s} element ${JSON.stringify(k)} maps to ${JSON.stringify(got)}, expected ${JSON.stringify(v)}`,
        );
    }
    for (const k of a.elements.keys())
      if (!e.elements.has(k)) say(`set ${s} has extra element ${JSON.stringify(k)}`);
  }
  for (const s of actual.sets.keys()) if (!expected.sets.has(s)) say(`set ${s} is not ours`);
  return out;
}
