// Prometheus metrics of one gateway (prom-client). Each gateway has its own
// registry, so several gateways in one process (benchmarks) do not collide; the
// process adds the default process metrics to the registry it serves.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApplyObserver, LoopStatus } from "./apply-loop.ts";

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Hooks for the apply loop. */
  readonly observer: ApplyObserver;
  /** Updates the gauges derived from the loop's status and the group's head sequence. */
  refresh(status: LoopStatus, headSeq: number): void;
  statusDropped(): void;
  statusQueued(size: number): void;
  followerRestarted(): void;
}

/** Creates the metrics of gateway `id` in group `group` in a fresh registry. */
export function createGatewayMetrics(id: string, group: string): GatewayMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ gateway: id, group });
  const r = [registry];
  const applies = new Counter({
    name: "lbaas_gateway_applies_total",
    help: "Apply attempts by sync kind (full, incremental, noop) and result (ok, error)",
    labelNames: ["kind", "result"] as const,
    registers: r,
  });
  const failures = new Counter({
    name: "lbaas_gateway_apply_failures_total",
    help: "Failed apply attempts by error code",
    labelNames: ["code"] as const,
    registers: r,
  });
  const duration = new Histogram({
    name: "lbaas_gateway_apply_duration_seconds",
    help: "Render + nft time of apply attempts",
    labelNames: ["kind"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: r,
  });
  const events = new Counter({
    name: "lbaas_gateway_events_received_total",
    help: "Event messages delivered (good and bad)",
    registers: r,
  });
  const badEvents = new Counter({
    name: "lbaas_gateway_bad_events_total",
    help: "Events skipped because they could not be decoded or were invalid",
    registers: r,
  });
  const anomalies = new Counter({
    name: "lbaas_gateway_fold_anomalies_total",
    help: "Stream anomalies seen by the fold (version gaps, regressions, ...)",
    labelNames: ["type"] as const,
    registers: r,
  });
  const drift = new Counter({
    name: "lbaas_gateway_drift_checks_total",
    help: "Drift checks by result (clean, drift)",
    labelNames: ["result"] as const,
    registers: r,
  });
  const retries = new Counter({
    name: "lbaas_gateway_retries_scheduled_total",
    help: "Retries scheduled after a failed apply",
    registers: r,
  });
  const followerRestarts = new Counter({
    name: "lbaas_gateway_follower_restarts_total",
    help: "Event followers reopened because they stalled while events were published",
    registers: r,
  });
  const applied = new Gauge({
    name: "lbaas_gateway_last_applied_sequence",
    help: "Stream sequence whose state the kernel holds",
    registers: r,
  });
  const received = new Gauge({
    name: "lbaas_gateway_last_received_sequence",
    help: "Highest stream sequence delivered to the gateway",
    registers: r,
  });
  const lag = new Gauge({
    name: "lbaas_gateway_lag_sequences",
    help: "Head sequence of the group's events minus the applied sequence (stream sequences)",
    registers: r,
  });
  const ready = new Gauge({
    name: "lbaas_gateway_ready",
    help: "1 once bootstrapped and applied",
    registers: r,
  });
  const lastOk = new Gauge({
    name: "lbaas_gateway_last_apply_ok",
    help: "1 when the last apply attempt succeeded",
    registers: r,
  });
  const statusDropped = new Counter({
    name: "lbaas_gateway_status_dropped_total",
    help: "Status reports dropped because the outbox was full (NATS away too long)",
    registers: r,
  });
  const statusQueued = new Gauge({
    name: "lbaas_gateway_status_queued",
    help: "Status messages waiting to be published",
    registers: r,
  });

  const observer: ApplyObserver = {
    folded(incoming) {
      events.inc();
      if (!incoming.ok) badEvents.inc();
    },
    anomaly(a) {
      anomalies.inc({ type: a.type });
    },
    attempted(attempt, outcome) {
      const kind = outcome?.kind ?? attempt.kind;
      applies.inc({ kind, result: attempt.error === null ? "ok" : "error" });
      duration.observe({ kind }, attempt.durationMs / 1000);
      if (attempt.error !== null) failures.inc({ code: attempt.error.code });
    },
    retryScheduled() {
      retries.inc();
    },
    drift(finding) {
      drift.inc({ result: finding.clean ? "clean" : "drift" });
    },
  };
  return {
    registry,
    observer,
    refresh(status, headSeq) {
      applied.set(status.appliedSeq);
      received.set(status.receivedSeq);
      lag.set(Math.max(0, Math.max(headSeq, status.receivedSeq) - status.appliedSeq));
      ready.set(status.ready ? 1 : 0);
      lastOk.set(status.lastApplyOk === false ? 0 : 1);
    },
    statusDropped() {
      statusDropped.inc();
    },
    statusQueued(size) {
      statusQueued.set(size);
    },
    followerRestarted() {
      followerRestarts.inc();
    },
  };
}
