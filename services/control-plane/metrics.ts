// Prometheus metrics of one control-plane instance (its own registry, so two
// instances in one process, as in tests, do not collide).
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { CounterTally, HistogramTally } from "./metric-tally.ts";

export interface ControlPlaneMetrics {
  readonly registry: Registry;
  /** Updated on every request or event: tallies (metric-tally.ts), exposed as usual. */
  readonly httpRequests: CounterTally<"method" | "route" | "status">;
  readonly httpDuration: HistogramTally<"method" | "route">;
  readonly eventsPublished: CounterTally<"kind" | "type">;
  readonly conflicts: Counter<"reason">;
  readonly validationFailures: Counter<"route">;
  readonly publishDuration: HistogramTally;
  readonly badEvents: Counter;
  readonly viewSeq: Gauge;
  readonly ready: Gauge;
}

/**
 * Creates the metrics in a fresh registry. `withDefaults` adds the process metrics of
 * prom-client (CPU, memory, event loop lag); tests leave them out.
 */
export function createMetrics(withDefaults = true): ControlPlaneMetrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new CounterTally(
      registry,
      "lbaas_cp_http_requests_total",
      "HTTP requests by method, route pattern and status",
      ["method", "route", "status"],
    ),
    httpDuration: new HistogramTally(registry, {
      name: "lbaas_cp_http_request_duration_seconds",
      help: "HTTP request duration by method and route pattern",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    }),
    eventsPublished: new CounterTally(
      registry,
      "lbaas_cp_events_published_total",
      "Events appended to LBAAS_EVENTS by aggregate kind and event type",
      ["kind", "type"],
    ),
    conflicts: new Counter({
      name: "lbaas_cp_conflicts_total",
      help: "Version conflicts: expected_version (the client's If-Match was stale), stream (another writer appended first; retried), chained (a group sent on top of a refused one; retried with it)",
      labelNames: ["reason"],
      registers,
    }),
    validationFailures: new Counter({
      name: "lbaas_cp_validation_failures_total",
      help: "Requests refused for invalid input (422) by route pattern",
      labelNames: ["route"],
      registers,
    }),
    publishDuration: new HistogramTally(registry, {
      name: "lbaas_cp_publish_duration_seconds",
      help: "Time from publishing one event to its acknowledgement by the stream",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    }),
    badEvents: new Counter({
      name: "lbaas_cp_undecodable_events_total",
      help: "Events in the stream that could not be decoded (skipped by the view)",
      registers,
    }),
    viewSeq: new Gauge({
      name: "lbaas_cp_view_sequence",
      help: "Last LBAAS_EVENTS sequence the view has followed",
      registers,
    }),
    ready: new Gauge({
      name: "lbaas_cp_ready",
      help: "1 when the view has caught up and writes are accepted",
      registers,
    }),
  };
}
