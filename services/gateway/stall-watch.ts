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
  private lastDelivery = -Infinity;
  private pendingRing: number | null = null;
  private handle: unknown = null;

  constructor(options: StallWatchOptions) {
    this.o = options;
  }

  /** An event was published on the group's subjects (the doorbell rang). */
  rang(): void {
    if (this.handle !== null) return; // the oldest unanswered ring decides
    this.pendingRing = this.o.timers.now();
    this.handle = this.o.timers.set(() => this.check(), this.o.graceMs);
  }

  /** The follower delivered a message. */
  delivered(): void {
    this.lastDelivery = this.o.timers.now();
  }

  close(): void {
    if (this.handle !== null) this.o.timers.clear(this.handle);
    this.handle = null;
  }

  private check(): void {
    this.handle = null;
    const ringAt = this.pendingRing ?? Infinity;
    this.pendingRing = null;
    if (this.lastDelivery < ringAt) this.o.onStall();
  }
}
