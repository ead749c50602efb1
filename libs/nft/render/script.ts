// Printing a transaction as the exact `nft -f` script. Pure and deterministic.
import type { BaseChainSpec, TableModel } from "./model.ts";
import type { ElementObject, Operation, SetObject, Transaction } from "./transaction.ts";
import { flat } from "./flat.ts";

/** Elements per `add element` line: big enough to parse fast, small enough to read. */
const ELEMENTS_PER_LINE = 1000;

function chainBody(b: BaseChainSpec | null): string {
  if (b === null) return "";
  return ` { type ${b.type} hook ${b.hook} priority ${b.priority}; policy ${b.policy}; }`;
}

/** The declaration body of a set or map (SetObject and SetModel share these fields). */
function setBody(
  s: Pick<SetObject, "keyType" | "dataType" | "flags" | "timeoutSeconds" | "size">,
): string {
  const parts = [`type ${s.keyType}${s.dataType === null ? "" : ` : ${s.dataType}`};`];
  if (s.flags.length > 0) parts.push(`flags ${s.flags.join(",")};`);
  if (s.timeoutSeconds !== null) parts.push(`timeout ${s.timeoutSeconds}s;`);
  if (s.size !== null) parts.push(`size ${s.size};`);
  return ` { ${parts.join(" ")} }`;
}

function elementText(e: ElementObject, verb: string): string {
  return verb === "delete" || e.value === null ? e.key : `${e.key} : ${e.value}`;
}

/**
 * Appends to `out` the lines of `add` + the contents of `table`: exactly what
 * the per-object operations of createTableOps print (rules of a chain as one
 * block or `add rule` lines, elements of a set batched, as `toScript` does),
 * without making those objects.
 */
function tableContents(script: string, table: TableModel): string {
  // A piece appended to the rope N times is visited N times when the script is
  // flattened at the end: pieces shared by lines (the `add rule … <chain> `
  // prefix) are flattened once, and lines are appended piece by piece. Maps are
  // walked with forEach: this runs once per render, mostly before the optimizing
  // compiler steps in, and for…of then allocates an iterator result per entry.
  let out = script;
  const name = table.name;
  out += `add table inet ${name}\n`;
  const addChain = flat(`add chain inet ${name} `);
  table.chains.forEach((c) => {
    out += addChain;
    out += c.name;
    out += c.base === null ? "\n" : `${chainBody(c.base)}\n`;
  });
  table.sets.forEach((s) => {
    out += `add ${s.kind} inet ${name} ${s.name}${setBody(s)}\n`;
  });
  table.chains.forEach((c) => {
    if (c.rules.length > 0) out = ruleRun(out, name, c.name, c.rules);
  });
  table.sets.forEach((s) => {
    if (s.elements.size === 0) return;
    const head = flat(`add element inet ${name} ${s.name} { `);
    let n = 0;
    out += head;
    s.elements.forEach((value, key) => {
      if (n === ELEMENTS_PER_LINE) {
        out += " }\n";
        out += head;
        n = 0;
      } else if (n > 0) out += ", ";
      out += key;
      if (value !== null) {
        out += " : ";
        out += value;
      }
      n++;
    });
    out += " }\n";
  });
  return out;
}

/**
 * Whether a run of rule operations of one chain prints as a chain block. Why: nft
 * 1.0.6 lists every chain of the whole ruleset before it runs a script holding any
 * `add rule` (its cache wants them for "did you mean" hints; upstream dropped that in
 * 1.1.1): ~25-30 ms at 10,000 services, for every incremental sync. A chain block
 * (`add chain … { rules }`) needs only the table cache: re-filling one service's
 * chain measured 61 -> 30 ms (median of 20 `nft -f`, 10,000 services loaded). The
 * kernel builds the same chain either way. Not for runs that name a set (`@name`):
 * with the table cache only, nft does not know sets already in the kernel and fails
 * with "No such file or directory"; those runs stay `add rule` lines.
 */
function ruleRunAsBlock(rules: readonly string[]): boolean {
  for (let i = 0; i < rules.length; i++) if ((rules[i] as string).includes("@")) return false;
  return true;
}

/**
 * Appends to `out` the `add` of `rules` (non-empty) to chain `chain` of inet table
 * `table`: one chain block, or one `add rule` line per rule (see {@link ruleRunAsBlock}).
 */
function ruleRun(out: string, table: string, chain: string, rules: readonly string[]): string {
  const block = ruleRunAsBlock(rules);
  // One flat separator; the `add rule` prefix alone is a slice of it (no copy).
  const between = flat(block ? "\n\t" : `\nadd rule inet ${table} ${chain} `);
  out += block ? `add chain inet ${table} ${chain} {\n\t` : between.slice(1);
  out += rules[0] as string;
  for (let i = 1; i < rules.length; i++) {
    out += between;
    out += rules[i] as string;
  }
  out += block ? "\n}\n" : "\n";
  return out;
}

/**
 * The one line of a single operation (rules as `add rule …`, an element in its own
 * `{ }`), without the newline: what FakeNft's canonical dump prints per object.
 */
export function operationLine(op: Operation): string {
  const o = op.object;
  switch (o.kind) {
    case "table":
      return `${op.verb} table ${o.family} ${o.name}`;
    case "chain":
      return `${op.verb} chain ${o.family} ${o.table} ${o.name}${op.verb === "add" || op.verb === "create" ? chainBody(o.base) : ""}`;
    case "set":
    case "map":
      return `${op.verb} ${o.kind} ${o.family} ${o.table} ${o.name}${op.verb === "add" || op.verb === "create" ? setBody(o) : ""}`;
    case "rule":
      return `${op.verb} rule ${o.family} ${o.table} ${o.chain} ${o.rule}`;
    case "element":
      return `${op.verb} element ${o.family} ${o.table} ${o.set} { ${elementText(o, op.verb)} }`;
    case "table-contents":
      return tableContents("", o.table).slice(0, -1);
  }
}

/**
 * Prints the exact `nft -f` script of a transaction, one operation per line, with
 * two joins that nft parses faster:
 * - consecutive element operations with the same verb on the same set become one
 *   `{ a, b, … }` line (up to 1,000 elements each);
 * - consecutive `add rule` operations of one chain become one chain block
 *   `add chain inet T C {` + a line per rule + `}`, unless a rule of the run names a
 *   set (`@name`): see {@link ruleRunAsBlock}.
 * An empty transaction prints as the empty string. Never throws.
 */
export function toScript(tx: Transaction): string {
  // Lines are appended with `+=` (a rope, flattened once at the end: measured
  // faster than flattening every 256 KiB or joining an array of 70,000 lines).
  let out = "";
  let i = 0;
  while (i < tx.length) {
    const op = tx[i] as Operation;
    const o = op.object;
    if (o.kind === "rule" && op.verb === "add") {
      // A run: one chain's added rules in a row.
      const rules = [o.rule];
      for (i++; i < tx.length; i++) {
        const next = tx[i] as Operation;
        const n = next.object;
        if (next.verb !== "add" || n.kind !== "rule" || n.chain !== o.chain || n.table !== o.table)
          break;
        rules.push(n.rule);
      }
      out = ruleRun(out, o.table, o.chain, rules);
      continue;
    }
    if (o.kind === "table-contents") {
      out = tableContents(out, o.table);
      i++;
      continue;
    }
    if (o.kind !== "element") {
      out += operationLine(op) + "\n";
      i++;
      continue;
    }
    let line = `${op.verb} element ${o.family} ${o.table} ${o.set} { `;
    let j = i;
    while (j < tx.length && j - i < ELEMENTS_PER_LINE) {
      const next = tx[j] as Operation;
      const n = next.object;
      if (next.verb !== op.verb || n.kind !== "element" || n.table !== o.table || n.set !== o.set)
        break;
      line += (j > i ? ", " : "") + elementText(n, op.verb);
      j++;
    }
    out += line + " }\n";
    i = j;
  }
  return flat(out);
}
