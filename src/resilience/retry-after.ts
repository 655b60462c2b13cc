/**
 * Parses the `Retry-After` header (RFC 9110 section 10.2.3): either a number of
 * seconds or an HTTP date.
 */

/**
 * Ceiling on a parsed delay: one day. A larger value is kept at this ceiling rather
 * than dropped, so the retry budget check still sees that the wait is too long.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const DELAY_SECONDS = /^\d+$/;

/**
 * Returns the delay in milliseconds that `value` asks for, measured from `now`
 * (epoch milliseconds). A date in the past gives 0; an empty, negative, fractional or
 * unparsable value gives undefined.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '') {
    return undefined;
  }

  if (DELAY_SECONDS.test(trimmed)) {
    return Math.min(MAX_RETRY_AFTER_MS, Number(trimmed) * 1000);
  }

  return parseHttpDateDelay(trimmed, now);
}

function parseHttpDateDelay(value: string, now: number): number | undefined {
  // Date.parse accepts bare numbers and many loose forms; an HTTP date always names a weekday or month.
  if (!/[a-z]/i.test(value)) {
    return undefined;
  }

  // NOTE: Date.parse also accepts date forms that RFC 9110 does not allow; they are honoured too.
  const at = Date.parse(value);
  if (!Number.isFinite(at)) {
    return undefined;
  }

  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}
