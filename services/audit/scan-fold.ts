// The "scan" fold of a whole replay (replay-state.ts), built for 1M events: the
// same result as `foldMessage(state, m, …, "scan")` for every message, at a
// fraction of the cost.
//
// Per message: one lookup of the subject (its aggregate's running record), the
// envelope scan, and — when the event simply follows its aggregate (next
// sequence, next version, same group) — four fields written in place. No event,
// record or map entry is built per event. Anything else (a scan refusal, a bad
// subject, a version gap or regression, a stale sequence, a group change) takes
// the exact path: `foldMessage` on a one-aggregate state, so skips and anomalies
// are those of the shared fold by construction.
import { scanEvent, scanTarget, type ScanTarget } from "../../libs/audit/envelope-scan.ts";
import type { BusMessage } from "../../libs/bus/read.ts";
import type { AggregateKind } from "../../libs/domain/model.ts";
import {
  initialState,
  type AggregateRecord,
  type Anomaly,
  type WritableFoldState,
} from "../../libs/domain/state.ts";
import { parseSubject } from "../../libs/events/event.ts";
import { foldMessage, tableOf, type SkipList, type SubjectCache } from "./fold-message.ts";

/** The running record of one aggregate {kind, id}; `present` once an event applied. */
interface Running {
  readonly kind: AggregateKind;
  readonly id: string;
  present: boolean;
  group: string;
  version: number;
  seq: number;
  /** null (tombstone), PENDING (the upsert's event bytes are in `bytes`), or a decoded spec. */
  spec: unknown;
  /** The last upsert's event bytes, copied (first `length` bytes; the buffer is reused). */
  bytes: Uint8Array;
  length: number;
}

/**
 * The spec is the event bytes held in `Running.bytes`. Copying them (~0.1 µs for a few
 * hundred bytes) instead of keeping the client's buffer view keeps young objects from
 * being pinned by this long-lived record (they would survive collections: GC time).
 */
const PENDING = Symbol("pending");

/** A subject's scan target and its aggregate's running record. */
interface Slot {
  readonly target: ScanTarget;
  readonly agg: Running;
}

type AnyRecord = AggregateRecord<unknown>;

/** Folds messages in stream order, like `foldMessage` in "scan" mode; read with `state()`. */
export class ScanFold {
  private readonly slots = new Map<string, Slot | null>();
  private readonly aggs = new Map<string, Running>();
  /** Aggregates in the order of their first applied event (the fold's map order). */
  private readonly order: Running[] = [];
  private readonly subjects: SubjectCache = new Map();
  private readonly skipped: SkipList;
  private lastSeq = 0;
  private anomalies: Anomaly[] = [];
  private anomaliesDropped = 0;

  constructor(skipped: SkipList) {
    this.skipped = skipped;
  }

  /** Folds `m` (read only during the call). Never throws for bad bytes. */
  add(m: BusMessage): void {
    let slot = this.slots.get(m.subject);
    if (slot === undefined) slot = this.slotOf(m.subject);
    if (slot !== null) {
      const r = scanEvent(m.data, slot.target);
      const a = slot.agg;
      const seq = m.seq;
      if (
        r.ok &&
        seq > this.lastSeq &&
        Number.isSafeInteger(seq) &&
        r.version === a.version + 1 &&
        (a.spec === null || a.group === slot.target.group)
      ) {
        if (!a.present) {
          a.present = true;
          this.order.push(a);
        }
        this.lastSeq = seq;
        a.group = slot.target.group;
        a.version = r.version;
        a.seq = seq;
        if (
          r.type === "ServiceUpserted" ||
          r.type === "EndpointsReplaced" ||
          r.type === "PolicyUpserted"
        ) {
          const data = m.data;
          if (a.bytes.length < data.length) a.bytes = new Uint8Array(data.length + 64);
          a.bytes.set(data);
          a.length = data.length;
          a.spec = PENDING;
        } else a.spec = null;
        return;
      }
    }
    this.exact(m, slot);
  }

  /** The folded state (new maps; the fold may go on afterwards). */
  state(): WritableFoldState {
    const state = initialState();
    for (const a of this.order) tableOf(state, a.kind).set(a.id, recordOf(a));
    state.lastSeq = this.lastSeq;
    state.anomalies = [...this.anomalies];
    state.anomaliesDropped = this.anomaliesDropped;
    return state;
  }

  private slotOf(subject: string): Slot | null {
    const p = parseSubject(subject);
    let slot: Slot | null = null;
    if (p !== null) {
      const key = `${p.kind}/${p.id}`;
      let agg = this.aggs.get(key);
      if (agg === undefined) {
        agg = {
          kind: p.kind,
          id: p.id,
          present: false,
          group: p.group,
          version: 0,
          seq: 0,
          spec: null,
          bytes: NO_BYTES,
          length: 0,
        };
        this.aggs.set(key, agg);
      }
      slot = { target: scanTarget(p.kind, p.group, p.id), agg };
    }
    this.slots.set(subject, slot);
    return slot;
  }

  /** The shared fold on a state holding only `slot`'s aggregate; results copied back. */
  private exact(m: BusMessage, slot: Slot | null): void {
    const mini = initialState();
    mini.lastSeq = this.lastSeq;
    mini.anomalies = this.anomalies;
    mini.anomaliesDropped = this.anomaliesDropped;
    const a = slot?.agg;
    if (a?.present === true) tableOf(mini, a.kind).set(a.id, recordOf(a));
    foldMessage(mini, m, this.skipped, this.subjects, "scan");
    this.lastSeq = mini.lastSeq;
    this.anomaliesDropped = mini.anomaliesDropped;
    if (a === undefined) return;
    const r = tableOf(mini, a.kind).get(a.id);
    if (r === undefined) return;
    if (!a.present) {
      a.present = true;
      this.order.push(a);
    }
    a.group = r.group;
    a.version = r.version;
    a.seq = r.seq;
    a.spec = r.spec;
  }
}

const NO_BYTES = new Uint8Array(0);

/** The fold's record of `a`; a pending spec is a copy of the event bytes (exact length). */
function recordOf(a: Running): AnyRecord {
  const spec = a.spec === PENDING ? a.bytes.slice(0, a.length) : a.spec;
  return { kind: a.kind, id: a.id, group: a.group, version: a.version, seq: a.seq, spec };
}
