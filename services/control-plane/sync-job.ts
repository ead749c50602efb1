// One bulk sync job of the writer: plan the document against the view, publish the
// plan as one guarded batch, and after a conflict with another writer plan the rest
// again from the caught-up state (events already published then count as unchanged).
import type { AggregateKind } from "../../libs/domain/model.ts";
import type { LbEvent } from "../../libs/events/event.ts";
import type { DecideConfig, WriteContext } from "./decide/decide.ts";
import { planSync, type PlannedChange, type SyncOptions } from "./decide/sync.ts";
import type { PublishOutcome } from "./publish.ts";
import type { Acknowledged, Tentative, View } from "./view.ts";
import type { Refusal, Stamp, SyncOutcome } from "./write-outcome.ts";

/** What a sync job needs from the writer. */
export interface SyncJobContext {
  readonly view: View;
  readonly config: DecideConfig;
  context(stamp: Stamp): WriteContext;
  notReady(): Refusal | null;
  publish(
    t: Tentative,
    events: readonly LbEvent[],
  ): Promise<{ out: PublishOutcome; landed: number }>;
  afterFailure(error: unknown, attempt: number): Promise<Refusal | "retry">;
}

/** Runs one sync (see the file comment). Never throws on bad input: every refusal is an outcome. */
export async function runSync(
  c: SyncJobContext,
  doc: unknown,
  options: SyncOptions & { readonly dryRun: boolean },
  stamp: Stamp,
): Promise<SyncOutcome> {
  const refused = c.notReady();
  if (refused !== null) return refused;
  const { view } = c;
  const published: Acknowledged[] = [];
  const changes: PlannedChange[] = [];
  let unchanged: Record<AggregateKind, number> | null = null;
  for (let attempt = 1; ; attempt++) {
    const plan = planSync(doc, view, c.config, c.context(stamp), options);
    if (plan.outcome === "invalid") return plan;
    unchanged ??= { ...plan.unchanged };
    const done = {
      outcome: "done" as const,
      unchanged,
      allocations: plan.allocations,
      scope: plan.scope,
      dryRun: options.dryRun,
    };
    if (options.dryRun) return { ...done, changes: plan.changes, published: [] };
    if (plan.changes.length === 0) return { ...done, changes, published };
    const start = view.position;
    const events = plan.changes.map((c) => c.event);
    const tentative = view.applyTentative(
      events.map((event, i) => ({ event, seq: start + i + 1 })),
    );
    const { out, landed } = await c.publish(tentative, events);
    published.push(...out.published.slice(0, landed));
    changes.push(...plan.changes.slice(0, landed));
    if (landed === events.length) return { ...done, changes, published };
    const next = await c.afterFailure(
      out.failure?.error ?? new Error("acknowledged out of order"),
      attempt,
    );
    if (next === "retry") continue;
    const rest = plan.changes.slice(landed);
    return {
      outcome: "interrupted",
      message: next.outcome === "unavailable" ? next.message : "another writer appended first",
      published,
      notPublished: rest.map((c) => c.event),
      changes: [...changes, ...rest],
    };
  }
}
