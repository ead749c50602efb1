// One gateway applier, wired: bus edge → apply loop → dataplane, reports and
// heartbeats through the status outbox, metrics, periodic drift checks and lag.
// A process normally runs one; benchmarks run many over one connection.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { encodeHeartbeat, encodeReport } from "../../libs/events/codec.ts";
import { groupFilterOf } from "../../libs/events/event.ts";
import { statusSubjectOf, type GatewayReport } from "../../libs/events/status.ts";
import { ApplyLoop, type ApplyObserver } from "./apply-loop.ts";
import { realTimers, type Timers } from "./coalescer.ts";
import type { Dataplane } from "./dataplane.ts";
import { bootstrap, follow, type EventSourceOptions, type FollowControl } from "./event-source.ts";
import { StallWatch } from "./stall-watch.ts";
import { combineObservers, logObserver } from "./log-observer.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
import { heartbeatOf, type GatewayIdentity } from "./report.ts";
import { STATUS_TYPE_HEADER, StatusOutbox } from "./status-outbox.ts";

/** Timing knobs (see settings.ts for their meaning and defaults). */
export interface GatewayTiming {
  readonly coalesceQuietMs: number;
  readonly coalesceMaxMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly heartbeatMs: number;
  /** 0 = no drift check. */
  readonly driftCheckMs: number;
  readonly statusQueue: number;
  /** A follower that delivers nothing this long after a doorbell is reopened. */
  readonly stallGraceMs: number;
}

export interface GatewayOptions {
  readonly identity: GatewayIdentity;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly dataplane: Dataplane;
  readonly timing: GatewayTiming;
  readonly log: Logger;
  /** Software version carried by heartbeats. */
  readonly version: string;
  readonly timers?: Timers;
  /** Extra hooks on the apply loop (the process's memory governor). */
  readonly observer?: ApplyObserver;
  /** Extra hook per report (benchmarks observe convergence in-process with it). */
  readonly onReport?: (report: GatewayReport) => void;
}

export class Gateway {
  readonly loop: ApplyLoop;
  readonly metrics: GatewayMetrics;
  readonly outbox: StatusOutbox;
  private readonly o: GatewayOptions;
  private readonly subject: string;
  private readonly abort = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | null = null;
  private headSeq = 0;
  private bootstrapped = false;

  constructor(options: GatewayOptions) {
    this.o = options;
    const { identity, log, timing } = options;
    this.subject = statusSubjectOf(identity.group, identity.gatewayId);
    this.metrics = createGatewayMetrics(identity.gatewayId, identity.group);
    this.outbox = new StatusOutbox({
      capacity: timing.statusQueue,
      idPrefix: `${identity.gatewayId}.${Date.now().toString(36)}`,
      send: async (subject, data, msgId, type) => {
        const h = headers();
        h.set(STATUS_TYPE_HEADER, type);
        await options.js.publish(subject, data, { msgID: msgId, timeout: 2_000, headers: h });
      },
      onDrop: () => this.metrics.statusDropped(),
      onError: (err) => log.debug({ err }, "status publish failed; kept queued"),
    });
    this.loop = new ApplyLoop({
      identity,
      dataplane: options.dataplane,
      timers: options.timers ?? realTimers,
      wallClock: () => Date.now(),
      coalesce: { quietMs: timing.coalesceQuietMs, maxMs: timing.coalesceMaxMs },
      backoff: { baseMs: timing.retryBaseMs, maxMs: timing.retryMaxMs, jitter: 0.2 },
      publish: (report) => this.publish(report),
      observer: combineObservers(
        this.metrics.observer,
        logObserver(log),
        ...(options.observer ? [options.observer] : []),
      ),
    });
  }

  /** True once the initial state was read (the first apply may still be failing). */
  get isBootstrapped(): boolean {
    return this.bootstrapped;
  }

  /**
   * Starts bootstrap, then following, heartbeats, drift checks and lag polling in
   * the background. Resolves when the bootstrap's first apply attempt is over (or
   * the gateway was stopped before).
   */
  async start(): Promise<void> {
    const { js, identity, log, timing } = this.o;
    void this.watchConnection();
    const source = {
      js,
      group: identity.group,
      loop: this.loop,
      signal: this.abort.signal,
      onReadError: (err: unknown, phase: string, retryMs: number) =>
        log.warn({ err, phase, retryMs }, "reading events failed; retrying"),
      onBootstrapRead: (info: { lastSeq: number }) => {
        // A complete last-per-subject read ends at the group's head (nothing pending).
        this.headSeq = Math.max(this.headSeq, info.lastSeq);
        log.info(info, "bootstrap read");
      },
    };
    const boot = bootstrap(source).then((ok) => {
      this.bootstrapped = ok;
      return ok;
    });
    this.running = boot.then((ok) => (ok ? this.follow(source) : undefined));
    this.every(timing.heartbeatMs, () => this.beat());
    if (timing.driftCheckMs > 0) this.every(timing.driftCheckMs, () => this.checkDrift());
    await boot;
    this.beat();
  }

  /**
   * Graceful stop: stops consuming and the timers, finishes the apply in flight,
   * publishes a last heartbeat and tries for `flushMs` to send what is queued.
   * Leaves the rules in place. Never rejects.
   */
  async stop(flushMs = 2_000): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    await this.loop.stop();
    await this.running?.catch(() => undefined);
    this.beat();
    const flushed = await this.outbox.close(flushMs);
    if (!flushed)
      this.o.log.warn({ queued: this.outbox.size }, "status not fully published at stop");
  }

  /**
   * Follows with a stall watch: a core subscription on the group's subjects rings
   * for every published event; a follower that then delivers nothing within the grace
   * is reopened at its checkpoint (see stall-watch.ts for the measured cause).
   */
  private async follow(source: EventSourceOptions): Promise<void> {
    let control: FollowControl | null = null;
    const watch = new StallWatch({
      timers: this.o.timers ?? realTimers,
      graceMs: this.o.timing.stallGraceMs,
      onStall: () => {
        this.metrics.followerRestarted();
        this.o.log.warn({ nextSeq: this.loop.nextSeq }, "event follower stalled; reopening it");
        control?.restart();
      },
    });
    const doorbell = this.o.nc.subscribe(groupFilterOf(this.o.identity.group), {
      callback: () => watch.rang(),
    });
    try {
      await follow({
        ...source,
        onDelivered: (seq, pending) => {
          watch.delivered();
          // The group's head for the lag metric, from the deliveries themselves: exact
          // when nothing is pending, a lower bound while the follower is behind. (No
          // message get: gateway credentials need no read of other groups' events.)
          this.headSeq = Math.max(this.headSeq, seq + pending);
        },
        control: (c) => (control = c),
      });
    } finally {
      doorbell.unsubscribe();
      watch.close();
    }
  }

  private publish(report: GatewayReport): void {
    this.o.onReport?.(report);
    try {
      this.outbox.enqueueReport(this.subject, encodeReport(report));
    } catch (err) {
      this.o.log.error({ err, report }, "report could not be encoded; dropped");
    }
    this.refreshMetrics();
  }

  private beat(): void {
    const hb = heartbeatOf(this.o.identity, this.loop.status(), this.o.version, Date.now());
    try {
      this.outbox.setHeartbeat(this.subject, encodeHeartbeat(hb));
    } catch (err) {
      this.o.log.error({ err }, "heartbeat could not be encoded; dropped");
    }
    this.refreshMetrics();
  }

  private refreshMetrics(): void {
    this.metrics.refresh(this.loop.status(), this.headSeq);
    this.metrics.statusQueued(this.outbox.size);
  }

  private async checkDrift(): Promise<void> {
    try {
      await this.loop.checkDrift();
    } catch (err) {
      this.o.log.warn({ err }, "drift check failed");
    }
  }

  private every(ms: number, fn: () => unknown): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Pauses the outbox while NATS is away and resumes it on reconnect. */
  private async watchConnection(): Promise<void> {
    const statuses = this.o.nc.status();
    // Typed as a plain AsyncIterable; the client's queued iterator can be stopped.
    const stoppable = statuses as AsyncIterable<unknown> & { stop?: () => void };
    this.abort.signal.addEventListener("abort", () => stoppable.stop?.(), { once: true });
    for await (const s of statuses) {
      if (s.type === "disconnect") {
        this.outbox.setOnline(false);
        this.o.log.warn({ server: s.server }, "nats disconnected; rules stay in place");
      } else if (s.type === "reconnect") {
        this.outbox.setOnline(true);
        this.o.log.info({ server: s.server }, "nats reconnected");
      }
    }
  }
}
