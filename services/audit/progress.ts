// Progress of a long replay, reported to a callback (the CLI draws it on a terminal).

/** Where a replay stands. */
export interface Progress {
  /** What is being read, e.g. "replay" or "verify". */
  readonly phase: string;
  /** Messages read so far. */
  readonly done: number;
  /** Messages expected in all (an upper estimate for time bounds); 0 when unknown. */
  readonly total: number;
  readonly elapsedMs: number;
  /** True for the last call of a phase. */
  readonly finished: boolean;
}

export type ProgressListener = (p: Progress) => void;

/** Calls the listener at most every `intervalMs` (checked every 1,024 messages) and once at the end. */
export class ProgressMeter {
  private done = 0;
  private readonly started = performance.now();
  private lastReport = this.started;
  private readonly phase: string;
  private readonly total: number;
  private readonly listener: ProgressListener | undefined;
  private readonly intervalMs: number;

  constructor(
    phase: string,
    total: number,
    listener: ProgressListener | undefined,
    intervalMs = 250,
  ) {
    this.phase = phase;
    this.total = total;
    this.listener = listener;
    this.intervalMs = intervalMs;
  }

  /** Counts one message; cheap enough for every message of a 1M-event replay. */
  tick(): void {
    this.done++;
    if (this.listener === undefined || (this.done & 1023) !== 0) return;
    const now = performance.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.emit(false, now);
  }

  /** Reports the end of the phase (once). */
  finish(): void {
    if (this.listener !== undefined) this.emit(true, performance.now());
  }

  get count(): number {
    return this.done;
  }

  private emit(finished: boolean, now: number): void {
    this.listener?.({
      phase: this.phase,
      done: this.done,
      total: Math.max(this.total, this.done),
      elapsedMs: now - this.started,
      finished,
    });
  }
}
