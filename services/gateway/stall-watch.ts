// Detects a follower that stopped delivering while events are being published.
//
// Why: measured on nats-server 2.9.10 with @nats-io/jetstream 3.4.0 and 100
// ordered consumers on a busy host, now and then the server's "408 request
// timeout" that ends a pull request never reaches the client; the client then
// has no pull outstanding and only notices after two missed idle heartbeats
// (10 s with libs/bus's 10 s pulls). Events published meanwhile wait that long.
// A core subscription on the group's subjects is a cheap doorbell: if it rings
// and the follower delivers nothing within `graceMs`, the follower is reopened
// at its checkpoint (no gap, no duplicate). Pure timing; timers are injected.
import type { Timers } from "./coalescer.ts";

export interface StallWatchOptions {
  readonly timers: Timers;
  /** How long a ring may go unanswered by a delivery (ms). */
  readonly graceMs: number;
  /** Called when it did; at most once per `graceMs`. */
  readonly onStall: () => void;
}

/** A check later than this was delayed by a busy event loop. */
const LATE_MS = 20;

export class StallWatch {
  private readonly o: StallWatchOptions;
  /** The first ring since the last delivery, or null when every ring was answered. */
  private unanswered: number | null = null;
  private handle: unknown = null;
  /** The check now running was postponed once because it fired late. */
  private postponed = false;

  constructor(options: StallWatchOptions) {
    this.o = options;
  }

  /** An event was published on the group's subjects (the doorbell rang). */
  rang(): void {
    this.unanswered ??= this.o.timers.now();
    this.arm(this.unanswered + this.o.graceMs);
  }

  /** The follower delivered a message: every ring so far counts as answered. */
  delivered(): void {
    this.unanswered = null;
    this.postponed = false;
  }

  close(): void {
    if (this.handle !== null) this.o.timers.clear(this.handle);
    this.handle = null;
  }

  private arm(at: number): void {
    if (this.handle !== null) return;
    this.handle = this.o.timers.set(() => this.check(), Math.max(0, at - this.o.timers.now()));
  }

  private check(): void {
    this.handle = null;
    if (this.unanswered === null) return;
    const now = this.o.timers.now();
    const dueAt = this.unanswered + this.o.graceMs;
    if (now < dueAt) return this.arm(dueAt);
    // Fired late: the event loop was busy (a long apply), and timers run before
    // the socket data that waited meanwhile. Look again once that data was read.
    if (now > dueAt + LATE_MS && !this.postponed) {
      this.postponed = true;
      return this.arm(now + LATE_MS);
    }
    this.postponed = false;
    this.unanswered = null;
    this.o.onStall();
  }
}
