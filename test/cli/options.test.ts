import { describe, expect, it } from 'vitest';

import { parseIntegerOption, parsePageOptions, parseRatioOption } from '../../src/cli/options.js';
import { UsageError } from '../../src/errors/errors.js';

describe('parseIntegerOption', () => {
  const range = { min: 1, max: 500 };

  it('accepts whole numbers in range', () => {
    expect(parseIntegerOption('--limit', '1', range)).toBe(1);
    expect(parseIntegerOption('--limit', ' 500 ', range)).toBe(500);
  });

  it.each(['NaN', '', '1.5', '1e3', '0x10', 'ten', '-', '12abc'])('rejects %j', (text) => {
    expect(() => parseIntegerOption('--limit', text, range)).toThrow(UsageError);
  });

  it.each(['0', '501', '-1', '99999999999999999999'])('rejects out-of-range %j', (text) => {
    expect(() => parseIntegerOption('--limit', text, range)).toThrow(/out of range|whole number/);
  });

  it('names the flag in the message', () => {
    expect(() => parseIntegerOption('--days', 'x', range)).toThrow(/--days/);
  });
});

describe('parsePageOptions', () => {
  const limits = { min: 1, max: 100 };

  it('applies the default limit', () => {
    expect(parsePageOptions({}, limits, 50, 'message')).toEqual({
      limit: 50,
      offset: 0,
      all: false,
    });
  });

  it('rejects --all with --limit or --offset', () => {
    expect(() => parsePageOptions({ all: true, limit: '5' }, limits, 50, 'message')).toThrow(
      /--all reads every message/,
    );
    expect(() => parsePageOptions({ all: true, offset: '5' }, limits, 50, 'message')).toThrow(
      UsageError,
    );
  });
});

describe('parseRatioOption', () => {
  it('accepts fractions from 0 to 1', () => {
    expect(parseRatioOption('--stale-ratio', '0')).toBe(0);
    expect(parseRatioOption('--stale-ratio', '0.25')).toBe(0.25);
    expect(parseRatioOption('--stale-ratio', '1')).toBe(1);
  });

  it.each(['-0.1', '1.01', 'NaN', '', 'Infinity', 'half'])('rejects %j', (text) => {
    expect(() => parseRatioOption('--stale-ratio', text)).toThrow(UsageError);
  });
});
