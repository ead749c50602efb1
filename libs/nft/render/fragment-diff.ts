// The incremental transaction of a change, computed from the changed objects
// only: the chains and sets of the services and policies that changed, the
// postrouting chain if the set of SNAT override protocols changed, the pod
// chains of the addresses whose policies changed, and the elements of the shared
// maps that those objects add or remove. Each is put, in table order, into a
// small "before" and "after" table, and diffTable (the whole-ruleset diff of
// diff.ts) runs on those: the operations are exactly those of diffRuleset on
// the whole rulesets, because everything left out is equal on both sides.
import { PROTOCOLS } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import type { RenderedPolicy, RenderedService } from "./build.ts";
import { diffTable } from "./diff.ts";
import { comparePods, policyTargetSet, type PodEntry } from "./filter.ts";
import type { ChainModel, Ruleset, SetModel, TableModel } from "./model.ts";
import * as names from "./names.ts";
import { dispatchSet, FAMILIES, overrideSet, POSTROUTING, postroutingRules } from "./nat.ts";
import { podChain, type PolicyFragment } from "./policy-fragment.ts";
import type { ServiceFragment } from "./service-fragment.ts";
import type { Operation } from "./transaction.ts";

/** A service whose fragment is replaced; `after` null = removed, `before` null = added. */
export interface ServiceChange {
  readonly id: string;
  readonly before: ServiceFragment | null;
  readonly after: RenderedService | null;
  /** False when only the spec objects changed (equal values): nothing to diff. */
  readonly rendered: boolean;
}

/** A policy whose fragment is replaced; as {@link ServiceChange}. */
export interface PolicyChange {
  readonly id: string;
  readonly before: PolicyFragment | null;
  readonly after: RenderedPolicy | null;
  readonly rendered: boolean;
}

/** What the committed state shares across objects (read only here). */
export interface SharedIndexes {
  readonly settings: GatewaySettings;
  /** Service owning each dispatch key. */
  readonly dispatchOwner: ReadonlyMap<string, string>;
  /** Number of SNAT override keys per {@link overrideKey}. */
  readonly overrideCount: ReadonlyMap<string, number>;
  /** Pods by address. */
  readonly pods: ReadonlyMap<string, PodEntry>;
}

/** The transaction, what it changes, and the pods it leaves (null = pod removed). */
export interface FragmentDiff {
  readonly tx: Operation[];
  /**
   * Every chain, set and element the change touches, before and after it, as
   * partial tables (an object missing from `after` is removed).
   */
  readonly before: Ruleset;
  readonly after: Ruleset;
  readonly pods: ReadonlyMap<string, PodEntry | null>;
}

/** Key of the override counter of one family and protocol. */
export function overrideKey(family: IpFamily, protocol: string): string {
  return `${family} ${protocol}`;
}

function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A before/after pair of partial tables. */
interface Pair {
  readonly before: TableModel;
  readonly after: TableModel;
}

function emptyPair(table: string): Pair {
  const empty = (): TableModel => ({
    family: "inet",
    name: table,
    chains: new Map(),
    sets: new Map(),
  });
  return { before: empty(), after: empty() };
}

function putChain(t: TableModel, c: ChainModel): void {
  (t.chains as Map<string, ChainModel>).set(c.name, c);
}

function putSet(t: TableModel, s: SetModel): void {
  (t.sets as Map<string, SetModel>).set(s.name, s);
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/** Touched keys of one shared map: value before and after (undefined = absent). */
type Touched = Map<string, { before: string | null | undefined; after: string | null | undefined }>;

function sortedSide(touched: Touched, side: "before" | "after"): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const key of [...touched.keys()].sort()) {
    const v = touched.get(key)?.[side];
    if (v !== undefined) out.set(key, v);
  }
  return out;
}

/**
 * The NAT part: null when two services would claim one dispatch key (the
 * whole-ruleset render reports that as a RenderError).
 */
function natPair(shared: SharedIndexes, changes: readonly ServiceChange[]): Pair | null {
  const { settings } = shared;
  const pair = emptyPair(settings.natTableName);
  const delta = new Map<string, number>();
  const bump = (f: ServiceFragment | null | undefined, by: number): void => {
    for (const o of f?.overrides ?? []) {
      const k = overrideKey(o.family, o.protocol);
      delta.set(k, (delta.get(k) ?? 0) + by);
    }
  };
  for (const c of changes) {
    bump(c.before, -1);
    bump(c.after?.fragment, 1);
  }
  const count = (f: IpFamily, p: string, withDelta: boolean): number =>
    (shared.overrideCount.get(overrideKey(f, p)) ?? 0) +
    (withDelta ? (delta.get(overrideKey(f, p)) ?? 0) : 0);
  const oldPost = postroutingRules(settings, (f, p) => count(f, p, false) > 0);
  const newPost = postroutingRules(settings, (f, p) => count(f, p, true) > 0);
  if (!sameRules(oldPost, newPost)) {
    const name = settings.natPostroutingChain;
    putChain(pair.before, { name, base: POSTROUTING, rules: oldPost });
    putChain(pair.after, { name, base: POSTROUTING, rules: newPost });
  }
  for (const c of changes) {
    for (const ch of c.before?.chains ?? []) putChain(pair.before, ch);
    for (const ch of c.after?.fragment.chains ?? []) putChain(pair.after, ch);
  }
  for (const family of FAMILIES) {
    const dispatch: Touched = new Map();
    const overrides: Touched = new Map();
    for (const c of changes) {
      for (const d of c.before?.dispatch ?? [])
        if (d.family === family) dispatch.set(d.key, { before: d.value, after: undefined });
      for (const o of c.before?.overrides ?? [])
        if (o.family === family) overrides.set(o.key, { before: null, after: undefined });
    }
    for (const c of changes) {
      for (const d of c.after?.fragment.dispatch ?? []) {
        if (d.family !== family) continue;
        const t = dispatch.get(d.key);
        if (t === undefined) {
          if (shared.dispatchOwner.has(d.key)) return null; // owned by an unchanged service
          dispatch.set(d.key, { before: undefined, after: d.value });
        } else if (t.after !== undefined)
          return null; // claimed twice
        else t.after = d.value;
      }
      for (const o of c.after?.fragment.overrides ?? []) {
        if (o.family !== family) continue;
        const t = overrides.get(o.key);
        if (t === undefined) overrides.set(o.key, { before: undefined, after: null });
        else t.after = null;
      }
    }
    putSet(pair.before, dispatchSet(family, sortedSide(dispatch, "before")));
    putSet(pair.after, dispatchSet(family, sortedSide(dispatch, "after")));
    const total = (withDelta: boolean): number =>
      PROTOCOLS.reduce((sum, p) => sum + count(family, p, withDelta), 0);
    if (total(false) > 0) putSet(pair.before, overrideSet(family, sortedSide(overrides, "before")));
    if (total(true) > 0) putSet(pair.after, overrideSet(family, sortedSide(overrides, "after")));
  }
  for (const c of changes) {
    for (const s of c.before?.sets ?? []) putSet(pair.before, s);
    for (const s of c.after?.fragment.sets ?? []) putSet(pair.after, s);
  }
  return pair;
}

/** The filter part and the pods after the change. */
function filterPair(
  shared: SharedIndexes,
  changes: readonly PolicyChange[],
): { pair: Pair; pods: Map<string, PodEntry | null> } {
  const pair = emptyPair(shared.settings.filterTableName);
  const changed = new Set(changes.map((c) => c.id));
  const affected = new Map<string, IpFamily>();
  const selectedAfter = new Map<string, string[]>();
  for (const c of changes) {
    for (const t of c.before?.targets ?? []) affected.set(t.address, t.family);
    for (const t of c.after?.fragment.targets ?? []) {
      affected.set(t.address, t.family);
      const ids = selectedAfter.get(t.address);
      if (ids === undefined) selectedAfter.set(t.address, [c.id]);
      else ids.push(c.id);
    }
  }
  const pods = new Map<string, PodEntry | null>();
  const before: PodEntry[] = [];
  const after: PodEntry[] = [];
  for (const [address, family] of affected) {
    const old = shared.pods.get(address);
    const ids = (old?.policies ?? []).filter((id) => !changed.has(id));
    ids.push(...(selectedAfter.get(address) ?? []));
    ids.sort();
    const pod = ids.length > 0 ? { address, family, policies: ids } : null;
    if (old !== undefined) before.push(old);
    if (pod !== null) after.push(pod);
    pods.set(address, pod);
  }
  before.sort(comparePods);
  after.sort(comparePods);
  for (const [t, list] of [
    [pair.before, before],
    [pair.after, after],
  ] as const) {
    for (const p of list) putChain(t, podChain(p.address, p.policies));
    for (const family of ["v4", "v6"] as const) {
      const elements = new Map<string, string | null>();
      for (const p of list)
        if (p.family === family) elements.set(p.address, `goto ${names.podChainName(p.address)}`);
      putSet(t, policyTargetSet(family, elements));
    }
  }
  for (const c of changes) {
    if (c.before !== null) putChain(pair.before, c.before.chain);
    if (c.after !== null) putChain(pair.after, c.after.fragment.chain);
  }
  return { pair, pods };
}

/**
 * The incremental transaction for the given changed services and policies
 * (only those whose fragments were re-rendered) against the committed state
 * described by `shared`: equal to diffRuleset of the whole rulesets. Returns
 * null when the change cannot be expressed piece by piece (a dispatch key
 * claimed by two services): the whole-ruleset path must handle it. Empty
 * changes give an empty transaction. Never throws.
 */
export function diffFragments(
  shared: SharedIndexes,
  services: readonly ServiceChange[],
  policies: readonly PolicyChange[],
): FragmentDiff | null {
  const tx: Operation[] = [];
  const before: TableModel[] = [];
  const after: TableModel[] = [];
  let pods: Map<string, PodEntry | null> = new Map();
  const add = (pair: Pair): boolean => {
    const ops = diffTable(pair.before, pair.after);
    if (ops === null) return false;
    for (const op of ops) tx.push(op);
    before.push(pair.before);
    after.push(pair.after);
    return true;
  };
  if (services.length > 0) {
    const nat = natPair(shared, [...services].sort(byId));
    if (nat === null || !add(nat)) return null;
  }
  if (policies.length > 0 && shared.settings.filterTableName !== "") {
    const filter = filterPair(shared, [...policies].sort(byId));
    if (!add(filter.pair)) return null;
    pods = filter.pods;
  }
  return { tx, before: { tables: before }, after: { tables: after }, pods };
}
