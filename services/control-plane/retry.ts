// What to do after a refused or failed publish: catch the view up, then decide
// again (another writer appended first and attempts are left) or give up.
import type { Logger } from "pino";
import { isConflict } from "../../libs/bus/errors.ts";
import { parseSubject } from "../../libs/events/event.ts";
import type { ControlPlaneMetrics } from "./metrics.ts";
import { isStreamConflict } from "./publish.ts";
import type { View } from "./view.ts";
import type { Refusal } from "./write-outcome.ts";

export interface RetryContext {
  readonly view: View;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
  readonly maxAttempts: number;
}

/**
 * After a failed publish (attempt `attempt`): catches the view up, then returns
 * "retry" when another writer appended first and attempts are left, else the refusal
 * to answer: `version_conflict` with the aggregate's current version, or
 * `unavailable` (contention that outlasted the attempts, or a bus failure). Never throws.
 */
export async function afterFailure(
  c: RetryContext,
  error: unknown,
  attempt: number,
): Promise<Refusal | "retry"> {
  const { view, metrics, logger, maxAttempts } = c;
  const caughtUp = await view.catchUp().catch(() => false);
  logger.debug({ err: error, attempt, caughtUp }, "publish refused; caught up");
  if (isStreamConflict(error)) {
    metrics.conflicts.inc({ reason: "stream" });
    if (caughtUp && attempt < maxAttempts) return "retry";
    // A refused message id chain is contention, not the aggregate's version.
    const aggregate = isConflict(error) && error.guard !== "last_msg_id";
    const where = aggregate ? parseSubject(error.subject) : null;
    if (where !== null && aggregate)
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
  return {
    outcome: "unavailable",
    message: error instanceof Error ? error.message : String(error),
  };
}
