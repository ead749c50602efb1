// Logs of the apply loop (pino), and the composition of several observers.
import type { Logger } from "pino";
import type { ApplyObserver } from "./apply-loop.ts";

/** An observer that calls every given observer's hooks in order. */
export function combineObservers(...observers: ApplyObserver[]): ApplyObserver {
  return {
    folded: (i) => observers.forEach((o) => o.folded?.(i)),
    anomaly: (a) => observers.forEach((o) => o.anomaly?.(a)),
    attempted: (a, out, err) => observers.forEach((o) => o.attempted?.(a, out, err)),
    retryScheduled: (d, n) => observers.forEach((o) => o.retryScheduled?.(d, n)),
    drift: (f) => observers.forEach((o) => o.drift?.(f)),
  };
}

/**
 * Structured logs: one line per apply attempt (info when it changed something,
 * debug for no-ops, error for failures), per bad event and anomaly (warn), per
 * scheduled retry and per drift found.
 */
export function logObserver(log: Logger): ApplyObserver {
  // A stream with anomalies (e.g. versions skipped by a buggy writer) would log one
  // line per event at every bootstrap: log the first ones, then every 1000th.
  let anomalies = 0;
  return {
    folded(incoming) {
      if (incoming.ok) log.trace({ seq: incoming.stored.seq, subject: incoming.subject }, "event");
      else
        log.warn(
          {
            seq: incoming.seq,
            subject: incoming.subject,
            code: incoming.error.code,
            err: incoming.error,
          },
          "bad event skipped",
        );
    },
    anomaly(a) {
      anomalies += 1;
      if (anomalies <= 20 || anomalies % 1000 === 0)
        log.warn({ anomaly: a, anomaliesSoFar: anomalies }, "stream anomaly");
    },
    attempted(attempt, outcome, err) {
      const fields = {
        seq: attempt.seq,
        kind: outcome?.kind ?? attempt.kind,
        hash: attempt.hash,
        durationMs: Math.round(attempt.durationMs * 10) / 10,
        operations: outcome?.operations ?? 0,
        counts: attempt.counts,
      };
      if (attempt.error !== null)
        log.error(
          { ...fields, code: attempt.error.code, err },
          "apply failed; last good ruleset kept",
        );
      else if (outcome?.kind === "noop") log.debug(fields, "applied (no change)");
      else log.info(fields, "applied");
    },
    retryScheduled(delayMs, failures) {
      log.warn({ delayMs, failures }, "apply retry scheduled (full sync)");
    },
    drift(finding) {
      if (!finding.clean)
        log.warn(
          { differences: finding.differences.slice(0, 20) },
          "drift found in owned tables; repairing",
        );
    },
  };
}
