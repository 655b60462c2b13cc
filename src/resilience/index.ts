export { computeBackoffDelay } from './backoff.js';
export {
  CircuitBreaker,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  resetCircuits,
  resolveCircuitBreakerOptions,
  type CircuitBreakerInit,
  type CircuitBreakerOptions,
  type CircuitStateChange,
} from './circuit-breaker.js';
export {
  CIRCUIT_STATE_FILE,
  CLOSED_CIRCUIT,
  FileCircuitStore,
  MemoryCircuitStore,
  validateCircuitName,
  type CircuitState,
  type CircuitStateKind,
  type CircuitStore,
  type CircuitTable,
  type FileCircuitStoreOptions,
} from './circuit-store.js';
export {
  httpStatusOf,
  isRetryableError,
  isServiceFailure,
  isUndeliveredRequestError,
  networkCodeOf,
} from './classify.js';
export { callWithResilience, type ResilientCallOptions } from './resilient-call.js';
export {
  retry,
  type GiveUpEvent,
  type GiveUpReason,
  type RetryEvent,
  type RetryOptions,
} from './retry.js';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';
