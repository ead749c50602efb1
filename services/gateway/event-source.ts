// The NATS edge of the gateway: bootstrap from the last event of every subject of
// the group, then follow from the next sequence, forever, feeding the apply loop.
//
// - One filter subject `lbaas.evt.<group>.>` (2.9.10 has no filter arrays): the
//   server never delivers events of other groups.
// - Bootstrap reads into memory first and folds only a complete read: a read cut
//   by a server restart starts over instead of folding half a snapshot twice.
// - Following starts at loop.nextSeq (one past the last delivered message) and
//   libs/bus followFrom keeps its own cursor through reconnects and server
//   restarts (no gap, no duplicate). Should the follower itself fail, it is
//   reopened at loop.nextSeq after a backoff: the gateway never exits for it.
import type { JetStreamClient } from "@nats-io/jetstream";
import { setTimeout as sleep } from "node:timers/promises";
import { followFrom, type Follower } from "../../libs/bus/follow.ts";
import { readLastPerSubject } from "../../libs/bus/read.ts";
import { EVENTS_STREAM } from "../../libs/bus/streams.ts";
import { groupFilterOf } from "../../libs/events/event.ts";
import type { ApplyLoop } from "./apply-loop.ts";
import { retryDelayMs } from "./backoff.ts";
import { toIncoming, type RawMessage } from "./incoming.ts";

export interface EventSourceOptions {
  readonly js: JetStreamClient;
  readonly group: string;
  readonly loop: ApplyLoop;
  readonly signal: AbortSignal;
  /** Called when a read fails and will be retried (for logs). */
  readonly onReadError?: (err: unknown, phase: "bootstrap" | "follow", retryMs: number) => void;
  /** Called once per bootstrap with what it read. */
  readonly onBootstrapRead?: (info: { messages: number; lastSeq: number; ms: number }) => void;
}

const RETRY = { baseMs: 250, maxMs: 10_000 };

/**
 * Reads the last event of every subject of the group (retrying until it works or
 * the signal aborts), folds it into the loop and runs its first (full) apply.
 * Resolves false when aborted before the read completed.
 */
export async function bootstrap(o: EventSourceOptions): Promise<boolean> {
  const filter = groupFilterOf(o.group);
  for (let attempt = 1; !o.signal.aborted; attempt++) {
    const started = performance.now();
    const read: RawMessage[] = [];
    try {
      for await (const m of readLastPerSubject(o.js, EVENTS_STREAM, filter, { signal: o.signal }))
        read.push({ seq: m.seq, subject: m.subject, data: m.data });
    } catch (err) {
      const delay = retryDelayMs(attempt, RETRY);
      o.onReadError?.(err, "bootstrap", delay);
      await sleep(delay, undefined, { signal: o.signal }).catch(() => undefined);
      continue;
    }
    if (o.signal.aborted) return false;
    o.onBootstrapRead?.({
      messages: read.length,
      lastSeq: read.at(-1)?.seq ?? 0,
      ms: performance.now() - started,
    });
    for (const m of read) o.loop.offer(toIncoming(m, o.group));
    read.length = 0;
    await o.loop.completeBootstrap();
    return true;
  }
  return false;
}

/** Lets the owner of a running follow() reopen its follower. */
export interface FollowControl {
  /** Reopens the follower at loop.nextSeq (e.g. when it stalled). */
  restart(): void;
}

/**
 * Follows the group's events from loop.nextSeq until the signal aborts, handing
 * every message to the loop; `control` receives a handle to reopen the follower.
 * Resolves when aborted; never rejects.
 */
export async function follow(
  o: EventSourceOptions & {
    /** Per delivered message: its sequence and how many of the group's events followed it then. */
    readonly onDelivered?: (seq: number, pending: number) => void;
    readonly control?: (c: FollowControl) => void;
  },
): Promise<void> {
  const filter = groupFilterOf(o.group);
  let failures = 0;
  let current: Follower | null = null;
  let restarting = false;
  o.control?.({
    restart: () => {
      restarting = true;
      current?.stop();
    },
  });
  while (!o.signal.aborted) {
    try {
      restarting = false;
      current = followFrom(o.js, EVENTS_STREAM, filter, o.loop.nextSeq, { signal: o.signal });
      for await (const m of current) {
        failures = 0;
        o.onDelivered?.(m.seq, current.pending);
        o.loop.offer(toIncoming(m, o.group));
      }
      if (restarting || o.signal.aborted) continue;
      throw new Error("the follower ended without being stopped");
    } catch (err) {
      failures += 1;
      const delay = retryDelayMs(failures, RETRY);
      o.onReadError?.(err, "follow", delay);
      await sleep(delay, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}
