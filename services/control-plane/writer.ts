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
import { decide, type Command, type DecideConfig, type WriteContext } from "./decide/decide.ts";
import type { Allocation } from "./decide/decision.ts";
import type { SyncOptions } from "./decide/sync.ts";
import { runSync, type SyncJobContext } from "./sync-job.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { PUBLISH_WINDOW, publishInOrder, type PublishOutcome } from "./publish.ts";
import { afterFailure } from "./retry.ts";
import type { Refusal, Stamp, SyncOutcome, WriteOutcome } from "./write-outcome.ts";
import type { Acknowledged, Tentative, View } from "./view.ts";

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

interface WriteJob {
  readonly type: "write";
  readonly command: Command;
  readonly stamp: Stamp;
  readonly published: Acknowledged[];
  readonly resolve: (o: WriteOutcome) => void;
}

interface SyncJob {
  readonly type: "sync";
  readonly run: () => Promise<void>;
}

/** A write of a group with its events' place in the batch. */
interface Planned {
  readonly job: WriteJob;
  readonly first: number;
  readonly events: readonly LbEvent[];
  readonly allocations: readonly Allocation[];
  readonly created: readonly string[];
}

/** A group whose events were applied tentatively and sent. */
interface SentGroup {
  readonly planned: readonly Planned[];
  readonly events: readonly LbEvent[];
  readonly tentative: Tentative;
  /** The attempt this is for its writes (1 = first). */
  readonly attempt: number;
  readonly outcome: Promise<PublishOutcome>;
  /** Set once `outcome` resolved. */
  result: PublishOutcome | null;
}

/** A write whose events did not (all) land, and those that did not. */
interface Unfinished {
  readonly job: WriteJob;
  readonly notPublished: readonly LbEvent[];
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

  constructor(options: WriterOptions) {
    this.o = options;
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
        return { out, landed: this.settleView(t, events, out) };
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
        void group.outcome.then((r) => {
          group.result = r;
          this.settleInOrder();
        });
      }
    } catch (err) {
      this.failed(err, jobs);
    }
    this.pump();
  }

  /** A bug, not an input problem (deciders never throw): answer, keep serving. */
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
      const landed = this.landedOf(g.tentative, g.result);
      if (landed < g.events.length) {
        const later = this.inFlight.splice(0);
        this.runExclusively(() => this.recover(g, later));
        return;
      }
      this.settleView(g.tentative, g.events, g.result, landed);
      this.answer(g, g.result, landed);
    }
    this.pump();
  }

  /**
   * After `group` was not acknowledged whole: waits for the `later` groups (decided on
   * top of it and chained to it: refused too, or of unknown fate after a timeout),
   * takes them back newest first, settles `group`, then catches up and decides every
   * unfinished write again, one group at a time, until all are through or refused.
   */
  private async recover(group: SentGroup, later: readonly SentGroup[]): Promise<void> {
    const out = group.result as PublishOutcome;
    await Promise.all(later.map((g) => g.outcome));
    for (let i = later.length - 1; i >= 0; i--) {
      const g = later[i] as SentGroup;
      this.o.metrics.conflicts.inc({ reason: "chained" });
      this.settleView(g.tentative, g.events, await g.outcome, 0);
    }
    const landed = this.landedOf(group.tentative, out);
    this.settleView(group.tentative, group.events, out, landed);
    let unfinished = [
      ...this.answer(group, out, landed),
      ...later.flatMap((g) => g.planned.map((p) => ({ job: p.job, notPublished: p.events }))),
    ];
    let error = out.failure?.error ?? new Error("acknowledged out of order");
    for (let attempt = group.attempt; unfinished.length > 0; attempt++) {
      const next = await this.afterFailure(error, attempt);
      if (next !== "retry") return this.refuse(unfinished, next);
      const jobs = unfinished.map((u) => u.job);
      let retried: SentGroup | null;
      try {
        retried = this.decideAndSend(jobs, attempt + 1);
      } catch (err) {
        return this.failed(err, jobs);
      }
      if (retried === null) return;
      const result = await retried.outcome;
      const n = this.landedOf(retried.tentative, result);
      this.settleView(retried.tentative, retried.events, result, n);
      unfinished = this.answer(retried, result, n);
      error = result.failure?.error ?? new Error("acknowledged out of order");
    }
  }

  /** Answers writes that gave up: with `refusal` if nothing of theirs landed, else `interrupted`. */
  private refuse(unfinished: readonly Unfinished[], refusal: Refusal): void {
    for (const { job, notPublished } of unfinished)
      job.resolve(
        job.published.length === 0
          ? refusal
          : {
              outcome: "interrupted",
              message:
                refusal.outcome === "unavailable"
                  ? refusal.message
                  : "another writer appended first",
              published: job.published,
              notPublished,
            },
      );
  }

  /**
   * Decides each job on top of the previous ones' tentative events (and the groups in
   * flight) and sends their events as one batch chained to the last group in flight.
   * Answers at once the writes that publish nothing. Null when no event is to be sent.
   */
  private decideAndSend(jobs: readonly WriteJob[], attempt: number): SentGroup | null {
    const { view, metrics, config } = this.o;
    const refused = this.notReady();
    if (refused !== null) {
      for (const j of jobs) j.resolve(refused);
      return null;
    }
    const start = view.position;
    const planned: Planned[] = [];
    const events: LbEvent[] = [];
    const undo: Tentative["undo"][number][] = [];
    for (const job of jobs) {
      const d = decide(job.command, view, config, this.context(job.stamp));
      if (d.outcome === "version_conflict") {
        metrics.conflicts.inc({ reason: "expected_version" });
        job.resolve({
          outcome: d.outcome,
          kind: d.kind,
          id: d.id,
          currentVersion: d.currentVersion,
        });
        continue;
      }
      if (d.outcome !== "events") {
        job.resolve(d);
        continue;
      }
      if (d.events.length === 0) {
        job.resolve({
          outcome: "done",
          published: job.published,
          allocations: d.allocations,
          created: [],
        });
        continue;
      }
      const t = view.applyTentative(
        d.events.map((event, i) => ({ event, seq: start + events.length + i + 1 })),
      );
      planned.push({
        job,
        first: events.length,
        events: d.events,
        allocations: d.allocations,
        created: d.created,
      });
      events.push(...d.events);
      undo.push(...t.undo);
    }
    if (events.length === 0) return null;
    const tentative = { undo, previousPosition: start };
    const outcome = this.send(tentative, events, this.lastInFlightMsgId());
    return { planned, events, tentative, attempt, outcome, result: null };
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

  /** How many leading events landed where they were predicted to. */
  private landedOf(tentative: Tentative, out: PublishOutcome): number {
    let landed = 0;
    while (
      landed < out.prefix &&
      out.published[landed]?.seq === tentative.previousPosition + landed + 1
    )
      landed++;
    return landed;
  }

  /**
   * Settles the view after a publish: rolls back what did not land (from `landed`
   * on), hands the acknowledged ones to the follower. Returns `landed`.
   */
  private settleView(
    tentative: Tentative,
    events: readonly LbEvent[],
    out: PublishOutcome,
    landed = this.landedOf(tentative, out),
  ): number {
    const { view, metrics } = this.o;
    if (landed < events.length) view.rollback(tentative, landed);
    view.confirm(out.published.slice(0, landed));
    for (const { event } of out.published)
      metrics.eventsPublished.inc({ kind: event.meta.kind, type: event.body.type });
    return landed;
  }

  /** Answers the writes of `group` whose events all landed; returns the others. */
  private answer(group: SentGroup, out: PublishOutcome, landed: number): Unfinished[] {
    const unfinished: Unfinished[] = [];
    for (const p of group.planned) {
      const mine = Math.min(Math.max(landed - p.first, 0), p.events.length);
      p.job.published.push(...out.published.slice(p.first, p.first + mine));
      if (mine === p.events.length)
        p.job.resolve({
          outcome: "done",
          published: p.job.published,
          allocations: p.allocations,
          created: p.created,
        });
      else unfinished.push({ job: p.job, notPublished: p.events.slice(mine) });
    }
    return unfinished;
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
