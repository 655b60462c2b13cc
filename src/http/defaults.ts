/** Defaults and hard bounds of the secure HTTP client, each declared once. */

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 60_000;

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

/** Deadline of one DNS resolution. */
export const DNS_TIMEOUT_MS = 5_000;

export const CORRELATION_ID_HEADER = 'x-correlation-id';
