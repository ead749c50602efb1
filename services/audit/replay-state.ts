// The desired state at a point of the log, rebuilt by replay + the shared fold.
//
// Hot path (every event): structural decode without spec validation
// (libs/audit/fast-decode.ts) and `applyEvent`. Then every spec that survives to the
// point is validated with today's rules; an aggregate whose final spec fails is
// re-read exactly (its own subjects, full `decodeEvent`, invalid events skipped, as
// a gateway skips them), so the result equals a replay that validates every event,
// at a fraction of the cost when the log is clean.
import { checkBody } from "../../libs/events/check.ts";
import { decodeEvent } from "../../libs/events/codec.ts";
import { isDecodeError } from "../../libs/events/errors.ts";
import {
  EVENT_SUBJECT_PREFIX,
  parseSubject,
  type EventMeta,
  type EventType,
  type LbEvent,
} from "../../libs/events/event.ts";
import { headline } from "../../libs/audit/log-message.ts";
import { decodeEventUnvalidated } from "../../libs/audit/fast-decode.ts";
import type { LogPoint } from "../../libs/audit/point.ts";
import {
  applyEvent,
  initialState,
  type AggregateRecord,
  type WritableFoldState,
} from "../../libs/domain/state.ts";
import type { AggregateKind } from "../../libs/domain/model.ts";
import type { BusMessage } from "../../libs/bus/read.ts";
import { EVENTS_STREAM } from "../../libs/bus/streams.ts";
import { boundOf, readLog, type AuditDeps, type ReadOptions } from "./event-log.ts";

/** An event the fold did not take, and why. */
export interface SkippedEvent {
  readonly seq: number;
  readonly subject: string;
  readonly code: string;
  readonly message: string;
}

export const MAX_SKIPPED = 1_000;

/** Collects skipped events (the first MAX_SKIPPED, the rest counted). */
export class SkipList {
  readonly items: SkippedEvent[] = [];
  dropped = 0;

  private readonly seen = new Set<number>();

  /** Adds one skipped event; the same sequence twice is kept once. */
  add(s: SkippedEvent): void {
    if (this.seen.has(s.seq)) return;
    this.seen.add(s.seq);
    if (this.items.length < MAX_SKIPPED) this.items.push(s);
    else this.dropped++;
  }
}

/**
 * Folds one message into `state`, decoding it fully (`validate`) or structurally;
 * what does not decode is added to `skipped` and not applied (false).
 */
export function foldMessage(
  state: WritableFoldState,
  m: BusMessage,
  skipped: SkipList,
  subjects: Map<string, ReturnType<typeof parseSubject>>,
  validate: boolean,
): boolean {
  let expected = subjects.get(m.subject);
  if (expected === undefined) {
    expected = parseSubject(m.subject);
    subjects.set(m.subject, expected);
  }
  if (expected === null) {
    skipped.add({
      seq: m.seq,
      subject: m.subject,
      code: "bad_subject",
      message: "not an event subject",
    });
    return false;
  }
  let event: LbEvent;
  try {
    event = validate ? decodeEvent(m.data, expected) : decodeEventUnvalidated(m.data, expected);
  } catch (err) {
    if (!isDecodeError(err)) throw err;
    const message = headline(err);
    skipped.add({ seq: m.seq, subject: m.subject, code: err.code, message });
    return false;
  }
  applyEvent(state, { seq: m.seq, event });
  return true;
}

/** A state at a point and how it was reached. */
export interface PointState {
  readonly state: WritableFoldState;
  /** Events read (including skipped ones). */
  readonly events: number;
  /** Storage time of the last event read, or null when none. */
  readonly lastTime: Date | null;
  readonly skipped: SkipList;
}

type AnyRecord = AggregateRecord<unknown>;

const BODY_OF_KIND: Readonly<Record<AggregateKind, EventType>> = {
  service: "ServiceUpserted",
  endpoints: "EndpointsReplaced",
  policy: "PolicyUpserted",
};

function tableOf(state: WritableFoldState, kind: AggregateKind): Map<string, AnyRecord> {
  return kind === "service"
    ? state.services
    : kind === "endpoints"
      ? state.endpoints
      : state.policies;
}

/**
 * Validates every live spec of `state` with today's rules, replacing each by its
 * canonical form; returns the aggregates whose spec fails (to be re-read exactly).
 */
function validateLive(state: WritableFoldState): Array<{ kind: AggregateKind; id: string }> {
  const failed: Array<{ kind: AggregateKind; id: string }> = [];
  for (const kind of ["service", "endpoints", "policy"] as const) {
    const table = tableOf(state, kind);
    for (const [id, r] of table) {
      if (r.spec === null) continue;
      const meta = { kind, id, group: r.group } as EventMeta;
      const { body } = checkBody(meta, BODY_OF_KIND[kind], r.spec);
      if (body !== null && "spec" in body) table.set(id, { ...r, spec: body.spec });
      else failed.push({ kind, id });
    }
  }
  return failed;
}

/**
 * Re-reads aggregate {kind, id} up to `point` with full validation (invalid events
 * skipped and listed) and puts its last valid record into `state` (or removes it
 * when no event of it is valid).
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
  const subjects = new Map<string, ReturnType<typeof parseSubject>>();
  await readLog(deps, EVENTS_STREAM, filter, boundOf(point), "reread", {}, (m) => {
    foldMessage(mini, m, skipped, subjects, true);
  });
  const record = tableOf(mini, agg.kind).get(agg.id);
  const table = tableOf(state, agg.kind);
  if (record === undefined) table.delete(agg.id);
  else table.set(agg.id, record);
}

/**
 * The state at `point` of the events matching `filter` (`lbaas.evt.>` or one
 * group's `lbaas.evt.<group>.>`). Events that cannot be decoded are skipped and
 * listed (as a gateway skips them); anomalies of the fold are in `state.anomalies`.
 * A point before the first event gives the empty state. Failures: libs/bus errors.
 */
export async function replayState(
  deps: AuditDeps,
  point: LogPoint,
  filter: string,
  opts: ReadOptions = {},
): Promise<PointState> {
  const state = initialState();
  const skipped = new SkipList();
  const subjects = new Map<string, ReturnType<typeof parseSubject>>();
  let lastTime: Date | null = null;
  const events = await readLog(deps, EVENTS_STREAM, filter, boundOf(point), "replay", opts, (m) => {
    lastTime = m.time;
    foldMessage(state, m, skipped, subjects, false);
  });
  const p: PointState = { state, events, lastTime, skipped };
  await finishState(deps, p, point);
  return p;
}

/**
 * Completes a state folded with structural decoding up to `point`: validates every
 * live spec (canonical form kept) and re-reads exactly each aggregate whose spec
 * fails, then sorts the skipped list by sequence.
 */
export async function finishState(deps: AuditDeps, p: PointState, point: LogPoint): Promise<void> {
  for (const agg of validateLive(p.state))
    await rereadExactly(deps, p.state, agg, point, p.skipped);
  p.skipped.items.sort((a, b) => a.seq - b.seq);
}
