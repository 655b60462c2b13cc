import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import { checkDeclaredLength, parseJsonSafely, readBody } from '../../src/http/body.js';

describe('parseJsonSafely', () => {
  it('drops __proto__, constructor and prototype at any depth', () => {
    const parsed = parseJsonSafely(
      '{"a":1,"__proto__":{"polluted":true},"nested":{"constructor":{"prototype":{"x":1}},"ok":2},"list":[{"prototype":3}]}',
    ) as Record<string, unknown>;

    expect(parsed).toEqual({ a: 1, nested: { ok: 2 }, list: [{}] });
    expect(Object.keys(parsed)).not.toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops a key spelled with unicode escapes', () => {
    const parsed = parseJsonSafely(
      '{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true},"b":1}',
    ) as object;

    expect(Object.keys(parsed)).toEqual(['b']);
  });

  it('leaves the merged result clean', () => {
    const parsed = parseJsonSafely('{"__proto__":{"isAdmin":true}}') as object;
    const merged = Object.assign({}, parsed) as Record<string, unknown>;

    expect(merged.isAdmin).toBeUndefined();
  });

  it('keeps values that merely contain the words', () => {
    expect(parseJsonSafely('{"title":"constructor of prototype __proto__"}')).toEqual({
      title: 'constructor of prototype __proto__',
    });
  });

  it('throws SyntaxError on invalid JSON', () => {
    expect(() => parseJsonSafely('{"a":')).toThrow(SyntaxError);
  });
});

describe('readBody', () => {
  const text = JSON.stringify({ hello: 'world', n: [1, 2, 3] });

  it.each([
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['br', brotliCompressSync(text)],
    ['identity', Buffer.from(text)],
    ['gzip, br', brotliCompressSync(gzipSync(text))],
  ])('decodes %s', async (encoding, payload) => {
    const budget = { limitBytes: 1000, remainingBytes: 1000 };
    const body = await readBody(Readable.from([payload]), encoding, budget);

    expect(body.toString('utf8')).toBe(text);
    expect(budget.remainingBytes).toBe(1000 - text.length);
  });

  it('counts decoded bytes, not compressed ones', async () => {
    const payload = gzipSync(Buffer.alloc(5000));
    const error = await readBody(Readable.from([payload]), 'gzip', {
      limitBytes: 4000,
      remainingBytes: 4000,
    }).catch((caught: unknown) => caught);

    expect(payload.length).toBeLessThan(4000);
    expect(hasCode(error, 'RESPONSE_TOO_LARGE')).toBe(true);
  });

  it('rejects an unknown encoding', async () => {
    const error = await readBody(Readable.from([Buffer.from('x')]), 'compress', {
      limitBytes: 10,
      remainingBytes: 10,
    }).catch((caught: unknown) => caught);

    expect(hasCode(error, 'INVALID_RESPONSE')).toBe(true);
  });

  it('rejects a corrupt gzip stream', async () => {
    const error = await readBody(Readable.from([Buffer.from('not gzip at all')]), 'gzip', {
      limitBytes: 100,
      remainingBytes: 100,
    }).catch((caught: unknown) => caught);

    expect(hasCode(error, 'INVALID_RESPONSE')).toBe(true);
  });
});

describe('checkDeclaredLength', () => {
  it('rejects a length over the remaining budget', () => {
    expect(() => checkDeclaredLength('101', { limitBytes: 200, remainingBytes: 100 })).toThrow(
      /exceeds the limit of 200/,
    );
  });

  it('accepts a length within the budget and ignores junk', () => {
    expect(() =>
      checkDeclaredLength('100', { limitBytes: 100, remainingBytes: 100 }),
    ).not.toThrow();
    expect(() => checkDeclaredLength('-5', { limitBytes: 100, remainingBytes: 100 })).not.toThrow();
  });
});
