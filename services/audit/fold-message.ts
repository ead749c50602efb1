// Folding one stored message into a state, in one of two ways:
// - "full": `decodeEvent` (protobuf, upcast, today's validation), as a gateway does;
// - "scan": the envelope only (libs/audit/envelope-scan.ts); an upsert's spec is left
//   as the event's BYTES in the state, to be decoded and validated at the end, once
//   per live aggregate (replay-state.ts `finishState`).
// Either way, what does not decode is listed as skipped and not applied.
import { scanEvent, scanTarget, type ScanTarget } from "../../libs/audit/envelope-scan.ts";
import { headline } from "../../libs/audit/log-message.ts";
import type { AggregateKind } from "../../libs/domain/model.ts";
import {
  applyEvent,
  type AggregateRecord,
  type WritableFoldState,
} from "../../libs/domain/state.ts";
import { decodeEvent } from "../../libs/events/codec.ts";
import { isDecodeError } from "../../libs/events/errors.ts";
import { parseSubject, type EventBody, type LbEvent } from "../../libs/events/event.ts";
import type { BusMessage } from "../../libs/bus/read.ts";

/** An event the fold did not take, and why. */
export interface SkippedEvent {
  readonly seq: number;
  readonly subject: string;
  readonly code: string;
  readonly message: string;
}

export const MAX_SKIPPED = 1_000;

/** Collects skipped events (the first MAX_SKIPPED, the rest counted; one entry per sequence). */
export class SkipList {
  readonly items: SkippedEvent[] = [];
  dropped = 0;
  private readonly seen = new Set<number>();

  add(s: SkippedEvent): void {
    if (this.seen.has(s.seq)) return;
    this.seen.add(s.seq);
    if (this.items.length < MAX_SKIPPED) this.items.push(s);
    else this.dropped++;
  }
}

/** Subject → its aggregate (null: not an event subject), parsed once per subject. */
export type SubjectCache = Map<string, ScanTarget | null>;

function targetOf(subjects: SubjectCache, subject: string): ScanTarget | null {
  let t = subjects.get(subject);
  if (t === undefined) {
    const p = parseSubject(subject);
    t = p === null ? null : scanTarget(p.kind, p.group, p.id);
    subjects.set(subject, t);
  }
  return t;
}

/** Marks an upsert's spec as not yet decoded: the event's bytes stand in for it. */
export function isPendingSpec(spec: unknown): spec is Uint8Array {
  return spec instanceof Uint8Array;
}

/**
 * Folds message `m` into `state` (see the file comment for `mode`). Returns false,
 * with an entry in `skipped`, when the message is not applied. Never throws for bad
 * bytes.
 */
export function foldMessage(
  state: WritableFoldState,
  m: BusMessage,
  skipped: SkipList,
  subjects: SubjectCache,
  mode: "full" | "scan",
): boolean {
  const target = targetOf(subjects, m.subject);
  if (target === null) {
    skipped.add({
      seq: m.seq,
      subject: m.subject,
      code: "bad_subject",
      message: "not an event subject",
    });
    return false;
  }
  if (mode === "scan") {
    const r = scanEvent(m.data, target);
    if (r.ok) {
      const meta = {
        eventId: "",
        kind: target.kind,
        id: target.id,
        group: target.group,
        version: r.version,
        schemaVersion: 0,
        occurredAt: 0,
        actor: "",
        reason: "",
        correlationId: "",
      };
      const body = (
        r.type === "ServiceUpserted" ||
        r.type === "EndpointsReplaced" ||
        r.type === "PolicyUpserted"
          ? { type: r.type, spec: m.data }
          : { type: r.type }
      ) as EventBody;
      applyEvent(state, { seq: m.seq, event: { meta, body } });
      return true;
    }
    // Refused by the scan (rare): the codec gives the exact reason, and has the last word.
  }
  let event: LbEvent;
  try {
    event = decodeEvent(m.data, target);
  } catch (err) {
    if (!isDecodeError(err)) throw err;
    skipped.add({ seq: m.seq, subject: m.subject, code: err.code, message: headline(err) });
    return false;
  }
  applyEvent(state, { seq: m.seq, event });
  return true;
}

/** The table of `state` that holds aggregates of `kind`. */
export function tableOf(
  state: WritableFoldState,
  kind: AggregateKind,
): Map<string, AggregateRecord<unknown>> {
  return kind === "service"
    ? state.services
    : kind === "endpoints"
      ? state.endpoints
      : state.policies;
}
