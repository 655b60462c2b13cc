import { describe, expect, it } from 'vitest';

import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../src/resilience/retry-after.js';
import { START_TIME } from './fakes.js';

describe('parseRetryAfter', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('60', START_TIME)).toBe(60_000);
    expect(parseRetryAfter(' 0 ', START_TIME)).toBe(0);
  });

  it('reads an HTTP date', () => {
    const inTwoMinutes = new Date(START_TIME + 120_000).toUTCString();

    expect(parseRetryAfter(inTwoMinutes, START_TIME)).toBe(120_000);
  });

  it('turns a past date into 0', () => {
    expect(parseRetryAfter(new Date(START_TIME - 3_600_000).toUTCString(), START_TIME)).toBe(0);
  });

  it('ignores junk, negative and fractional values', () => {
    for (const value of [
      undefined,
      '',
      '  ',
      'soon',
      '-5',
      '1.5',
      'NaN',
      'Infinity',
      '0x10',
      '1e3',
    ]) {
      expect(parseRetryAfter(value, START_TIME), String(value)).toBeUndefined();
    }
  });

  it('caps huge values at one day', () => {
    expect(parseRetryAfter('99999999999999999999999', START_TIME)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', START_TIME)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(86_400_000);
  });
});
