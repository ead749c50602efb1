// The desired state at a point of the log, rebuilt by replay + the shared fold.
//
// Hot path (every event): the envelope scan and the fold (scan-fold.ts: the result
// of fold-message.ts in mode "scan", records updated in place); an upsert's spec
// stays as the event's bytes. Then the LAST event of every
// live aggregate is decoded with the real codec (`decodeEvent`: upcast + today's
// validation). An aggregate whose last event fails is re-read exactly (its own
// subjects, full decoding of each event, failures skipped as a gateway skips them)
// and gets its last valid version. The result is the state a gateway that validates
// every event would hold, for O(events) cheap scans + O(aggregates) full decodes.
// (Version anomalies are those of the envelopes as written; `audit verify` is the
// full check of every event.)
import type { LogPoint } from "../../libs/audit/point.ts";
import { EVENTS_STREAM } from "../../libs/bus/streams.ts";
import type { AggregateKind } from "../../libs/domain/model.ts";
import { initialState, type WritableFoldState } from "../../libs/domain/state.ts";
import { decodeEvent } from "../../libs/events/codec.ts";
import { isDecodeError } from "../../libs/events/errors.ts";
import { EVENT_SUBJECT_PREFIX } from "../../libs/events/event.ts";
import { boundOf, readLog, type AuditDeps, type ReadOptions } from "./event-log.ts";
import {
  foldMessage,
  tableOf,
  isPendingSpec,
  SkipList,
  type SubjectCache,
} from "./fold-message.ts";
import { ScanFold } from "./scan-fold.ts";

export { SkipList, type SkippedEvent } from "./fold-message.ts";

/** A state at a point and how it was reached. */
export interface PointState {
  readonly state: WritableFoldState;
  /** Events read (including skipped ones). */
  readonly events: number;
  /** Storage time of the last event read, or null when none. */
  readonly lastTime: Date | null;
  readonly skipped: SkipList;
}

/**
 * Decodes the pending spec (event bytes) of every live record with the codec and
 * puts the validated spec in its place; returns the aggregates whose last event
 * does not decode (to be re-read exactly).
 */
function decodeLive(state: WritableFoldState): Array<{ kind: AggregateKind; id: string }> {
  const failed: Array<{ kind: AggregateKind; id: string }> = [];
  for (const kind of ["service", "endpoints", "policy"] as const) {
    const table = tableOf(state, kind);
    for (const [id, r] of table) {
      if (!isPendingSpec(r.spec)) continue;
      try {
        const { body } = decodeEvent(r.spec, { kind, id, group: r.group });
        table.set(id, { ...r, spec: "spec" in body ? body.spec : null });
      } catch (err) {
        if (!isDecodeError(err)) throw err;
        failed.push({ kind, id });
      }
    }
  }
  return failed;
}

/**
 * Re-reads aggregate {kind, id} up to `point` with full decoding (failures skipped
 * and listed) and puts its last valid record into `state` (or removes it when none
 * of its events is valid).
 */
async function rereadExactly(
  deps: AuditDeps,
  state: WritableFoldState,
  agg: { kind: AggregateKind; id: string },
  point: LogPoint,
  skipped: SkipList,
): Promise<void> {
  const mini = initialState();
  const filter = `${EVENT_SUBJECT_PREFIX}.*.${agg.kind}.${agg.id}`;
  const subjects: SubjectCache = new Map();
  await readLog(deps, EVENTS_STREAM, filter, boundOf(point), "reread", {}, (m) => {
    foldMessage(mini, m, skipped, subjects, "full");
  });
  const record = tableOf(mini, agg.kind).get(agg.id);
  const table = tableOf(state, agg.kind);
  if (record === undefined) table.delete(agg.id);
  else table.set(agg.id, record);
}

/**
 * Completes a state folded in "scan" mode up to `point`: decodes and validates the
 * last event of every live aggregate, re-reads exactly those that fail, and sorts
 * the skipped list by sequence. Failures: libs/bus errors of the re-reads.
 */
export async function finishState(deps: AuditDeps, p: PointState, point: LogPoint): Promise<void> {
  for (const agg of decodeLive(p.state)) await rereadExactly(deps, p.state, agg, point, p.skipped);
  p.skipped.items.sort((a, b) => a.seq - b.seq);
}

/**
 * The state at `point` of the events matching `filter` (`lbaas.evt.>` or one
 * group's `lbaas.evt.<group>.>`). Events a gateway would skip (undecodable, invalid
 * today) do not count and are listed when they changed the result; anomalies of the
 * fold are in `state.anomalies`. A point before the first event gives the empty
 * state. Failures: libs/bus errors.
 */
export async function replayState(
  deps: AuditDeps,
  point: LogPoint,
  filter: string,
  opts: ReadOptions = {},
): Promise<PointState> {
  const skipped = new SkipList();
  const fold = new ScanFold(skipped);
  let lastMs = -1;
  const events = await readLog(deps, EVENTS_STREAM, filter, boundOf(point), "replay", opts, (m) => {
    lastMs = m.timeMs;
    fold.add(m);
  });
  const state = fold.state();
  const lastTime = lastMs < 0 ? null : new Date(lastMs);
  const p: PointState = { state, events, lastTime, skipped };
  await finishState(deps, p, point);
  return p;
}
