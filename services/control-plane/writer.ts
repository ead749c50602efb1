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
// Across processes the guards make the first writer win; the other catches up and
// decides again (up to `maxAttempts`), so a write that stated no expected version
// still lands, and one that did gets a 409 when it is stale.
import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { AckInbox } from "../../libs/bus/ack-inbox.ts";
import type { Logger } from "pino";
import type { LbEvent } from "../../libs/events/event.ts";
import { decide, type Command, type DecideConfig, type WriteContext } from "./decide/decide.ts";
import type { Allocation } from "./decide/decision.ts";
import type { SyncOptions } from "./decide/sync.ts";
import { runSync, type SyncJobContext } from "./sync-job.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { publishInOrder, type PublishOutcome } from "./publish.ts";
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

/** A write of the current group with its events' place in the batch. */
interface Planned {
  readonly job: WriteJob;
  readonly first: number;
  readonly events: readonly LbEvent[];
  readonly allocations: readonly Allocation[];
  readonly created: readonly string[];
}

export class Writer {
  private readonly queue: (WriteJob | SyncJob)[] = [];
  private pumping = false;
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
      publish: (t, events) => this.publish(t, events),
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

  /**
   * Runs queued jobs one group (or one sync) at a time until the queue is empty. Each
   * group is gathered in the check phase of the event loop (setImmediate), after every
   * request read in the same poll phase has queued its write: a bigger group costs one
   * socket write to NATS instead of several, and waits less than a millisecond for it.
   */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.queue.length > 0) {
          await new Promise((resolve) => setImmediate(resolve));
          const head = this.queue[0] as WriteJob | SyncJob;
          if (head.type === "sync") {
            this.queue.shift();
            await head.run().catch((err: unknown) => this.o.logger.error({ err }, "sync failed"));
            continue;
          }
          const group: WriteJob[] = [];
          const max = this.o.maxGroup ?? 256;
          while (group.length < max && this.queue[0]?.type === "write")
            group.push(this.queue.shift() as WriteJob);
          await this.commit(group).catch((err: unknown) => {
            // A bug, not an input problem (deciders never throw): answer, keep serving.
            this.o.logger.error({ err }, "write group failed");
            for (const j of group)
              j.resolve({ outcome: "unavailable", message: "internal error; see the server log" });
          });
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  /**
   * Publishes tentatively applied events and settles the view: rolls back what did
   * not land, hands the acknowledged ones to the follower. Returns how many leading
   * events landed where predicted.
   */
  private async publish(
    tentative: Tentative,
    events: readonly LbEvent[],
  ): Promise<{ out: PublishOutcome; landed: number }> {
    const { view, js, inbox, metrics } = this.o;
    const out = await publishInOrder(
      {
        js,
        ...(inbox !== undefined ? { inbox } : {}),
        position: tentative.previousPosition,
        observe: (seconds) => metrics.publishDuration.observe({}, seconds),
        onSend: (event, subject, bytes, seq) => view.sending(event, subject, bytes, seq),
      },
      events.map((event, i) => ({
        event,
        expectedLastSubjectSeq: tentative.undo[i]?.mark.subjectSeq ?? 0,
      })),
    );
    let landed = 0;
    while (
      landed < out.prefix &&
      out.published[landed]?.seq === tentative.previousPosition + landed + 1
    )
      landed++;
    if (landed < events.length) view.rollback(tentative, landed);
    view.confirm(out.published.slice(0, landed));
    for (const { event } of out.published)
      metrics.eventsPublished.inc({ kind: event.meta.kind, type: event.body.type });
    return { out, landed };
  }

  private afterFailure(error: unknown, attempt: number): Promise<Refusal | "retry"> {
    const { view, metrics, logger } = this.o;
    return afterFailure(
      { view, metrics, logger, maxAttempts: this.o.maxAttempts ?? 5 },
      error,
      attempt,
    );
  }

  /** Decides each job on top of the previous ones' tentative events, publishes them as one batch. */
  private async commit(jobs: readonly WriteJob[]): Promise<void> {
    const { view, metrics, config } = this.o;
    let pending = jobs;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const refused = this.notReady();
      if (refused !== null) return pending.forEach((j) => j.resolve(refused));
      const start = view.position;
      const planned: Planned[] = [];
      const events: LbEvent[] = [];
      const undo: Tentative["undo"][number][] = [];
      for (const job of pending) {
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
      if (events.length === 0) return;
      const { out, landed } = await this.publish({ undo, previousPosition: start }, events);
      const retry: WriteJob[] = [];
      for (const p of planned) {
        const mine = Math.min(Math.max(landed - p.first, 0), p.events.length);
        p.job.published.push(...out.published.slice(p.first, p.first + mine));
        if (mine === p.events.length)
          p.job.resolve({
            outcome: "done",
            published: p.job.published,
            allocations: p.allocations,
            created: p.created,
          });
        else retry.push(p.job);
      }
      if (retry.length === 0) return;
      const next = await this.afterFailure(
        out.failure?.error ?? new Error("acknowledged out of order"),
        attempt,
      );
      if (next === "retry") {
        pending = retry;
        continue;
      }
      for (const job of retry) {
        const p = planned.find((x) => x.job === job) as Planned;
        const mine = Math.min(Math.max(landed - p.first, 0), p.events.length);
        job.resolve(
          job.published.length === 0
            ? next
            : {
                outcome: "interrupted",
                message:
                  next.outcome === "unavailable" ? next.message : "another writer appended first",
                published: job.published,
                notPublished: p.events.slice(mine),
              },
        );
      }
      return;
    }
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
