// Shared set-up of the audit integration tests: one real JetStream server per test
// file with the project's streams, a writer that appends events with known envelopes
// the way the control plane does (codec + appendEvent), and CLI runners.
import { after, before } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { appendEvent } from "../../../libs/bus/append.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { encodeEvent } from "../../../libs/events/codec.ts";
import type { EventBody, LbEvent } from "../../../libs/events/event.ts";
import { messageIdOf, subjectOf } from "../../../libs/events/event.ts";
import type { AggregateKind } from "../../../libs/domain/model.ts";
import { startJetStream, type JetStreamServer } from "../../harness/nats.ts";
import type { AuditDeps } from "../../../services/audit/event-log.ts";
import type { CliIo } from "../../../services/cli/io.ts";

export interface AuditFixture {
  server: JetStreamServer;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  deps: AuditDeps;
  /** CLI flags that reach this server (url and credentials). */
  natsFlags: string[];
}

/** Starts a server with the project's streams before the file's tests; stops it after. */
export function useAuditLog(): AuditFixture {
  const f = {} as AuditFixture;
  before(async () => {
    f.server = await startJetStream();
    f.nc = await connect({ ...f.server.connectOptions, name: "audit-int-test" });
    f.js = jetstream(f.nc);
    f.jsm = await jetstreamManager(f.nc);
    f.deps = { js: f.js, jsm: f.jsm };
    await ensureStreams(f.jsm);
    const o = f.server.connectOptions;
    f.natsFlags = ["--nats", f.server.url];
    if (o.user !== undefined)
      f.natsFlags.push("--nats-user", o.user, "--nats-password", o.pass ?? "");
  });
  after(async () => {
    await f.nc?.close();
    await f.server?.stop();
  });
  return f;
}

/** What a write stored: its sequence and the time the server stored it. */
export interface Written {
  readonly seq: number;
  readonly time: Date;
  readonly event: LbEvent;
}

export interface WriteMeta {
  readonly actor?: string;
  readonly reason?: string;
  readonly correlationId?: string;
  /** Default: the aggregate's next version. */
  readonly version?: number;
}

function aggregateOf(body: EventBody, fallbackId: string): { kind: AggregateKind; id: string } {
  const kind: AggregateKind = body.type.startsWith("Service")
    ? "service"
    : body.type.startsWith("Endpoints")
      ? "endpoints"
      : "policy";
  const id =
    "spec" in body ? ("serviceId" in body.spec ? body.spec.serviceId : body.spec.id) : fallbackId;
  return { kind, id };
}

/**
 * Appends events like the control plane: next version per aggregate, the subject's
 * last sequence as the expected one, deterministic message ids. Waits 3 ms after
 * each write so consecutive events have distinct storage times (tests cut by time).
 */
export class LogWriter {
  private readonly versions = new Map<string, number>();
  private readonly lastSeqs = new Map<string, number>();
  private readonly js: JetStreamClient;
  private readonly jsm: JetStreamManager;
  private counter = 0;

  constructor(f: AuditFixture) {
    this.js = f.js;
    this.jsm = f.jsm;
  }

  /** Appends `body` to aggregate (kind from the body, id from the spec or `id`) in `group`. */
  async write(group: string, body: EventBody, meta: WriteMeta = {}, id = ""): Promise<Written> {
    const agg = aggregateOf(body, id);
    const key = `${agg.kind}/${agg.id}`;
    const version = meta.version ?? (this.versions.get(key) ?? 0) + 1;
    const event: LbEvent = {
      meta: {
        eventId: `evt-${++this.counter}-${process.pid}`,
        kind: agg.kind,
        id: agg.id,
        group,
        version,
        schemaVersion: 2,
        occurredAt: Date.now(),
        actor: meta.actor ?? "alice@example.com",
        reason: meta.reason ?? "",
        correlationId: meta.correlationId ?? "",
      },
      body,
    };
    return this.append(subjectOf(agg.kind, group, agg.id), encodeEvent(event), event, key, version);
  }

  /** Appends raw bytes to an aggregate's subject (for planted anomalies). */
  async appendRaw(
    kind: AggregateKind,
    group: string,
    id: string,
    data: Uint8Array,
    version: number,
  ): Promise<Written> {
    return this.append(subjectOf(kind, group, id), data, null, `${kind}/${id}`, version);
  }

  private async append(
    subject: string,
    data: Uint8Array,
    event: LbEvent | null,
    key: string,
    version: number,
  ): Promise<Written> {
    const [kind, id] = key.split("/") as [AggregateKind, string];
    const group = subject.split(".")[2] as string;
    const r = await appendEvent(this.js, {
      subject,
      data,
      msgId: `${messageIdOf(kind, group, id, version)}.${this.counter++}`,
      version,
      expectedLastSubjectSeq: this.lastSeqs.get(subject) ?? 0,
      headers: event === null ? {} : { "Lbaas-Event-Type": event.body.type },
      stream: EVENTS_STREAM,
    });
    this.lastSeqs.set(subject, r.seq);
    this.versions.set(key, version);
    const stored = await this.jsm.streams.getMessage(EVENTS_STREAM, { seq: r.seq });
    await sleep(3);
    return { seq: r.seq, time: stored?.time ?? new Date(NaN), event: event as LbEvent };
  }
}

/** A CliIo capturing output, and the text written so far. */
export function capture(): { io: CliIo; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

/** The environment audit commands see in tests: no NATS_URL / LBAAS_SERVER, no terminal. */
export const NO_ENV = { env: {}, stderrIsTty: false };

let groups = 0;
/** A group name unique within this process. */
export function uniqueGroup(prefix: string): string {
  groups += 1;
  return `${prefix}${groups}x${process.pid}`;
}
