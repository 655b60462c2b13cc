/**
 * Request header validation. A header that could split a request or smuggle another
 * one is rejected before anything is sent; no value is ever trimmed or rewritten.
 */
import { HeaderValidationError } from '../errors/errors.js';

/** Maximum header name length, in characters. */
export const MAX_HEADER_NAME_LENGTH = 256;
/** Maximum header value length, in characters. */
export const MAX_HEADER_VALUE_LENGTH = 8_192;
/** Most headers one request may carry, the client's own included. */
export const MAX_HEADER_COUNT = 64;

// RFC 9110 section 5.6.2: token = 1*tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Controls other than horizontal tab (RFC 9110 section 5.5), DEL, and anything that
// does not fit in one byte, which undici would otherwise have to encode somehow.
// CR and LF cover obs-fold too, since a folded value needs a line break.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_VALUE_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f\u0100-\uffff]/;

// Framing and routing headers the client or undici set; a caller's copy could desynchronise the connection.
const CLIENT_MANAGED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);

function describeCharacter(value: string): string {
  const match = FORBIDDEN_VALUE_CHARACTER.exec(value);
  const code = match === null ? 0 : match[0].charCodeAt(0);
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at index ${match?.index ?? 0}`;
}

function validateName(name: string): void {
  if (name.length === 0 || name.length > MAX_HEADER_NAME_LENGTH) {
    throw new HeaderValidationError(name, `name must be 1-${MAX_HEADER_NAME_LENGTH} characters`);
  }

  if (!TOKEN.test(name)) {
    throw new HeaderValidationError(name, 'name is not an RFC 9110 token');
  }

  // A valid token, but no real header, and as a plain object key it would set the prototype.
  if (name === '__proto__') {
    throw new HeaderValidationError(name, 'name is reserved');
  }

  if (CLIENT_MANAGED_HEADERS.has(name.toLowerCase())) {
    throw new HeaderValidationError(
      name,
      'header is set by the HTTP client and cannot be overridden',
    );
  }
}

/** Throws `HeaderValidationError` unless `value` may be sent as the value of header `name`. */
export function validateHeaderValue(name: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw new HeaderValidationError(name, `value must be a string, got ${typeof value}`);
  }

  if (value.length > MAX_HEADER_VALUE_LENGTH) {
    throw new HeaderValidationError(
      name,
      `value longer than ${MAX_HEADER_VALUE_LENGTH} characters`,
    );
  }

  if (FORBIDDEN_VALUE_CHARACTER.test(value)) {
    throw new HeaderValidationError(
      name,
      `value contains forbidden character ${describeCharacter(value)}`,
    );
  }

  // Leading or trailing whitespace would be stripped by the peer, so the value sent would differ from the value meant.
  if (/^[ \t]|[ \t]$/.test(value)) {
    throw new HeaderValidationError(name, 'value has leading or trailing whitespace');
  }
}

/**
 * Validates caller headers and returns them with lower-case names. Throws
 * `HeaderValidationError` (code `HEADER_VALIDATION_FAILED`) on the first bad name or value,
 * on duplicate names differing only in case, and when there are too many.
 */
export function validateHeaders(
  headers: Record<string, string> | undefined,
  reservedCount = 0,
): Record<string, string> {
  const validated: Record<string, string> = {};
  let count = reservedCount;

  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) {
      continue;
    }

    count += 1;
    if (count > MAX_HEADER_COUNT) {
      throw new HeaderValidationError(name, `more than ${MAX_HEADER_COUNT} headers`);
    }

    const value = headers[name];
    validateName(name);
    validateHeaderValue(name, value);

    const key = name.toLowerCase();
    if (Object.hasOwn(validated, key)) {
      throw new HeaderValidationError(name, 'header given twice with different letter case');
    }
    validated[key] = value as string;
  }

  return validated;
}

/** Headers that carry credentials; dropped when a redirect changes origin. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'x-api-key',
  'authorization',
  'cookie',
  'proxy-authorization',
]);
