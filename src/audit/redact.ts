/**
 * A second line of defence for text written to the audit log. The HTTP layer already
 * removes userinfo and masks secret query values; these functions do it again, so a
 * caller that forgot cannot put a credential on disk.
 */

export const MASK = '***';

/** Query parameter names that carry credentials (`api_key`, `token`, `X-Signature`, `password`...). */
const SECRET_NAME_PATTERN = /key|token|secret|passw|pwd|auth|sig|credential|cookie|session_?id/i;

/** Long runs of token characters: API keys, bearer tokens, base64 secrets. */
const SECRET_VALUE_PATTERN = /^[A-Za-z0-9_\-+/=.~]{20,}$/;

const SECRET_RUN_PATTERN = /[A-Za-z0-9_\-+/=.~]{20,}/g;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

const USERINFO_IN_TEXT = /(\/\/)[^/\s@]*@/g;

/** Returns true for a value shaped like a key: 20 or more token characters mixing letters and digits. */
export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUE_PATTERN.test(value) && /[A-Za-z]/.test(value) && /[0-9]/.test(value);
}

/**
 * Returns `raw` without userinfo and fragment, with the values of secret-looking query
 * parameters replaced by `***`. A string that does not parse as an absolute URL becomes
 * `[invalid URL]`, because nothing about its parts can be trusted.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[invalid URL]';
  }

  url.username = '';
  url.password = '';
  url.hash = '';

  const masked = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    const secret = SECRET_NAME_PATTERN.test(name) || looksLikeSecret(value);
    masked.append(name, secret && value !== MASK ? MASK : value);
  }
  url.search = masked.toString();

  return url.toString();
}

/** Returns `text` on one line, with userinfo in embedded URLs removed and key-like words masked. */
export function redactText(text: string): string {
  return text
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(USERINFO_IN_TEXT, '$1')
    .replace(SECRET_RUN_PATTERN, (run) => (looksLikeSecret(run) ? MASK : run));
}
