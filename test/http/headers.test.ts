import { describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import {
  MAX_HEADER_COUNT,
  MAX_HEADER_NAME_LENGTH,
  MAX_HEADER_VALUE_LENGTH,
  validateHeaders,
} from '../../src/http/headers.js';

function rejection(headers: Record<string, string>): unknown {
  try {
    validateHeaders(headers);
  } catch (error) {
    return error;
  }

  return undefined;
}

const BAD_VALUES: Array<[label: string, value: string]> = [
  ['CR', 'a\rb'],
  ['LF', 'a\nb'],
  ['CRLF injection', 'x\r\nX-Injected: 1'],
  ['response splitting', 'x\r\n\r\nHTTP/1.1 200 OK'],
  ['obs-fold', 'first\r\n second'],
  ['obs-fold with tab', 'first\r\n\tsecond'],
  ['bare LF fold', 'first\n second'],
  ['NUL', 'a\u0000b'],
  ['trailing NUL', 'abc\u0000'],
  ['bell', 'a\u0007b'],
  ['backspace', 'a\u0008b'],
  ['vertical tab', 'a\u000bb'],
  ['form feed', 'a\u000cb'],
  ['escape', '\u001b[31mred'],
  ['unit separator', 'a\u001fb'],
  ['DEL', 'a\u007fb'],
  ['non-Latin-1', 'snowman \u2603'],
  ['line separator', 'a\u2028b'],
  ['leading space', ' value'],
  ['trailing tab', 'value\t'],
  ['too long', 'v'.repeat(MAX_HEADER_VALUE_LENGTH + 1)],
];

const BAD_NAMES: Array<[label: string, name: string]> = [
  ['empty', ''],
  ['space', 'X Api'],
  ['colon', 'X-Api:'],
  ['CRLF', 'X-Api\r\nHost'],
  ['NUL', 'X\u0000'],
  ['slash', 'a/b'],
  ['brackets', 'a[b]'],
  ['quote', 'a"b'],
  ['non-ASCII', 'X-Caf\u00e9'],
  ['too long', 'x'.repeat(MAX_HEADER_NAME_LENGTH + 1)],
  ['host', 'Host'],
  ['content-length', 'Content-Length'],
  ['transfer-encoding', 'transfer-encoding'],
  ['connection', 'Connection'],
  ['upgrade', 'Upgrade'],
  ['__proto__', '__proto__'],
];

const GOOD_HEADERS: Array<[name: string, value: string]> = [
  ['X-API-Key', 'mc_live_0123456789abcdef'],
  ['Authorization', 'Bearer abc.def.ghi'],
  ['Accept', 'application/json'],
  ['Accept-Language', 'en-GB,en;q=0.8'],
  ['If-None-Match', 'W/"etag-1"'],
  ['X-Tab-Inside', 'a\tb'],
  ['X-Latin1', 'caf\u00e9'],
  ['X-Empty', ''],
  ["!#$%&'*+-.^_`|~", 'token characters only'],
  ['x-max', 'v'.repeat(MAX_HEADER_VALUE_LENGTH)],
];

describe('validateHeaders', () => {
  it.each(BAD_VALUES)('rejects a value with %s', (_label, value) => {
    const error = rejection({ 'X-Test': value });

    expect(hasCode(error, 'HEADER_VALIDATION_FAILED')).toBe(true);
  });

  it.each(BAD_NAMES)('rejects a name with %s', (_label, name) => {
    const error = rejection({ [name]: 'value' });

    expect(hasCode(error, 'HEADER_VALIDATION_FAILED')).toBe(true);
  });

  it.each(GOOD_HEADERS)('accepts %s unchanged', (name, value) => {
    const validated = validateHeaders({ [name]: value });

    expect(validated[name.toLowerCase()]).toBe(value);
  });

  it('rejects names that differ only in case', () => {
    expect(
      hasCode(rejection({ 'X-Api-Key': 'a', 'x-api-key': 'b' }), 'HEADER_VALIDATION_FAILED'),
    ).toBe(true);
  });

  it('rejects too many headers', () => {
    const headers = Object.fromEntries(
      Array.from({ length: MAX_HEADER_COUNT + 1 }, (_, i) => [`x-h${i}`, 'v']),
    );

    expect(hasCode(rejection(headers), 'HEADER_VALIDATION_FAILED')).toBe(true);
  });

  it('returns a plain object whose prototype is untouched', () => {
    const validated = validateHeaders({ 'X-A': '1' });

    expect(Object.getPrototypeOf(validated)).toBe(Object.prototype);
    expect(Object.keys(validated)).toEqual(['x-a']);
  });

  it('rejects a non-string value', () => {
    expect(
      hasCode(rejection({ 'X-Number': 5 as unknown as string }), 'HEADER_VALIDATION_FAILED'),
    ).toBe(true);
  });

  it('names the header and the character in the message', () => {
    const error = rejection({ 'X-Test': 'a\r\nb' }) as Error;

    expect(error.message).toContain('"X-Test"');
    expect(error.message).toContain('U+000D');
  });
});
