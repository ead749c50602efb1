// The only place that appends events.
//
// Within one process, writes go through one queue. Single writes waiting together are
// committed as a GROUP: each is decided in turn on the view plus the tentative events
// of the ones before it, and all their events are published as one guarded, chained
// batch (publish.ts). The chain makes a batch land as a contiguous run that stops at
// the first refused event, so every landed event was decided on exactly the state it
// lands on; the refused tail is rolled back and its writes are decided again after
// catching up. A bulk sync is one job of its own.
//
// Groups are PIPELINED: while one group's acknowledgements are on their way, the next
// group is decided on top of its tentative events and sent chained to its last event
// (up to `maxGroupsInFlight` groups). Groups are settled oldest first. When one is
// refused, every later one was decided on a state that did not happen and is refused
// by the stream too (its chain breaks); the writer waits for their answers, rolls them
// back newest first, and decides all their writes again after catching up, one group
// at a time until they are through.
//
// Across processes the guards make the first writer win; the other catches up and
// decides again (up to `maxAttempts`), so a write that stated no expected version
// still lands, and one that did gets a 409 when it is stale.
import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { AckInbox } from "../../libs/bus/ack-inbox.ts";
import type { Logger } from "pino";
import { messageIdOf, type LbEvent } from "../../libs/events/event.ts";
import type { Command, DecideConfig, WriteContext } from "./decide/decide.ts";
import type { SyncOptions } from "./decide/sync.ts";
import { runSync, type SyncJobContext } from "./sync-job.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { PUBLISH_WINDOW, publishInOrder, type PublishOutcome } from "./publish.ts";
import { afterFailure } from "./retry.ts";
import type { Refusal, Stamp, SyncOutcome, WriteOutcome } from "./write-outcome.ts";
import type { Tentative, View } from "./view.ts";
import {
  answerLanded,
  decideGroup,
  landedOf,
  refuseAll,
  settleView,
  type DecidedGroup,
  type GroupContext,
  type Unfinished,
  type WriteJob,
} from "./write-group.ts";

export interface WriterOptions {
  readonly js: JetStreamClient;
  /** Shared acknowledgement subscription for appends (default: one request per append). */
  readonly inbox?: AckInbox;
  readonly view: View;
  readonly config: DecideConfig;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
  /** Attempts of one write when other writers keep appending first (default 5). */
  readonly maxAttempts?: number;
  /** Most single writes committed as one group (default 256). */
  readonly maxGroup?: number;
  /** Groups sent and not yet acknowledged at once (default 2; 1 = no pipelining). */
  readonly maxGroupsInFlight?: number;
}

interface SyncJob {
  readonly type: "sync";
  readonly run: () => Promise<void>;
}

/** A group whose events were applied tentatively and sent. */
interface SentGroup extends DecidedGroup {
  /** The attempt this is for its writes (1 = first). */
  readonly attempt: number;
  readonly outcome: Promise<PublishOutcome>;
  /** Set once `outcome` resolved. */
  result: PublishOutcome | null;
}

export class Writer {
  private readonly queue: (WriteJob | SyncJob)[] = [];
  /** Groups sent and not settled yet, oldest first. */
  private readonly inFlight: SentGroup[] = [];
  /** A group start is scheduled for the event loop's check phase. */
  private scheduled = false;
  /** A sync job or the recovery after a refused group runs: nothing else starts. */
  private exclusive = false;
  private readonly o: WriterOptions;

  private readonly groupContext: GroupContext;

  constructor(options: WriterOptions) {
    this.o = options;
    this.groupContext = { ...options, context: (stamp) => this.context(stamp) };
  }

  private context(stamp: Stamp): WriteContext {
    return { now: Date.now(), ...stamp, newEventId: randomUUID };
  }

  private jobContext(): SyncJobContext {
    return {
      view: this.o.view,
      config: this.o.config,
      context: (stamp) => this.context(stamp),
      notReady: () => this.notReady(),
      publish: async (t, events) => {
        const out = await this.send(t, events, null);
        return { out, landed: settleView(this.o, t, events, out) };
      },
      afterFailure: (error, attempt) => this.afterFailure(error, attempt),
    };
  }

  private notReady(): Refusal | null {
    return this.o.view.ready
      ? null
      : {
          outcome: "unavailable",
          message: "the view is still replaying the event stream; retry shortly",
        };
  }

  /** True when the next queued job may start now. */
  private canStart(): boolean {
    const head = this.queue[0];
    if (head === undefined || this.exclusive) return false;
    // A sync runs alone; a new group is chained to the groups in flight.
    if (head.type === "sync") return this.inFlight.length === 0;
    // A group of PUBLISH_WINDOW events or more is still being sent after it started.
    const last = this.inFlight.at(-1);
    if (last !== undefined && last.events.length >= PUBLISH_WINDOW) return false;
    return this.inFlight.length < (this.o.maxGroupsInFlight ?? 2);
  }

  /**
   * Starts the next job if it may start. A group is gathered in the check phase of
   * the event loop (setImmediate), after every request read in the same poll phase
   * has queued its write: a bigger group costs one socket write to NATS instead of
   * several, and waits less than a millisecond for it.
   */
  private pump(): void {
    if (this.scheduled || !this.canStart()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.canStart()) this.startNext();
    });
  }

  private startNext(): void {
    const head = this.queue[0] as WriteJob | SyncJob;
    if (head.type === "sync") {
      this.queue.shift();
      this.runExclusively(() => head.run());
      return;
    }
    const jobs: WriteJob[] = [];
    const max = this.o.maxGroup ?? 256;
    while (jobs.length < max && this.queue[0]?.type === "write")
      jobs.push(this.queue.shift() as WriteJob);
    try {
      const group = this.decideAndSend(jobs, 1);
      if (group !== null) {
        this.inFlight.push(group);
        void group.outcome
          .then((r) => {
            group.result = r;
            this.settleInOrder();
          })
          .catch((err: unknown) => {
            // A bug: answer every write in flight rather than leave a request hanging.
            const stuck = this.inFlight.splice(0).flatMap((g) => g.planned.map((p) => p.job));
            this.failed(err, [...group.planned.map((p) => p.job), ...stuck]);
            this.pump();
          });
      }
    } catch (err) {
      this.failed(err, jobs);
    }
    this.pump();
  }

  /**
   * A bug, not an input problem (deciders never throw): answer, keep serving. Writes
   * answered before keep their first answer (a promise settles once).
   */
  private failed(err: unknown, jobs: readonly WriteJob[]): void {
    this.o.logger.error({ err }, "write group failed");
    for (const j of jobs)
      j.resolve({ outcome: "unavailable", message: "internal error; see the server log" });
  }

  private runExclusively(run: () => Promise<void>): void {
    this.exclusive = true;
    void run()
      .catch((err: unknown) => this.o.logger.error({ err }, "write job failed"))
      .finally(() => {
        this.exclusive = false;
        this.pump();
      });
  }

  /**
   * Settles answered groups oldest first. A group that landed whole answers its
   * writes; the first that did not starts the recovery with every later group.
   */
  private settleInOrder(): void {
    if (this.exclusive) return;
    for (let g = this.inFlight[0]; g !== undefined && g.result !== null; g = this.inFlight[0]) {
      this.inFlight.shift();
      const landed = landedOf(g.tentative, g.result);
      if (landed < g.events.length) {
        const later = this.inFlight.splice(0);
        const all = [g, ...later].flatMap((x) => x.planned.map((p) => p.job));
        // recover answers every write; should it fail (a bug), none is left hanging
        // (answering a write twice keeps the first answer).
        this.runExclusively(() =>
          this.recover(g, landed, later).catch((err: unknown) => this.failed(err, all)),
        );
        return;
      }
      this.settle(g, g.result, landed);
    }
    this.pump();
  }

  /**
   * After `group` was not acknowledged whole: waits for the `later` groups (decided on
   * top of it and chained to it: refused too, or of unknown fate after a timeout),
   * takes them back newest first, settles `group`, then catches up and decides every
   * unfinished write again, one group at a time, until all are through or refused.
   */
  private async recover(
    group: SentGroup,
    landed: number,
    later: readonly SentGroup[],
  ): Promise<void> {
    const out = group.result as PublishOutcome;
    const outcomes = await Promise.all(later.map((g) => g.outcome));
    const laterUnfinished: Unfinished[][] = [];
    for (let i = later.length - 1; i >= 0; i--) {
      this.o.metrics.conflicts.inc({ reason: "chained" });
      laterUnfinished[i] = this.settle(later[i] as SentGroup, outcomes[i] as PublishOutcome, 0);
    }
    let unfinished = [...this.settle(group, out, landed), ...laterUnfinished.flat()];
    let error = out.failure?.error ?? new Error("acknowledged out of order");
    for (let attempt = group.attempt; unfinished.length > 0; attempt++) {
      const next = await this.afterFailure(error, attempt);
      if (next !== "retry") return refuseAll(unfinished, next);
      const jobs = unfinished.map((u) => u.job);
      let retried: SentGroup | null;
      try {
        retried = this.decideAndSend(jobs, attempt + 1);
      } catch (err) {
        return this.failed(err, jobs);
      }
      if (retried === null) return;
      const result = await retried.outcome;
      unfinished = this.settle(retried, result, landedOf(retried.tentative, result));
      error = result.failure?.error ?? new Error("acknowledged out of order");
    }
  }

  /**
   * Settles `group`'s publish (`landed` leading events landed where predicted): the view
   * keeps those and rolls back the rest, whole writes are answered; returns the others.
   */
  private settle(group: SentGroup, out: PublishOutcome, landed: number): Unfinished[] {
    settleView(this.o, group.tentative, group.events, out, landed);
    return answerLanded(group.planned, out, landed);
  }

  /**
   * Decides a group (write-group.ts) on top of the groups in flight and sends its
   * events as one batch chained to the last group in flight. Null when no event is
   * to be sent (every write answered already).
   */
  private decideAndSend(jobs: readonly WriteJob[], attempt: number): SentGroup | null {
    const refused = this.notReady();
    if (refused !== null) {
      for (const j of jobs) j.resolve(refused);
      return null;
    }
    const decided = decideGroup(this.groupContext, jobs);
    if (decided === null) return null;
    const outcome = this.send(decided.tentative, decided.events, this.lastInFlightMsgId());
    return { ...decided, attempt, outcome, result: null };
  }

  /** The message id of the last event in flight: the next group chains to it. */
  private lastInFlightMsgId(): string | null {
    const last = this.inFlight.at(-1)?.events.at(-1);
    if (last === undefined) return null;
    const { kind, group, id, version } = last.meta;
    return messageIdOf(kind, group, id, version);
  }

  /** Publishes tentatively applied events (see publishInOrder). */
  private send(
    tentative: Tentative,
    events: readonly LbEvent[],
    chainTo: string | null,
  ): Promise<PublishOutcome> {
    const { view, js, inbox, metrics } = this.o;
    return publishInOrder(
      {
        js,
        ...(inbox !== undefined ? { inbox } : {}),
        position: tentative.previousPosition,
        chainTo,
        observe: (seconds) => metrics.publishDuration.observe({}, seconds),
        onSend: (event, subject, bytes, seq) => view.sending(event, subject, bytes, seq),
      },
      events.map((event, i) => ({
        event,
        expectedLastSubjectSeq: tentative.undo[i]?.mark.subjectSeq ?? 0,
      })),
    );
  }

  private afterFailure(error: unknown, attempt: number): Promise<Refusal | "retry"> {
    const { view, metrics, logger } = this.o;
    return afterFailure(
      { view, metrics, logger, maxAttempts: this.o.maxAttempts ?? 5 },
      error,
      attempt,
    );
  }

  /**
   * Decides `command` and publishes its events (grouped with other waiting writes).
   * Never throws: every failure is an outcome (`invalid`, `version_conflict`,
   * `not_found`, `unavailable`, or `interrupted` when some events of the write were
   * stored and then publishing failed: retrying the same request converges).
   */
  write(command: Command, stamp: Stamp): Promise<WriteOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ type: "write", command, stamp, published: [], resolve });
      this.pump();
    });
  }

  /**
   * Plans the sync of an inventory document and, unless `dryRun`, publishes the plan.
   * Runs alone (no other write in between). Never throws; outcomes as for `write`.
   * After a conflict with another writer the rest is planned again from the
   * caught-up state (events already published then count as unchanged).
   */
  sync(
    doc: unknown,
    options: SyncOptions & { readonly dryRun: boolean },
    stamp: Stamp,
  ): Promise<SyncOutcome> {
    return new Promise((resolve) => {
      const run = async (): Promise<void> => {
        try {
          resolve(await runSync(this.jobContext(), doc, options, stamp));
        } catch (err) {
          this.o.logger.error({ err }, "sync failed");
          resolve({ outcome: "unavailable", message: "internal error; see the server log" });
        }
      };
      this.queue.push({ type: "sync", run });
      this.pump();
    });
  }
}
