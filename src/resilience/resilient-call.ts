/**
 * The composition the session client uses: the circuit breaker around the retry
 * loop. All retries of one call happen inside one circuit call, so a command whose
 * call failed after four attempts counts as one failure, and an open circuit stops
 * the call before its first attempt.
 */
import type { CircuitBreaker } from './circuit-breaker.js';
import { retry, type RetryOptions } from './retry.js';

export type ResilientCallOptions = RetryOptions;

/**
 * Runs `operation` with retries inside one call of `circuit`; see `retry` for the
 * options. The probe of a half-open circuit gets one attempt: it only asks whether the
 * service is back, and a failed probe reopens the circuit at once instead of after the
 * whole backoff.
 */
export function callWithResilience<T>(
  circuit: CircuitBreaker,
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: ResilientCallOptions,
): Promise<T> {
  return circuit.execute(({ probe }) =>
    retry(
      operation,
      probe ? { ...options, policy: { ...options.policy, maxRetries: 0 } } : options,
    ),
  );
}
