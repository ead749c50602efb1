// Opening the log source of an audit command: a NATS connection (read-only use of
// JetStream) or the control plane's HTTP API.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { natsConnectOptions } from "../../libs/bus/connect.ts";
import { jetStreamAuditQueries, type AuditQueries } from "../audit/queries.ts";
import { httpAuditQueries } from "./audit-http-client.ts";
import type { LogSource } from "./audit-options.ts";

export interface OpenSource {
  readonly queries: AuditQueries;
  /** Closes the connection (no-op for HTTP). */
  close(): Promise<void>;
}

/**
 * Opens `source`. A command-line tool must not wait forever for a server that is
 * down, so unlike the long-running services (which wait and reconnect forever) the
 * first connect fails after `timeoutMs` and a lost connection is retried 3 times.
 * Failures: the NATS client's connection errors.
 */
export async function openSource(source: LogSource, timeoutMs = 5_000): Promise<OpenSource> {
  if (source.mode === "http")
    return { queries: httpAuditQueries(source.server), close: async () => {} };
  const nc = await connect({
    ...natsConnectOptions(source.nats),
    waitOnFirstConnect: false,
    maxReconnectAttempts: 3,
    timeout: timeoutMs,
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return { queries: jetStreamAuditQueries({ js, jsm }), close: () => nc.close() };
}
