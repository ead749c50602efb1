// Follows LBAAS_STATUS: the last message of every gateway subject first
// (LastPerSubject), then every new one, folded into one GatewayRecord per gateway.
//
// Reports and heartbeats share the subject `lbaas.status.<group>.<gatewayId>`. A
// gateway should say which one a message is with the header
// `Lbaas-Status-Type: report|heartbeat`; without it, the bytes are tried as a report
// first, then as a heartbeat (a heartbeat never decodes as a valid report: its
// `sent_at` lands on the report's sync kind, which must be 1 or 2, while a failed
// report does decode as a heartbeat).
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { setTimeout as sleep } from "node:timers/promises";
import {
  followFrom,
  readLastPerSubject,
  type BusMessage,
  type Follower,
} from "../../libs/bus/read.ts";
import { STATUS_STREAM, STATUS_SUBJECTS } from "../../libs/bus/streams.ts";
import { decodeHeartbeat, decodeReport } from "../../libs/events/codec.ts";
import type { GatewayHeartbeat, GatewayReport } from "../../libs/events/status.ts";
import { withHeartbeat, withReport, type GatewayRecord } from "./gateway-status.ts";

export const STATUS_TYPE_HEADER = "Lbaas-Status-Type";

type StatusMessage =
  { type: "report"; value: GatewayReport } | { type: "heartbeat"; value: GatewayHeartbeat };

/** Decodes a status message (see the file comment); throws DecodeError when it is neither. */
export function decodeStatus(data: Uint8Array, typeHeader: string | undefined): StatusMessage {
  if (typeHeader === "heartbeat") return { type: "heartbeat", value: decodeHeartbeat(data) };
  if (typeHeader === "report") return { type: "report", value: decodeReport(data) };
  try {
    return { type: "report", value: decodeReport(data) };
  } catch {
    return { type: "heartbeat", value: decodeHeartbeat(data) };
  }
}

export class StatusView {
  private readonly gateways = new Map<string, GatewayRecord>();
  private follower: Follower | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private lastSeq = 0;
  private readonly js: JetStreamClient;
  private readonly logger: Logger;

  constructor(js: JetStreamClient, logger: Logger) {
    this.js = js;
    this.logger = logger;
  }

  /** Starts following in the background; read failures are logged and retried. */
  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.follower?.stop();
    await this.loop;
  }

  /** Every gateway seen, in no particular order. */
  records(): Iterable<GatewayRecord> {
    return this.gateways.values();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.lastSeq === 0)
          for await (const m of readLastPerSubject(this.js, STATUS_STREAM, STATUS_SUBJECTS)) {
            if (this.stopped) return;
            this.onMessage(m);
          }
        this.follower = followFrom(this.js, STATUS_STREAM, STATUS_SUBJECTS, this.lastSeq + 1);
        for await (const m of this.follower) this.onMessage(m);
      } catch (err) {
        if (this.stopped) return;
        this.logger.error({ err }, "following the status stream failed; retrying");
        await sleep(1_000);
      }
    }
  }

  private onMessage(m: BusMessage): void {
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    let status: StatusMessage;
    try {
      status = decodeStatus(m.data, m.headers.get(STATUS_TYPE_HEADER));
    } catch (err) {
      this.logger.warn(
        { err, seq: m.seq, subject: m.subject },
        "undecodable status message skipped",
      );
      return;
    }
    const { gatewayId, group } = status.value;
    if (m.subject !== `lbaas.status.${group}.${gatewayId}`) {
      this.logger.warn(
        { seq: m.seq, subject: m.subject, gatewayId, group },
        "status message on a foreign subject skipped",
      );
      return;
    }
    const k = `${group}/${gatewayId}`;
    const prev = this.gateways.get(k);
    const at = m.time.getTime();
    if (prev !== undefined && prev.lastSeenAt > at) return;
    this.gateways.set(
      k,
      status.type === "report"
        ? withReport(prev, status.value, at)
        : withHeartbeat(prev, status.value, at),
    );
  }
}
