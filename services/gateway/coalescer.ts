// Coalescing: a burst of events becomes one apply. The apply fires `quietMs` after
// the last event of the burst, but never later than `maxMs` after its first event,
// so a steady trickle cannot postpone it forever. Pure timing logic: the clock and
// the timers are injected, so tests drive it with a fake clock.

/** The time source and one-shot timers the coalescer uses. */
export interface Timers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for `clear`. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers (performance.now and setTimeout); timers do not keep the process alive. */
export const realTimers: Timers = {
  now: () => performance.now(),
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface CoalescerOptions {
  readonly quietMs: number;
  /** >= quietMs. */
  readonly maxMs: number;
  readonly timers: Timers;
  /** Called once per burst, when it is due. */
  readonly onDue: () => void;
}

/**
 * Collects bursts. `notify()` per event; `onDue` fires once per burst at
 * min(last event + quietMs, first event + maxMs). quietMs 0 fires on the next
 * timer turn. `cancel()` drops a pending burst (no call).
 */
export class Coalescer {
  private readonly options: CoalescerOptions;
  private firstAt: number | null = null;
  private handle: unknown = null;

  constructor(options: CoalescerOptions) {
    this.options = options;
  }

  /** True while a burst waits for its apply. */
  get pending(): boolean {
    return this.firstAt !== null;
  }

  /** Milliseconds since the pending burst's first event, or 0 when none is pending. */
  waitedMs(): number {
    return this.firstAt === null ? 0 : this.options.timers.now() - this.firstAt;
  }

  /** One more event: starts a burst or extends the pending one (never past its cap). */
  notify(): void {
    const { timers, quietMs, maxMs } = this.options;
    const now = timers.now();
    this.firstAt ??= now;
    const dueAt = Math.min(now + quietMs, this.firstAt + maxMs);
    if (this.handle !== null) timers.clear(this.handle);
    this.handle = timers.set(() => this.fire(), Math.max(0, dueAt - now));
  }

  /** Drops the pending burst without calling `onDue`. */
  cancel(): void {
    if (this.handle !== null) this.options.timers.clear(this.handle);
    this.handle = null;
    this.firstAt = null;
  }

  private fire(): void {
    this.handle = null;
    this.firstAt = null;
    this.options.onDue();
  }
}
