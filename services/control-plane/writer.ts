// The only place that appends events. Within one process writes are serialized (a
// promise chain): decide against the view, publish (publish.ts), acknowledge to the
// view, next. Across processes, the guarded appends make the first writer win; the
// other catches up and decides again (up to `maxAttempts`), so a write that stated no
// expected version still lands, and one that did gets a 409 when it is stale.
import { randomUUID } from "node:crypto";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { isConflict } from "../../libs/bus/errors.ts";
import type { AggregateKind, Problem } from "../../libs/domain/model.ts";
import { parseSubject, type LbEvent } from "../../libs/events/event.ts";
import { decide, type Command, type DecideConfig, type WriteContext } from "./decide/decide.ts";
import type { Allocation } from "./decide/decision.ts";
import { planSync, type PlannedChange, type SyncOptions } from "./decide/sync.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { isStreamConflict, publishInOrder, type PublishOutcome } from "./publish.ts";
import type { Acknowledged, View } from "./view.ts";

/** Who writes, why, and which request: stamped on every event of a write. */
export interface Stamp {
  readonly actor: string;
  readonly reason: string;
  readonly correlationId: string;
}

export type Refusal =
  | { readonly outcome: "invalid"; readonly problems: readonly Problem[] }
  | {
      readonly outcome: "version_conflict";
      readonly kind: AggregateKind;
      readonly id: string;
      readonly currentVersion: number;
    }
  | { readonly outcome: "not_found"; readonly kind: AggregateKind; readonly id: string }
  | { readonly outcome: "unavailable"; readonly message: string };

/** A publish that failed after some events of the write were stored. */
export interface Interrupted {
  readonly outcome: "interrupted";
  readonly message: string;
  readonly published: readonly Acknowledged[];
  /** The events that were not (or not certainly) stored, in order. */
  readonly notPublished: readonly LbEvent[];
}

export type WriteOutcome =
  | {
      readonly outcome: "done";
      readonly published: readonly Acknowledged[];
      readonly allocations: readonly Allocation[];
    }
  | Refusal
  | Interrupted;

export type SyncOutcome =
  | {
      readonly outcome: "done";
      /** Planned changes (for a dry run: what would be published). */
      readonly changes: readonly PlannedChange[];
      readonly published: readonly Acknowledged[];
      readonly unchanged: Readonly<Record<AggregateKind, number>>;
      readonly allocations: readonly Allocation[];
      readonly scope: readonly string[];
      readonly dryRun: boolean;
    }
  | Refusal
  | (Interrupted & { readonly changes: readonly PlannedChange[] });

export interface WriterOptions {
  readonly js: JetStreamClient;
  readonly view: View;
  readonly config: DecideConfig;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
  /** Attempts of one write when other writers keep appending first (default 5). */
  readonly maxAttempts?: number;
}

export class Writer {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly o: WriterOptions;

  constructor(options: WriterOptions) {
    this.o = options;
  }

  /** Runs `fn` after every write queued before it (one at a time per process). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private context(stamp: Stamp): WriteContext {
    return { now: Date.now(), ...stamp, newEventId: randomUUID };
  }

  private async publish(events: readonly LbEvent[]): Promise<PublishOutcome> {
    const { view, js, metrics } = this.o;
    const out = await publishInOrder(
      {
        js,
        position: view.position,
        subjectSeq: (s) => view.subjectSeq(s),
        observe: (seconds) => metrics.publishDuration.observe(seconds),
      },
      events,
    );
    view.acknowledge(out.published.slice(0, out.prefix));
    for (const { event } of out.published)
      metrics.eventsPublished.inc({ kind: event.meta.kind, type: event.body.type });
    return out;
  }

  /**
   * After a failed publish: catch the view up, and tell whether to decide again
   * (another writer appended first and attempts are left) or give up with a refusal.
   */
  private async afterFailure(error: unknown, attempt: number): Promise<Refusal | "retry"> {
    const { view, metrics, logger } = this.o;
    const caughtUp = await view.catchUp().catch(() => false);
    if (isStreamConflict(error)) {
      metrics.conflicts.inc({ reason: "stream" });
      const maxAttempts = this.o.maxAttempts ?? 5;
      if (caughtUp && attempt < maxAttempts) return "retry";
      const where = isConflict(error) ? parseSubject(error.subject) : null;
      if (where !== null && isConflict(error))
        return {
          outcome: "version_conflict",
          kind: where.kind,
          id: where.id,
          currentVersion: view.record(where.kind, where.id)?.version ?? error.currentVersion ?? 0,
        };
      return {
        outcome: "unavailable",
        message: `other writers kept appending first (${maxAttempts} attempts); retry`,
      };
    }
    logger.error({ err: error }, "publishing failed");
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: "unavailable", message };
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
   * Decides `command` and publishes its events. Never throws: every failure is an
   * outcome (`invalid`, `version_conflict`, `not_found`, `unavailable`, or
   * `interrupted` when some events of the write were stored and then publishing
   * failed: retrying the same request converges).
   */
  write(command: Command, stamp: Stamp): Promise<WriteOutcome> {
    return this.exclusive(async () => {
      const refused = this.notReady();
      if (refused !== null) return refused;
      const published: Acknowledged[] = [];
      for (let attempt = 1; ; attempt++) {
        const d = decide(command, this.o.view, this.o.config, this.context(stamp));
        if (d.outcome === "version_conflict") {
          this.o.metrics.conflicts.inc({ reason: "expected_version" });
          return { outcome: d.outcome, kind: d.kind, id: d.id, currentVersion: d.currentVersion };
        }
        if (d.outcome !== "events") return d;
        const out = await this.publish(d.events);
        published.push(...out.published);
        if (out.failure === null) return { outcome: "done", published, allocations: d.allocations };
        const next = await this.afterFailure(out.failure.error, attempt);
        if (next === "retry") continue;
        if (published.length === 0) return next;
        return {
          outcome: "interrupted",
          message: next.outcome === "unavailable" ? next.message : "another writer appended first",
          published,
          notPublished: d.events.slice(out.failure.index),
        };
      }
    });
  }

  /**
   * Plans the sync of an inventory document and, unless `dryRun`, publishes the plan.
   * Never throws; outcomes as for `write`. After a conflict with another writer the
   * rest is planned again from the caught-up state (events already published then
   * show up as unchanged).
   */
  sync(
    doc: unknown,
    options: SyncOptions & { readonly dryRun: boolean },
    stamp: Stamp,
  ): Promise<SyncOutcome> {
    return this.exclusive(async () => {
      const refused = this.notReady();
      if (refused !== null) return refused;
      const published: Acknowledged[] = [];
      const changes: PlannedChange[] = [];
      let first: { unchanged: Record<AggregateKind, number> } | null = null;
      for (let attempt = 1; ; attempt++) {
        const plan = planSync(doc, this.o.view, this.o.config, this.context(stamp), options);
        if (plan.outcome === "invalid") return plan;
        first ??= { unchanged: { ...plan.unchanged } };
        const done = {
          outcome: "done" as const,
          unchanged: first.unchanged,
          allocations: plan.allocations,
          scope: plan.scope,
          dryRun: options.dryRun,
        };
        if (options.dryRun) return { ...done, changes: plan.changes, published: [] };
        const out = await this.publish(plan.changes.map((c) => c.event));
        published.push(...out.published);
        changes.push(...plan.changes.slice(0, out.failure?.index ?? plan.changes.length));
        if (out.failure === null) return { ...done, changes, published };
        const next = await this.afterFailure(out.failure.error, attempt);
        if (next === "retry") continue;
        const rest = plan.changes.slice(out.failure.index);
        return {
          outcome: "interrupted",
          message: next.outcome === "unavailable" ? next.message : "another writer appended first",
          published,
          notPublished: rest.map((c) => c.event),
          changes: [...changes, ...rest],
        };
      }
    });
  }
}
