/**
 * How the resilience policies judge an error: worth another attempt, proof that the
 * service is failing, or neither. Judged by the stable `code` of `McError`, so it
 * works across duplicate copies of the errors module; anything else is unknown and
 * neither retried nor counted.
 */
import { hasCode } from '../errors/errors.js';
import type { RetryPolicy } from './retry-policy.js';

/**
 * Network codes that mean the request never reached the server, so it cannot have
 * acted on it.
 * NOTE: a 429 is treated as delivered, so a request not marked idempotent is not
 * retried after it, although rate limiters usually reject before any handler runs.
 */
const NOT_DELIVERED_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/** Returns the network code of `error`, with a timeout reported as `ETIMEDOUT`. */
export function networkCodeOf(error: unknown): string | undefined {
  if (hasCode(error, 'TIMEOUT')) {
    return 'ETIMEDOUT';
  }

  if (hasCode(error, 'NETWORK_ERROR') && 'networkCode' in error) {
    return String(error.networkCode);
  }

  return undefined;
}

/** Returns the HTTP status of `error` when it is an HTTP error answer. */
export function httpStatusOf(error: unknown): number | undefined {
  if (hasCode(error, 'HTTP_ERROR') && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }

  return undefined;
}

/** True when `error` is transient by the policy's lists of statuses and network codes. */
export function isRetryableError(
  error: unknown,
  policy: Pick<RetryPolicy, 'retryableStatuses' | 'retryableNetworkCodes'>,
): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) {
    return policy.retryableStatuses.includes(status);
  }

  const networkCode = networkCodeOf(error);
  if (networkCode !== undefined) {
    return policy.retryableNetworkCodes.includes(networkCode);
  }

  return false;
}

/**
 * True when the request in `error` was never delivered, so repeating it cannot apply a
 * change twice. Only these errors are retried for a request that is not idempotent.
 */
export function isUndeliveredRequestError(error: unknown): boolean {
  const networkCode = networkCodeOf(error);

  return networkCode !== undefined && NOT_DELIVERED_NETWORK_CODES.has(networkCode);
}

/**
 * True when `error` says the service is failing: a 5xx or 408 answer, a network error
 * or a timeout. Other 4xx answers come from a working service, and usage errors and
 * aborts say nothing about it, so none of those count against a circuit.
 */
export function isServiceFailure(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) {
    return status >= 500 || status === 408;
  }

  return networkCodeOf(error) !== undefined;
}
