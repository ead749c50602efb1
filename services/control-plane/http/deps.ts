// What the HTTP handlers need from the running control plane.
import type { Logger } from "pino";
import type { AuditDeps } from "../../audit/event-log.ts";
import type { ControlPlaneMetrics } from "../metrics.ts";
import type { ControlPlaneSettings } from "../settings.ts";
import type { StatusView } from "../status-view.ts";
import type { View } from "../view.ts";
import type { Writer } from "../writer.ts";

/** Readiness inputs: is NATS connected, do both streams exist. */
export interface Health {
  natsConnected(): boolean;
  /** Asks the server (answers cached for a few seconds); false on any failure. */
  streamsPresent(): Promise<boolean>;
}

export interface ApiDeps {
  readonly view: View;
  readonly writer: Writer;
  readonly status: StatusView;
  readonly settings: ControlPlaneSettings;
  readonly metrics: ControlPlaneMetrics;
  readonly logger: Logger;
  /**
   * The same log without redaction, for the per-request lines whose fields are all
   * ours and never secrets (request id, route, status, event refs, actor): redaction
   * is a no-op on them and cost more than the rest of the line.
   */
  readonly accessLog: Logger;
  readonly health: Health;
  /** The clock (ms); tests may fix it. */
  readonly now: () => number;
  /** JetStream access for the read-only audit routes (/v1/audit/...). */
  readonly audit: AuditDeps;
}
