// Reading LBAAS_EVENTS for the view: replay from sequence 1, ready once the head as of
// the start is reached, then follow forever (restarting after the last delivered
// sequence on any read failure), and let callers wait for a sequence.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { setTimeout as sleep } from "node:timers/promises";
import { followFrom, lastSequence, type BusMessage, type Follower } from "../../libs/bus/read.ts";
import { EVENTS_STREAM, EVENTS_SUBJECTS } from "../../libs/bus/streams.ts";

export interface EventFollowerOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  /** Called for every message, in stream order, before waiters are released. */
  readonly onMessage: (m: BusMessage) => void;
}

export class EventFollower {
  /** The last sequence delivered (0 before any). */
  followedSeq = 0;
  /** True once the replay reached the head of the stream as of `start`. */
  ready = false;
  private readonly o: EventFollowerOptions;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private follower: Follower | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(options: EventFollowerOptions) {
    this.o = options;
  }

  /** The stream's head, retried while a cluster elects a stream leader. */
  private async head(): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await lastSequence(this.o.jsm, EVENTS_STREAM, EVENTS_SUBJECTS);
      } catch (err) {
        if (attempt >= 20) throw err;
        this.o.logger.warn({ err }, "reading the stream head failed; retrying");
        await sleep(Math.min(250 * attempt, 2_000));
      }
    }
  }

  /**
   * Reads the head and starts following in the background; returns at once. Throws
   * the BusError of the head read when it keeps failing.
   */
  async start(): Promise<void> {
    const head = await this.head();
    this.loop = this.followForever(head);
  }

  /** Resolves when ready (or stopped). */
  async whenReady(): Promise<void> {
    while (!this.ready && !this.stopped) await sleep(10);
  }

  /** Stops following; idempotent. Pending waits are released (with false). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.follower?.stop();
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    await this.loop;
  }

  private async followForever(head: number): Promise<void> {
    if (head === 0) this.ready = true;
    const log = this.o.logger;
    while (!this.stopped) {
      this.follower = followFrom(this.o.js, EVENTS_STREAM, EVENTS_SUBJECTS, this.followedSeq + 1);
      try {
        for await (const m of this.follower) this.deliver(m, head);
      } catch (err) {
        if (this.stopped) return;
        log.error({ err, seq: this.followedSeq }, "following the event stream failed; retrying");
        await sleep(1_000);
      }
    }
  }

  /** Hands one message over (also used by tests, which have no server). */
  deliver(m: BusMessage, head = 0): void {
    this.followedSeq = m.seq;
    this.o.onMessage(m);
    if (!this.ready && this.followedSeq >= head) {
      this.ready = true;
      this.o.logger.info({ seq: this.followedSeq }, "view caught up with the event stream");
    }
    for (const w of this.waiters)
      if (this.followedSeq >= w.seq) {
        this.waiters.delete(w);
        w.resolve();
      }
  }

  /**
   * Resolves once `seq` was delivered (true) or after `timeoutMs` (false). Resolves at
   * once when it already was, and with false when stopped.
   */
  async waitFor(seq: number, timeoutMs = 10_000): Promise<boolean> {
    if (this.followedSeq >= seq) return true;
    let timer: NodeJS.Timeout | undefined;
    const reached = await new Promise<boolean>((resolve) => {
      const w = { seq, resolve: () => resolve(this.followedSeq >= seq) };
      this.waiters.add(w);
      timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
    });
    clearTimeout(timer);
    return reached;
  }

  /**
   * Reads the stream's head and waits until it was delivered: afterwards every event
   * written before the call has been handed over. False on timeout.
   */
  async catchUp(timeoutMs = 10_000): Promise<boolean> {
    const head = await lastSequence(this.o.jsm, EVENTS_STREAM, EVENTS_SUBJECTS);
    return this.waitFor(head, timeoutMs);
  }
}
