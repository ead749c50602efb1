// Point-in-time queries over the event log: state, ruleset, and the diff of two points.
import { diffLines, formatUnified } from "../../libs/audit/line-diff.ts";
import { formatPoint, pointQuery, type LogPoint } from "../../libs/audit/point.ts";
import { rulesetLines } from "../../libs/audit/ruleset-lines.ts";
import { diffStates } from "../../libs/audit/state-diff.ts";
import { EVENTS_STREAM, EVENTS_SUBJECTS } from "../../libs/bus/streams.ts";
import { isDnsLabel } from "../../libs/domain/input.ts";
import type { Inventory } from "../../libs/domain/model.ts";
import {
  initialState,
  inventoryOf,
  type AggregateRecord,
  type FoldState,
  type WritableFoldState,
} from "../../libs/domain/state.ts";
import { groupFilterOf } from "../../libs/events/event.ts";
import { rulesetHash } from "../../libs/nft/hash.ts";
import { isRenderError, renderFull, toScript, type Rendered } from "../../libs/nft/render/index.ts";
import type { GatewaySettings } from "../../libs/nft/settings.ts";
import { AuditError } from "./errors.ts";
import { headOf, readLog, type AuditDeps, type ReadOptions } from "./event-log.ts";
import { foldMessage, SkipList, type SubjectCache } from "./fold-message.ts";
import { finishState, replayState, type PointState } from "./replay-state.ts";
import type { AggregateAt, DiffResult, PointInfo, RenderResult, StateResult } from "./results.ts";

/** The filter subject for `group` (all groups when null); refuses a group that is not a dns label. */
export function filterFor(group: string | null): string {
  if (group === null) return EVENTS_SUBJECTS;
  if (!isDnsLabel(group))
    throw new AuditError("invalid_argument", `group: ${JSON.stringify(group)} is not a dns label`);
  return groupFilterOf(group);
}

function pointInfo(point: LogPoint, p: PointState): PointInfo {
  return {
    requested: pointQuery(point),
    lastSeq: p.state.lastSeq,
    lastTime: p.lastTime?.toISOString() ?? null,
    events: p.events,
  };
}

function live(table: ReadonlyMap<string, AggregateRecord<unknown>>): AggregateAt[] {
  const out: AggregateAt[] = [];
  for (const r of table.values())
    if (r.spec !== null)
      out.push({
        kind: r.kind,
        id: r.id,
        group: r.group,
        version: r.version,
        seq: r.seq,
        spec: r.spec,
      });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The whole desired state at `point` (of one group, or all when `group` is null). */
export async function stateAt(
  deps: AuditDeps,
  point: LogPoint,
  group: string | null,
  opts: ReadOptions = {},
): Promise<StateResult> {
  const p = await replayState(deps, point, filterFor(group), opts);
  const s = p.state;
  let deleted = 0;
  for (const t of [s.services, s.endpoints, s.policies])
    for (const r of t.values()) if (r.spec === null) deleted++;
  return {
    at: pointInfo(point, p),
    group,
    services: live(s.services),
    endpoints: live(s.endpoints),
    policies: live(s.policies),
    deleted,
    anomalies: s.anomalies,
    skipped: p.skipped.items,
    skippedDropped: p.skipped.dropped,
  };
}

function render(inventory: Inventory, settings: GatewaySettings, point: string): Rendered {
  try {
    return renderFull(inventory, settings);
  } catch (err) {
    if (!isRenderError(err)) throw err;
    throw new AuditError("render_failed", `the state at ${point} does not render: ${err.message}`, {
      cause: err,
    });
  }
}

/** The exact full-sync script a gateway of `group` (all groups when null) had at `point`. */
export async function renderAt(
  deps: AuditDeps,
  point: LogPoint,
  group: string | null,
  settings: GatewaySettings,
  opts: ReadOptions = {},
): Promise<RenderResult> {
  const p = await replayState(deps, point, filterFor(group), opts);
  const inventory = inventoryOf(p.state, group ?? undefined);
  const rendered = render(inventory, settings, formatPoint(point));
  return {
    at: pointInfo(point, p),
    group,
    hash: rulesetHash(rendered.ruleset),
    script: toScript(rendered.tx),
    services: inventory.services.length,
    policies: inventory.policies.length,
    skipped: p.skipped.items,
  };
}

/** A copy of a state that later `applyEvent`s on the original do not change (O(aggregates)). */
function snapshot(s: FoldState): WritableFoldState {
  return {
    services: new Map(s.services),
    endpoints: new Map(s.endpoints),
    policies: new Map(s.policies),
    lastSeq: s.lastSeq,
    anomalies: [...s.anomalies],
    anomaliesDropped: s.anomaliesDropped,
  };
}

/** Where the prefix of one point ends while one replay reads past it. */
interface PrefixEnd {
  readonly point: LogPoint;
  open: boolean;
  state: WritableFoldState | null;
  events: number;
  time: Date | null;
}

function within(point: LogPoint, m: { seq: number; time: Date }): boolean {
  return "seq" in point ? m.seq <= point.seq : m.time.getTime() <= point.time;
}

/**
 * What changed from `from` to `to`: objects (created, updated with field changes,
 * deleted) and ruleset lines, for `group` (all groups when null). One replay
 * serves both points; `from` after `to` gives the reverse changes.
 */
export async function diffPoints(
  deps: AuditDeps,
  from: LogPoint,
  to: LogPoint,
  group: string | null,
  settings: GatewaySettings,
  opts: ReadOptions = {},
): Promise<DiffResult> {
  const filter = filterFor(group);
  const head = await headOf(deps, EVENTS_STREAM, filter);
  const state = initialState();
  const skipped = new SkipList();
  const subjects: SubjectCache = new Map();
  const at: PrefixEnd[] = [from, to].map((point) => ({
    point,
    open: true,
    state: null,
    events: 0,
    time: null,
  }));
  let events = 0;
  let lastTime: Date | null = null;
  await readLog(deps, EVENTS_STREAM, filter, { toSeq: head }, "diff", opts, (m) => {
    for (const a of at)
      if (a.open && !within(a.point, m)) {
        a.open = false;
        a.state = snapshot(state);
        a.events = events;
        a.time = lastTime;
      }
    if (at.every((a) => !a.open)) return "stop";
    events++;
    lastTime = m.time;
    foldMessage(state, m, skipped, subjects, "scan");
    return undefined;
  });
  const points: PointState[] = [];
  for (const a of at) {
    const p: PointState = {
      state: a.state ?? snapshot(state),
      events: a.open ? events : a.events,
      lastTime: a.open ? lastTime : a.time,
      skipped,
    };
    await finishState(deps, p, a.point);
    points.push(p);
  }
  const [f, t] = points as [PointState, PointState];
  const g = group ?? undefined;
  const fromRendered = render(inventoryOf(f.state, g), settings, formatPoint(from));
  const toRendered = render(inventoryOf(t.state, g), settings, formatPoint(to));
  const fromHash = rulesetHash(fromRendered.ruleset);
  const toHash = rulesetHash(toRendered.ruleset);
  const lines = diffLines(rulesetLines(fromRendered.ruleset), rulesetLines(toRendered.ruleset));
  return {
    from: pointInfo(from, f),
    to: pointInfo(to, t),
    group,
    objects: diffStates(f.state, t.state, g),
    ruleset: {
      fromHash,
      toHash,
      added: lines.added,
      removed: lines.removed,
      unified: formatUnified(
        lines,
        `ruleset at ${formatPoint(from)} (${fromHash})`,
        `ruleset at ${formatPoint(to)} (${toHash})`,
      ),
    },
  };
}
