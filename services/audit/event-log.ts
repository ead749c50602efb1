// Reading the logs for audit: bounded replays of LBAAS_EVENTS and LBAAS_STATUS
// through libs/bus (ordered consumers, nothing acknowledged, nothing written).
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import {
  lastSequence,
  replayEach,
  type BusMessage,
  type MessageView,
  type ReplayBound,
} from "../../libs/bus/read.ts";
import type { LogPoint } from "../../libs/audit/point.ts";
import { ProgressMeter, type ProgressListener } from "./progress.ts";

/** What the audit queries need: a JetStream client and manager on one connection. */
export interface AuditDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/** Options of every read. */
export interface ReadOptions {
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** The replay bound of a point. */
export function boundOf(point: LogPoint): ReplayBound {
  return "seq" in point ? { toSeq: point.seq } : { toTime: new Date(point.time) };
}

/**
 * Calls `visit` with every message of `stream` matching `filter` up to `bound`, in
 * order; `visit` returning "stop" ends the read early (the consumer is removed).
 * The message is a view valid during the call only (libs/bus `replayEach`): keep
 * `keptMessage(m)` to hold on to one. Returns the number of messages visited.
 * Failures: libs/bus `BusError`s, or what `visit` throws.
 */
export async function readLog(
  deps: AuditDeps,
  stream: string,
  filter: string,
  bound: ReplayBound,
  phase: string,
  opts: ReadOptions,
  visit: (m: MessageView) => void | "stop",
): Promise<number> {
  const head = await lastSequence(deps.jsm, stream, filter);
  const total = "toSeq" in bound ? Math.min(bound.toSeq, head) : head;
  const meter = new ProgressMeter(phase, total, opts.onProgress);
  if (head === 0) {
    meter.finish();
    return 0;
  }
  const signal = opts.signal === undefined ? {} : { signal: opts.signal };
  await replayEach(
    deps.js,
    stream,
    filter,
    bound,
    (m) => {
      meter.tick();
      return visit(m);
    },
    signal,
  );
  meter.finish();
  return meter.count;
}

/** A copy of a visited message that stays valid after the visit (headers parsed now). */
export function keptMessage(m: MessageView): BusMessage {
  return { seq: m.seq, subject: m.subject, data: m.data, time: m.time, headers: m.headers };
}

/** The last sequence of `filter` in `stream` (0 when none). */
export function headOf(deps: AuditDeps, stream: string, filter: string): Promise<number> {
  return lastSequence(deps.jsm, stream, filter);
}
