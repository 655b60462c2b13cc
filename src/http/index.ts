/** The secure HTTP client and the pieces other modules and tests use directly. */
export { clampTimeout, createSecureClient } from './client.js';
export {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
} from './defaults.js';
export { parseJsonSafely } from './body.js';
export { validateHeaders } from './headers.js';
export { systemResolver } from './resolve.js';
export { sanitizeUrlForLog } from './sanitize-url.js';
export { classifyAddress, type AddressClass, type AddressClassification } from './ssrf/classify.js';
export { evaluateDestination, type DestinationVerdict } from './ssrf/destination.js';
export { judgeAddress, type AddressVerdict, type EgressPolicy } from './ssrf/policy.js';
export type * from './types.js';
