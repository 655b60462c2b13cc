/**
 * The retry loop: runs an operation, and after a transient failure waits (backoff or
 * the server's `Retry-After`) and runs it again, within an attempt limit and a
 * deadline for the whole command. It emits events and never logs.
 */
import { AbortedError, hasCode, RetryBudgetExceededError } from '../errors/errors.js';
import type { Clock, Random } from '../util/clock.js';
import { computeBackoffDelay } from './backoff.js';
import { isRetryableError, isUndeliveredRequestError } from './classify.js';
import { resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';

export interface RetryEvent {
  /** The attempt that failed, from 1; also the number of the retry about to wait. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export type GiveUpReason =
  /** The error is not transient (4xx, unknown error, invalid response...). */
  | 'not-retryable'
  /** The request may have changed something and the caller did not mark it idempotent. */
  | 'not-idempotent'
  | 'retries-exhausted'
  /** The next backoff delay would end after the deadline. */
  | 'deadline'
  /** The server's `Retry-After` ends after the deadline; a `RetryBudgetExceededError` is thrown. */
  | 'retry-after-too-long';

export interface GiveUpEvent {
  /** Attempts made, the failed one included. */
  attempts: number;
  error: unknown;
  reason: GiveUpReason;
}

export interface RetryOptions {
  /** Overrides of `DEFAULT_RETRY_POLICY`; validated, so a bad value throws `RangeError`. */
  policy?: Partial<RetryPolicy>;
  clock: Clock;
  random: Random;
  /** Aborting it (Ctrl-C) ends the wait or the running attempt at once with `AbortedError`. */
  signal?: AbortSignal;
  /**
   * True when repeating the request cannot apply a change twice (GET, DELETE, bulk
   * delete of explicit ids). Other requests are retried only when they were never
   * delivered (connection refused, host not found).
   */
  idempotent: boolean;
  /**
   * Epoch millisecond after which no wait may end, shared by all calls of one command.
   * @default the time of the first attempt + `policy.budgetMs`
   */
  deadline?: number;
  onRetry?: (event: RetryEvent) => void;
  onGiveUp?: (event: GiveUpEvent) => void;
}

type RetryPlan = { kind: 'wait'; delayMs: number } | { kind: 'give-up'; reason: GiveUpReason };

/**
 * Runs `operation` (called with the attempt number, from 1, and the abort signal) until
 * it succeeds or the policy gives up; then rethrows the last error, or throws
 * `RetryBudgetExceededError` when the server asked for a wait past the deadline.
 */
export async function retry<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = resolveRetryPolicy(options.policy);
  const signal = options.signal ?? new AbortController().signal;
  const deadline = options.deadline ?? options.clock.now() + policy.budgetMs;

  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(signal);

    try {
      return await runAttempt(operation, attempt, signal);
    } catch (error) {
      if (signal.aborted) {
        throw toAbortedError(error, signal);
      }

      const plan = planRetry(error, attempt, policy, options, deadline);
      if (plan.kind === 'give-up') {
        options.onGiveUp?.({ attempts: attempt, error, reason: plan.reason });
        throw plan.reason === 'retry-after-too-long' ? budgetExceeded(error) : error;
      }

      options.onRetry?.({ attempt, delayMs: plan.delayMs, error });
      await options.clock.sleep(plan.delayMs, signal);
    }
  }
}

function planRetry(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  options: RetryOptions,
  deadline: number,
): RetryPlan {
  if (!isRetryableError(error, policy)) {
    return { kind: 'give-up', reason: 'not-retryable' };
  }

  if (!options.idempotent && !isUndeliveredRequestError(error)) {
    return { kind: 'give-up', reason: 'not-idempotent' };
  }

  if (attempt > policy.maxRetries) {
    return { kind: 'give-up', reason: 'retries-exhausted' };
  }

  const backoffMs = computeBackoffDelay(attempt - 1, policy, options.random);
  const retryAfterMs = retryAfterOf(error);
  const remainingMs = deadline - options.clock.now();

  if (retryAfterMs !== undefined) {
    if (retryAfterMs > remainingMs) {
      return { kind: 'give-up', reason: 'retry-after-too-long' };
    }

    // The server's wait is a minimum; a `Retry-After: 0` must not turn the loop into a burst.
    return { kind: 'wait', delayMs: Math.min(remainingMs, Math.max(retryAfterMs, backoffMs)) };
  }

  if (backoffMs > remainingMs) {
    return { kind: 'give-up', reason: 'deadline' };
  }

  return { kind: 'wait', delayMs: backoffMs };
}

function retryAfterOf(error: unknown): number | undefined {
  if (hasCode(error, 'HTTP_ERROR') && 'retryAfterMs' in error) {
    const value = error.retryAfterMs;

    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  }

  return undefined;
}

function budgetExceeded(error: unknown): RetryBudgetExceededError {
  return new RetryBudgetExceededError(retryAfterOf(error) ?? 0, { cause: error });
}

/**
 * Runs one attempt, settling as soon as `signal` aborts even when the operation ignores
 * the signal.
 */
function runAttempt<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  attempt: number,
  signal: AbortSignal,
): Promise<T> {
  const running = new Promise<T>((resolve) => resolve(operation(attempt, signal)));
  // An attempt abandoned on abort may still reject later; that rejection has no reader.
  running.catch(() => undefined);

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(toAbortedError(undefined, signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });

  return Promise.race([running, aborted]).finally(() => {
    if (onAbort !== undefined) {
      signal.removeEventListener('abort', onAbort);
    }
  });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw toAbortedError(undefined, signal);
  }
}

function toAbortedError(error: unknown, signal: AbortSignal): AbortedError {
  if (hasCode(error, 'ABORTED')) {
    return error as AbortedError;
  }

  return new AbortedError('Interrupted.', { cause: signal.reason });
}
