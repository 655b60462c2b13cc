import { describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import {
  CORRELATION_ID_MAX_LENGTH,
  childCorrelationId,
  createCorrelationId,
  isValidCorrelationId,
} from '../../src/util/correlation-id.js';

const RULE = /^[A-Za-z0-9_-]{1,64}$/;

const fixedClock = { now: () => 1_700_000_000_000 };

function bytesOf(value: number): (size: number) => Uint8Array {
  return (size) => new Uint8Array(size).fill(value);
}

describe('createCorrelationId', () => {
  it('generates mc_<base36 time>_<random hex>', () => {
    const id = createCorrelationId({ env: {}, clock: fixedClock, randomBytes: bytesOf(0xab) });

    expect(id).toBe(`mc_${(1_700_000_000_000).toString(36)}_abababababab`);
    expect(id).toMatch(RULE);
  });

  it('generates distinct valid ids with real randomness', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const id = createCorrelationId({ env: {}, clock: fixedClock });
      expect(id).toMatch(RULE);
      ids.add(id);
    }

    expect(ids.size).toBe(200);
  });

  it('uses a valid MC_CORRELATION_ID', () => {
    const supplied = 'deploy-2026_12-04';
    const id = createCorrelationId({ env: { MC_CORRELATION_ID: supplied }, clock: fixedClock });

    expect(id).toBe(supplied);
  });

  it('accepts a 64-character MC_CORRELATION_ID', () => {
    const supplied = 'a'.repeat(64);

    expect(createCorrelationId({ env: { MC_CORRELATION_ID: supplied }, clock: fixedClock })).toBe(
      supplied,
    );
  });

  it.each([
    ['too long', 'a'.repeat(65)],
    ['empty', ''],
    ['space', 'abc def'],
    ['dot', 'abc.def'],
    ['newline', 'abc\ndef'],
    ['escape sequence', '\u001b[31mred'],
    ['non-ASCII', 'idé'],
  ])('rejects MC_CORRELATION_ID with %s', (_name, value) => {
    let caught: unknown;
    try {
      createCorrelationId({ env: { MC_CORRELATION_ID: value }, clock: fixedClock });
    } catch (error) {
      caught = error;
    }

    expect(hasCode(caught, 'USAGE_ERROR')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('MC_CORRELATION_ID');
    expect(message).toContain('1 to 64 characters');
    if (value.length > 0) {
      expect(message).not.toContain(value);
    }
    expect(message).not.toContain('\u001b');
  });
});

describe('childCorrelationId', () => {
  it('appends the index', () => {
    expect(childCorrelationId('mc_abc_0123', 0)).toBe('mc_abc_0123-0');
    expect(childCorrelationId('mc_abc_0123', 17)).toBe('mc_abc_0123-17');
  });

  it('keeps long parents within 64 characters', () => {
    const parent = `start${'x'.repeat(59)}`;
    const child = childCorrelationId(parent, 1234);

    expect(child).toHaveLength(CORRELATION_ID_MAX_LENGTH);
    expect(child.startsWith('start')).toBe(true);
    expect(child.endsWith('-1234')).toBe(true);
    expect(isValidCorrelationId(child)).toBe(true);
  });

  it('distinguishes siblings of a long parent', () => {
    const parent = 'p'.repeat(64);

    expect(childCorrelationId(parent, 1)).not.toBe(childCorrelationId(parent, 2));
  });

  it('rejects an invalid parent or index', () => {
    expect(() => childCorrelationId('', 0)).toThrow(RangeError);
    expect(() => childCorrelationId('a b', 0)).toThrow(RangeError);
    expect(() => childCorrelationId('abc', -1)).toThrow(RangeError);
    expect(() => childCorrelationId('abc', 1.5)).toThrow(RangeError);
  });
});
