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

export class StallWatch {
  private readonly o: StallWatchOptions;
  /** The first ring since the last delivery, or null when every ring was answered. */
  private unanswered: number | null = null;
  private handle: unknown = null;

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
    const dueAt = this.unanswered + this.o.graceMs;
    if (this.o.timers.now() < dueAt) return this.arm(dueAt);
    this.unanswered = null;
    this.o.onStall();
  }
}
