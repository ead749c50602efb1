// One group of single writes (writer.ts): decided one on top of the other into one
// batch of tentatively applied events, then, once the stream answered, settled: the
// view keeps what landed and rolls back the rest, and each write is answered or
// handed back to be decided again.
import type { LbEvent } from "../../libs/events/event.ts";
import { decide, type Command, type DecideConfig, type WriteContext } from "./decide/decide.ts";
import type { Allocation } from "./decide/decision.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import type { PublishOutcome } from "./publish.ts";
import type { Acknowledged, Tentative, View } from "./view.ts";
import type { Refusal, Stamp, WriteOutcome } from "./write-outcome.ts";

/** A single write waiting in the writer's queue. */
export interface WriteJob {
  readonly type: "write";
  readonly command: Command;
  readonly stamp: Stamp;
  /** Its events the stream acknowledged so far (over attempts). */
  readonly published: Acknowledged[];
  readonly resolve: (o: WriteOutcome) => void;
}

/** A write of a group with its events' place in the batch. */
export interface Planned {
  readonly job: WriteJob;
  readonly first: number;
  readonly events: readonly LbEvent[];
  readonly allocations: readonly Allocation[];
  readonly created: readonly string[];
}

/** A decided group: its writes, their events in order, and how to take them back. */
export interface DecidedGroup {
  readonly planned: readonly Planned[];
  readonly events: readonly LbEvent[];
  readonly tentative: Tentative;
}

/** A write whose events did not (all) land, and those that did not. */
export interface Unfinished {
  readonly job: WriteJob;
  readonly notPublished: readonly LbEvent[];
}

/** What deciding needs besides the jobs. */
export interface GroupContext {
  readonly view: View;
  readonly config: DecideConfig;
  readonly metrics: ControlPlaneMetrics;
  context(stamp: Stamp): WriteContext;
}

/**
 * Decides each job on the view plus the tentative events of the ones before it, and
 * applies its events tentatively at the sequences they get if the batch lands.
 * Answers at once the writes that publish nothing (refused, or no change). Null when
 * no event is to be sent; never throws on any command.
 */
export function decideGroup(c: GroupContext, jobs: readonly WriteJob[]): DecidedGroup | null {
  const { view, metrics, config } = c;
  const start = view.position;
  const planned: Planned[] = [];
  const events: LbEvent[] = [];
  const undo: Tentative["undo"][number][] = [];
  for (const job of jobs) {
    const d = decide(job.command, view, config, c.context(job.stamp));
    if (d.outcome === "version_conflict") {
      metrics.conflicts.inc({ reason: "expected_version" });
      job.resolve({ outcome: d.outcome, kind: d.kind, id: d.id, currentVersion: d.currentVersion });
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
  return events.length === 0
    ? null
    : { planned, events, tentative: { undo, previousPosition: start } };
}

/** How many leading events landed where they were predicted to (0 for none). */
export function landedOf(tentative: Tentative, out: PublishOutcome): number {
  let landed = 0;
  while (
    landed < out.prefix &&
    out.published[landed]?.seq === tentative.previousPosition + landed + 1
  )
    landed++;
  return landed;
}

/**
 * Settles the view after a publish: rolls back the events from `landed` on, hands the
 * acknowledged ones before it to the follower, counts what was published. Returns
 * `landed`.
 */
export function settleView(
  c: { readonly view: View; readonly metrics: ControlPlaneMetrics },
  tentative: Tentative,
  events: readonly LbEvent[],
  out: PublishOutcome,
  landed = landedOf(tentative, out),
): number {
  if (landed < events.length) c.view.rollback(tentative, landed);
  c.view.confirm(out.published.slice(0, landed));
  for (const { event } of out.published)
    c.metrics.eventsPublished.inc({ kind: event.meta.kind, type: event.body.type });
  return landed;
}

/**
 * Answers the writes whose events are all among the first `landed` of the batch;
 * returns the others, in order (none when every event landed).
 */
export function answerLanded(
  planned: readonly Planned[],
  out: PublishOutcome,
  landed: number,
): Unfinished[] {
  const unfinished: Unfinished[] = [];
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
    else unfinished.push({ job: p.job, notPublished: p.events.slice(mine) });
  }
  return unfinished;
}

/** Answers writes that gave up: with `refusal` if nothing of theirs landed, else `interrupted`. */
export function refuseAll(unfinished: readonly Unfinished[], refusal: Refusal): void {
  for (const { job, notPublished } of unfinished)
    job.resolve(
      job.published.length === 0
        ? refusal
        : {
            outcome: "interrupted",
            message:
              refusal.outcome === "unavailable" ? refusal.message : "another writer appended first",
            published: job.published,
            notPublished,
          },
    );
}
