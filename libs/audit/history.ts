// The history of one aggregate: every event of its subject(s), oldest first, with its
// envelope (who, why, which request), its stream position and what it changed.
//
// Events that fail today's validation are still shown with what they wrote (an
// auditor wants to see it) and the problems; bytes that are not an event at all are
// shown as unreadable. Versions are checked for gaps on the way. Pure.
import type { AggregateKind } from "../domain/model.ts";
import { formatProblem } from "../domain/errors.ts";
import { decodeEvent } from "../events/codec.ts";
import { isDecodeError } from "../events/errors.ts";
import { parseSubject, type EventType, type LbEvent } from "../events/event.ts";
import { decodeEventUnvalidated } from "./fast-decode.ts";
import { diffFields, type FieldChange } from "./field-diff.ts";
import { headline, type LogMessage } from "./log-message.ts";

export type HistoryChange = "created" | "updated" | "deleted" | "unreadable";

/** One event of the history. */
export interface HistoryEntry {
  readonly seq: number;
  /** When the stream stored it (ISO 8601). */
  readonly storedAt: string;
  readonly subject: string;
  readonly change: HistoryChange;
  /** Null for unreadable bytes. */
  readonly version: number | null;
  readonly type: EventType | null;
  readonly group: string | null;
  readonly schemaVersion: number | null;
  /** The writer's clock (ISO 8601), null when unreadable. */
  readonly occurredAt: string | null;
  readonly eventId: string;
  readonly actor: string;
  readonly reason: string;
  readonly correlationId: string;
  /** Field changes against the previous readable version (empty for a delete). */
  readonly changes: readonly FieldChange[];
  /** The spec this event wrote (null for a tombstone or unreadable bytes). */
  readonly spec: unknown;
  /** What is wrong with this event, if anything (decode errors, version gaps). */
  readonly problems: readonly string[];
}

export interface History {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly entries: readonly HistoryEntry[];
  /** Version of the last readable event; 0 when there is none. */
  readonly version: number;
  /** True when the last readable event is not a tombstone. */
  readonly live: boolean;
}

/** Decodes with today's rules, falling back to the unvalidated content with its problems. */
function readEvent(m: LogMessage): { event: LbEvent | null; problems: string[] } {
  const expected = parseSubject(m.subject);
  if (expected === null)
    return { event: null, problems: [`subject ${m.subject} is not an event subject`] };
  try {
    return { event: decodeEvent(m.data, expected), problems: [] };
  } catch (err) {
    if (!isDecodeError(err)) throw err;
    const why = [`${err.code}: ${headline(err)}`, ...err.problems.map(formatProblem)];
    if (err.code !== "invalid_event") return { event: null, problems: why };
    try {
      return { event: decodeEventUnvalidated(m.data, expected), problems: why };
    } catch {
      return { event: null, problems: why };
    }
  }
}

/**
 * Builds the history of aggregate {kind, id} from its messages in stream order
 * (messages of other aggregates must not be passed). No messages → no entries,
 * version 0. Never throws for bad bytes: they become `unreadable` entries.
 */
export function buildHistory(
  kind: AggregateKind,
  id: string,
  messages: Iterable<LogMessage>,
): History {
  const entries: HistoryEntry[] = [];
  let previous: unknown = undefined; // the last spec written; undefined = none / tombstone
  let version = 0;
  let live = false;
  for (const m of messages) {
    const { event, problems } = readEvent(m);
    const base = { seq: m.seq, storedAt: m.time.toISOString(), subject: m.subject };
    if (event === null) {
      entries.push({
        ...base,
        change: "unreadable",
        version: null,
        type: null,
        group: null,
        schemaVersion: null,
        occurredAt: null,
        eventId: "",
        actor: "",
        reason: "",
        correlationId: "",
        changes: [],
        spec: null,
        problems,
      });
      continue;
    }
    const { meta, body } = event;
    if (meta.version !== version + 1)
      problems.push(
        meta.version > version + 1
          ? `version gap: v${meta.version} follows v${version} (v${version + 1}-${meta.version - 1} missing)`
          : `version regression: v${meta.version} follows v${version}`,
      );
    const spec = "spec" in body ? (body.spec as unknown) : undefined;
    const change: HistoryChange =
      spec === undefined ? "deleted" : previous === undefined ? "created" : "updated";
    entries.push({
      ...base,
      change,
      version: meta.version,
      type: body.type,
      group: meta.group,
      schemaVersion: meta.schemaVersion,
      occurredAt: new Date(meta.occurredAt).toISOString(),
      eventId: meta.eventId,
      actor: meta.actor,
      reason: meta.reason,
      correlationId: meta.correlationId,
      changes: spec === undefined || previous === undefined ? [] : diffFields(previous, spec),
      spec: spec ?? null,
      problems,
    });
    previous = spec;
    version = meta.version;
    live = spec !== undefined;
  }
  return { kind, id, entries, version, live };
}
