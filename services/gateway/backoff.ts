// Retry delays after a failed apply: exponential, capped, with optional jitter so
// a fleet that failed together does not retry in lock-step. Pure.

export interface BackoffOptions {
  /** Delay before the first retry (ms, > 0). */
  readonly baseMs: number;
  /** Longest delay (ms, >= baseMs). */
  readonly maxMs: number;
  /**
   * Fraction of the delay drawn at random and subtracted (0 = none, 0.2 = up to
   * 20 % shorter); `random` gives a number in [0, 1).
   */
  readonly jitter?: number;
  readonly random?: () => number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): baseMs · 2^(attempt-1),
 * capped at maxMs, minus jitter. Attempts below 1 count as 1. Never throws.
 */
export function retryDelayMs(attempt: number, options: BackoffOptions): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^30 already exceeds any sane cap; clamp the exponent to keep it finite.
  const raw = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(n - 1, 30));
  const jitter = options.jitter ?? 0;
  if (jitter <= 0) return raw;
  const draw = (options.random ?? Math.random)();
  return Math.round(raw * (1 - jitter * draw));
}
