// What changed between two folded states, object by object. Pure.
import type { AggregateRecord, FoldState } from "../domain/state.ts";
import type { AggregateKind } from "../domain/model.ts";
import { diffFields, type FieldChange } from "./field-diff.ts";

/** One aggregate that differs between the two states. */
export interface ObjectChange {
  readonly kind: AggregateKind;
  readonly id: string;
  /** The group at `to` when live there, else at `from`. */
  readonly group: string;
  /** created: not live at `from`, live at `to`; deleted: the reverse; updated: live at both. */
  readonly change: "created" | "updated" | "deleted";
  /** Versions at each point (0 = no event yet). */
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Field changes for updates (empty when only the version moved). */
  readonly changes: readonly FieldChange[];
}

type AnyRecord = AggregateRecord<unknown>;

function tables(s: FoldState): ReadonlyArray<[AggregateKind, ReadonlyMap<string, AnyRecord>]> {
  return [
    ["service", s.services],
    ["endpoints", s.endpoints],
    ["policy", s.policies],
  ];
}

function liveIn(r: AnyRecord | undefined, group: string | undefined): r is AnyRecord {
  return r !== undefined && r.spec !== null && (group === undefined || r.group === group);
}

/**
 * Every aggregate whose live spec differs between `from` and `to` (or that is live
 * at one point only, or whose version moved), restricted to `group` when given:
 * sorted by kind (service, endpoints, policy) then id. Equal states → empty list.
 */
export function diffStates(from: FoldState, to: FoldState, group?: string): ObjectChange[] {
  const out: ObjectChange[] = [];
  const toTables = tables(to);
  tables(from).forEach(([kind, before], k) => {
    const after = (toTables[k] as [AggregateKind, ReadonlyMap<string, AnyRecord>])[1];
    const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const id of ids) {
      const a = before.get(id);
      const b = after.get(id);
      const wasLive = liveIn(a, group);
      const isLive = liveIn(b, group);
      if (!wasLive && !isLive) continue;
      const fromVersion = a?.version ?? 0;
      const toVersion = b?.version ?? 0;
      if (wasLive && isLive && fromVersion === toVersion && a.spec === b.spec) continue;
      const change = !wasLive ? "created" : !isLive ? "deleted" : "updated";
      const changes = change === "updated" ? diffFields(a?.spec, b?.spec) : [];
      if (change === "updated" && changes.length === 0 && fromVersion === toVersion) continue;
      const groupAt = isLive ? b.group : (a as AnyRecord).group;
      out.push({ kind, id, group: groupAt, change, fromVersion, toVersion, changes });
    }
  });
  return out;
}
