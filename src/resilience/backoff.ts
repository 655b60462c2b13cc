/**
 * Exponential backoff with additive jitter: `baseDelayMs × 2^retry`, plus up to
 * `jitterRatio` of that at random, capped at `maxDelayMs`. The jitter spreads the
 * retries of many clients that failed together, so they do not return together.
 */
import type { Random } from '../util/clock.js';
import type { RetryPolicy } from './retry-policy.js';

/**
 * Computes the wait before retry number `retry` (0 for the first retry). The result
 * is never below zero or above `policy.maxDelayMs`, whatever `random` returns.
 */
export function computeBackoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'jitterRatio'>,
  random: Random,
): number {
  if (!Number.isInteger(retry) || retry < 0) {
    throw new RangeError(`retry must be a non-negative integer, got ${String(retry)}`);
  }

  const exponential = policy.baseDelayMs * 2 ** retry;
  const jitter = exponential * policy.jitterRatio * clampUnit(random());

  return Math.min(policy.maxDelayMs, Math.max(0, Math.round(exponential + jitter)));
}

// An injected source that returns NaN or leaves [0, 1) must not produce a negative or endless wait.
function clampUnit(value: number): number {
  if (!Number.isFinite(value)) {
    return 0;
  }

  return Math.min(1, Math.max(0, value));
}
