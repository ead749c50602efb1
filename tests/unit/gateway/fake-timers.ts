// A fake clock with one-shot timers for the gateway's timing logic: time moves
// only when a test calls advance(), and due timers fire in order of due time.
import type { Timers } from "../../../services/gateway/coalescer.ts";

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class FakeTimers implements Timers {
  private clock = 0;
  private nextId = 1;
  private pending: Pending[] = [];

  now(): number {
    return this.clock;
  }

  set(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, at: this.clock + Math.max(0, ms), fn });
    return id;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Due times of the timers still pending, sorted. */
  dueTimes(): number[] {
    return this.pending.map((p) => p.at).sort((a, b) => a - b);
  }

  /**
   * Moves the clock forward by `ms`, firing every timer that falls due on the way
   * (each at its own due time), and lets promise callbacks run after each one.
   */
  async advance(ms: number): Promise<void> {
    const end = this.clock + ms;
    for (;;) {
      await settle();
      const next = [...this.pending].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined || next.at > end) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.clock = next.at;
      next.fn();
    }
    this.clock = end;
    await settle();
  }
}

/** Lets queued promise callbacks (and their follow-ups) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
