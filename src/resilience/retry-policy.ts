/**
 * What the retry loop retries, how long it waits between attempts and how long a
 * whole command may spend retrying. One defaults object, merged with the caller's
 * partial options and validated once.
 */

export interface RetryPolicy {
  /** Retries after the first attempt, so `maxRetries + 1` attempts in all. @default 3 */
  maxRetries: number;
  /** Delay before the first retry; each later retry doubles it. @default 500 (ms) */
  baseDelayMs: number;
  /** Upper bound of one backoff delay, jitter included. @default 5000 (ms) */
  maxDelayMs: number;
  /** Random extra delay, as a fraction of the exponential delay (0.3 = up to 30 %). @default 0.3 */
  jitterRatio: number;
  /** Time a whole command may spend retrying, counted from its first attempt. @default 30000 (ms) */
  budgetMs: number;
  /** HTTP statuses worth another attempt. @default [408, 429, 500, 502, 503, 504] */
  retryableStatuses: readonly number[];
  /**
   * Network codes worth another attempt; a `TimeoutError` counts as `ETIMEDOUT`.
   * @default ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND']
   */
  retryableNetworkCodes: readonly string[];
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 5_000,
  jitterRatio: 0.3,
  budgetMs: 30_000,
  retryableStatuses: Object.freeze([408, 429, 500, 502, 503, 504]),
  retryableNetworkCodes: Object.freeze([
    'ECONNRESET',
    'ETIMEDOUT',
    'ECONNREFUSED',
    'EPIPE',
    'ENOTFOUND',
  ]),
});

/** Merges `overrides` into the defaults; throws `RangeError` naming the first invalid field. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...withoutUndefined(overrides) };

  requireInteger('maxRetries', policy.maxRetries, 0);
  requireInteger('baseDelayMs', policy.baseDelayMs, 0);
  requireInteger('maxDelayMs', policy.maxDelayMs, 0);
  requireInteger('budgetMs', policy.budgetMs, 0);
  if (!(policy.jitterRatio >= 0 && policy.jitterRatio <= 1)) {
    throw new RangeError(`jitterRatio must be between 0 and 1, got ${String(policy.jitterRatio)}`);
  }

  if (policy.maxDelayMs < policy.baseDelayMs) {
    throw new RangeError(
      `maxDelayMs must be at least baseDelayMs (${policy.baseDelayMs}), got ${policy.maxDelayMs}`,
    );
  }

  for (const status of policy.retryableStatuses) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(
        `retryableStatuses must hold HTTP error statuses, got ${String(status)}`,
      );
    }
  }

  return policy;
}

function requireInteger(field: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(
      `${field} must be an integer of at least ${minimum}, got ${String(value)}`,
    );
  }
}

// `{ maxRetries: undefined }` from an unset flag must not erase the default.
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
