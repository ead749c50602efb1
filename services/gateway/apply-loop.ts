// The apply loop: the gateway's state machine, free of NATS and of nft processes.
//
//   events ──fold──▶ state ──(coalesced)──▶ inventoryOf(state, group) ──▶ dataplane.sync
//                                                                          │ ok  → ACK report
//                                                                          └ err → NACK report,
//                                                                              retry with backoff (full)
//
// - Bootstrap: fold the last event of every subject, then one full sync.
// - Following: every event is folded at once; applies are coalesced (coalescer.ts).
//   One apply at a time; events that arrive during an apply start the next one.
// - A failed apply keeps the last good ruleset (nft transactions are atomic), is
//   reported, and is retried after an exponential backoff; new events wait for
//   that retry, which covers them too. The dataplane makes the retry full.
// - A bad event is reported (`bad_event`, its sequence), skipped, and counts as
//   covered by the next apply: nothing in it can be applied.
// - Reports go to `publish`, which must not block (status-outbox.ts queues them).
import { applyEvent, initialState, inventoryOf } from "../../libs/domain/state.ts";
import type { Anomaly, WritableFoldState } from "../../libs/domain/state.ts";
import type { ApplyCounts, ApplyError, GatewayReport, SyncKind } from "../../libs/events/status.ts";
import { retryDelayMs, type BackoffOptions } from "./backoff.ts";
import { Coalescer, type Timers } from "./coalescer.ts";
import type { Dataplane, DriftFinding, SyncOutcome } from "./dataplane.ts";
import type { Incoming } from "./incoming.ts";
import type { ApplyAttempt, GatewayIdentity, GatewayStanding } from "./report.ts";
import { ReportCodes, applyErrorOf, badEventError, countsOf, reportOf } from "./report.ts";

/** Optional hooks for metrics and logs; none may throw. */
export interface ApplyObserver {
  folded?(incoming: Incoming): void;
  anomaly?(a: Anomaly): void;
  /** After every attempt; `outcome` is null on failure (`err` says why). */
  attempted?(attempt: ApplyAttempt, outcome: SyncOutcome | null, err: unknown): void;
  retryScheduled?(delayMs: number, failures: number): void;
  drift?(finding: DriftFinding): void;
}

export interface ApplyLoopOptions {
  readonly identity: GatewayIdentity;
  readonly dataplane: Dataplane;
  readonly timers: Timers;
  /** Unix milliseconds, for report stamps. */
  readonly wallClock: () => number;
  readonly coalesce: { readonly quietMs: number; readonly maxMs: number };
  readonly backoff: BackoffOptions;
  /** Hands a report over for publishing; must return at once. */
  readonly publish: (report: GatewayReport) => void;
  readonly observer?: ApplyObserver;
}

/** What the loop knows about itself (health, readiness, heartbeats, metrics). */
export interface LoopStatus extends GatewayStanding {
  /** The initial state was read and its first apply succeeded. */
  readonly ready: boolean;
  /** null before the first attempt. */
  readonly lastApplyOk: boolean | null;
  /** The highest stream sequence delivered (events and bad events). */
  readonly receivedSeq: number;
  readonly consecutiveFailures: number;
}

export class ApplyLoop {
  private readonly o: ApplyLoopOptions;
  private readonly coalescer: Coalescer;
  private readonly fold: WritableFoldState = initialState();
  private readonly startedAt: number;
  private bootstrapping = true;
  private ready = false;
  private stopped = false;
  private receivedSeq = 0;
  private appliedSeq = 0;
  private hash = "";
  private counts: ApplyCounts = { services: 0, endpoints: 0, policies: 0 };
  private lastError: ApplyError | null = null;
  private lastApplyOk: boolean | null = null;
  private expectFull = true;
  private dirty = false;
  private failures = 0;
  private retryHandle: unknown = null;
  private inFlight: Promise<void> | null = null;

  constructor(options: ApplyLoopOptions) {
    this.o = options;
    this.startedAt = options.wallClock();
    this.coalescer = new Coalescer({
      ...options.coalesce,
      timers: options.timers,
      onDue: () => this.kick(),
    });
  }

  /**
   * Takes one delivered message: folds an event into the state, or reports a bad
   * one and skips it. During bootstrap nothing is applied; afterwards an apply is
   * scheduled (coalesced). Messages after stop() are ignored. Never throws.
   */
  offer(incoming: Incoming): void {
    if (this.stopped) return;
    if (incoming.ok) {
      const before = this.fold.anomalies.length;
      applyEvent(this.fold, incoming.stored);
      for (const a of this.fold.anomalies.slice(before)) this.o.observer?.anomaly?.(a);
      this.receivedSeq = Math.max(this.receivedSeq, incoming.stored.seq);
    } else {
      this.receivedSeq = Math.max(this.receivedSeq, incoming.seq);
      const error = badEventError(incoming.seq, incoming.subject, incoming.error);
      this.publishAttempt({ ...this.standingAttempt(incoming.seq), error });
    }
    this.o.observer?.folded?.(incoming);
    if (this.bootstrapping) return;
    this.dirty = true;
    this.coalescer.notify();
  }

  /**
   * Ends the bootstrap: applies the folded state (a full sync) and resolves when
   * that attempt is over, ok or not (a failure is retried with backoff).
   */
  async completeBootstrap(): Promise<void> {
    this.bootstrapping = false;
    this.dirty = true;
    this.start();
    await this.inFlight;
  }

  /** The stream sequence from which to follow: one past the last delivered. */
  get nextSeq(): number {
    return this.receivedSeq + 1;
  }

  status(): LoopStatus {
    return {
      ready: this.ready,
      lastApplyOk: this.lastApplyOk,
      receivedSeq: this.receivedSeq,
      appliedSeq: this.appliedSeq,
      hash: this.hash,
      lastError: this.lastError,
      startedAt: this.startedAt,
      consecutiveFailures: this.failures,
    };
  }

  /**
   * One drift check, when the loop is settled (bootstrapped, nothing pending, no
   * apply in flight or failing). Drift is repaired by a full sync of the current
   * state; a report with code `drift_repaired` (or `drift_detected` if the repair
   * failed) naming the differences precedes the repair's own ACK/NACK. Resolves
   * with the finding, or null when skipped. Rejects when listing failed.
   */
  async checkDrift(): Promise<DriftFinding | null> {
    if (!this.settled()) return null;
    const finding = await this.o.dataplane.checkDrift();
    this.o.observer?.drift?.(finding);
    if (finding.clean || !this.settled()) return finding;
    this.o.dataplane.requestFullSync();
    this.expectFull = true;
    this.dirty = true;
    this.start(finding);
    await this.inFlight;
    return finding;
  }

  /** Stops taking events and timers, and resolves once the apply in flight is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.coalescer.cancel();
    if (this.retryHandle !== null) this.o.timers.clear(this.retryHandle);
    this.retryHandle = null;
    await this.inFlight;
  }

  /** Resolves when the apply in flight (if any) is over. */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  private settled(): boolean {
    return (
      !this.stopped &&
      !this.bootstrapping &&
      this.inFlight === null &&
      this.retryHandle === null &&
      !this.coalescer.pending &&
      !this.dirty &&
      this.lastApplyOk === true
    );
  }

  /** The coalescer says a burst is due. */
  private kick(): void {
    // An apply in flight starts the next one itself; a pending retry covers the burst.
    if (this.stopped || this.inFlight !== null || this.retryHandle !== null) return;
    if (this.dirty) this.start();
  }

  private start(drift: DriftFinding | null = null): void {
    this.inFlight = this.applyOnce(drift).finally(() => {
      this.inFlight = null;
      // Events folded during the apply: their burst may already be due.
      if (!this.stopped && this.dirty && !this.coalescer.pending && this.retryHandle === null)
        this.start();
    });
  }

  private async applyOnce(drift: DriftFinding | null): Promise<void> {
    this.dirty = false;
    const seq = this.receivedSeq;
    const inventory = inventoryOf(this.fold, this.o.identity.group);
    const counts = countsOf(inventory);
    const kind: SyncKind = this.expectFull ? "full" : "incremental";
    const started = this.o.timers.now();
    let outcome: SyncOutcome;
    try {
      outcome = await this.o.dataplane.sync(inventory);
    } catch (err) {
      const error = applyErrorOf(err);
      this.lastError = error;
      this.lastApplyOk = false;
      this.expectFull = true;
      this.failures += 1;
      const attempt = {
        seq,
        kind,
        hash: this.hash,
        durationMs: this.o.timers.now() - started,
        counts,
        error,
      };
      if (drift !== null) this.publishDrift(ReportCodes.driftDetected, drift, kind);
      this.publishAttempt(attempt);
      this.o.observer?.attempted?.(attempt, null, err);
      if (!this.stopped) this.scheduleRetry();
      return;
    }
    this.appliedSeq = seq;
    this.hash = outcome.hash;
    this.counts = counts;
    this.lastError = null;
    this.lastApplyOk = true;
    this.ready = true;
    this.expectFull = false;
    this.failures = 0;
    const attempt: ApplyAttempt = {
      seq,
      kind: outcome.kind === "noop" ? "incremental" : outcome.kind,
      hash: outcome.hash,
      durationMs: outcome.durationMs,
      counts,
      error: null,
    };
    if (drift !== null) this.publishDrift(ReportCodes.driftRepaired, drift, attempt.kind);
    this.publishAttempt(attempt);
    this.o.observer?.attempted?.(attempt, outcome, null);
  }

  private scheduleRetry(): void {
    const delay = retryDelayMs(this.failures, this.o.backoff);
    this.o.observer?.retryScheduled?.(delay, this.failures);
    this.retryHandle = this.o.timers.set(() => {
      this.retryHandle = null;
      if (this.stopped || this.inFlight !== null) return;
      this.dirty = true;
      this.start();
    }, delay);
  }

  /** An attempt-shaped record of what runs now (for bad-event and drift reports). */
  private standingAttempt(seq: number): Omit<ApplyAttempt, "error"> {
    return {
      seq,
      kind: this.expectFull ? "full" : "incremental",
      hash: this.hash,
      durationMs: 0,
      counts: this.counts,
    };
  }

  private publishDrift(code: string, drift: DriftFinding, kind: SyncKind): void {
    const n = drift.differences.length;
    const message = `${n} difference${n === 1 ? "" : "s"} in the owned tables: ${drift.differences.join("; ")}`;
    this.publishAttempt({
      ...this.standingAttempt(this.appliedSeq),
      kind,
      error: { code, message },
    });
  }

  private publishAttempt(attempt: ApplyAttempt): void {
    this.o.publish(reportOf(this.o.identity, attempt, this.o.wallClock()));
  }
}
