import { describe, expect, it } from 'vitest';

import { computeBackoffDelay } from '../../src/resilience/backoff.js';
import { DEFAULT_RETRY_POLICY, resolveRetryPolicy } from '../../src/resilience/retry-policy.js';
import { seededRandom } from './fakes.js';

describe('computeBackoffDelay', () => {
  it('doubles from 500 ms without jitter', () => {
    const noJitter = () => 0;

    expect(computeBackoffDelay(0, DEFAULT_RETRY_POLICY, noJitter)).toBe(500);
    expect(computeBackoffDelay(1, DEFAULT_RETRY_POLICY, noJitter)).toBe(1000);
    expect(computeBackoffDelay(2, DEFAULT_RETRY_POLICY, noJitter)).toBe(2000);
    expect(computeBackoffDelay(3, DEFAULT_RETRY_POLICY, noJitter)).toBe(4000);
  });

  it('adds at most 30 % jitter', () => {
    const random = seededRandom(42);
    const samples = Array.from({ length: 500 }, () =>
      computeBackoffDelay(1, DEFAULT_RETRY_POLICY, random),
    );

    for (const delay of samples) {
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(1300);
    }
    expect(new Set(samples).size).toBeGreaterThan(50);
    expect(Math.max(...samples)).toBeGreaterThan(1250);
    expect(Math.min(...samples)).toBeLessThan(1050);
  });

  it('gives the full jitter for a random value near 1', () => {
    expect(computeBackoffDelay(0, DEFAULT_RETRY_POLICY, () => 0.999_999)).toBe(650);
  });

  it('respects the 5 s cap, jitter included', () => {
    const random = seededRandom(7);

    expect(computeBackoffDelay(3, DEFAULT_RETRY_POLICY, () => 0.999)).toBe(5000);
    expect(computeBackoffDelay(4, DEFAULT_RETRY_POLICY, () => 0)).toBe(5000);
    expect(computeBackoffDelay(30, DEFAULT_RETRY_POLICY, random)).toBe(5000);
    for (let retry = 0; retry < 12; retry += 1) {
      expect(computeBackoffDelay(retry, DEFAULT_RETRY_POLICY, random)).toBeLessThanOrEqual(5000);
    }
  });

  it('stays in bounds when random misbehaves', () => {
    for (const value of [Number.NaN, -5, 7, Number.POSITIVE_INFINITY]) {
      const delay = computeBackoffDelay(0, DEFAULT_RETRY_POLICY, () => value);

      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(650);
    }
  });

  it('rejects a negative retry index', () => {
    expect(() => computeBackoffDelay(-1, DEFAULT_RETRY_POLICY, () => 0)).toThrow(RangeError);
    expect(() => computeBackoffDelay(1.5, DEFAULT_RETRY_POLICY, () => 0)).toThrow(/1\.5/);
  });
});

describe('resolveRetryPolicy', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_RETRY_POLICY.maxRetries).toBe(3);
    expect(DEFAULT_RETRY_POLICY.baseDelayMs).toBe(500);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBe(5000);
    expect(DEFAULT_RETRY_POLICY.jitterRatio).toBe(0.3);
    expect(DEFAULT_RETRY_POLICY.budgetMs).toBe(30_000);
    expect([...DEFAULT_RETRY_POLICY.retryableStatuses]).toEqual([408, 429, 500, 502, 503, 504]);
    expect([...DEFAULT_RETRY_POLICY.retryableNetworkCodes]).toEqual([
      'ECONNRESET',
      'ETIMEDOUT',
      'ECONNREFUSED',
      'EPIPE',
      'ENOTFOUND',
    ]);
  });

  it('merges partial options', () => {
    const policy = resolveRetryPolicy({ maxRetries: 1, budgetMs: undefined });

    expect(policy.maxRetries).toBe(1);
    expect(policy.budgetMs).toBe(30_000);
    expect(policy.baseDelayMs).toBe(500);
  });

  it('names the invalid field and value', () => {
    expect(() => resolveRetryPolicy({ maxRetries: -1 })).toThrow(/maxRetries.*-1/);
    expect(() => resolveRetryPolicy({ baseDelayMs: Number.NaN })).toThrow(/baseDelayMs.*NaN/);
    expect(() => resolveRetryPolicy({ jitterRatio: 2 })).toThrow(/jitterRatio.*2/);
    expect(() => resolveRetryPolicy({ maxDelayMs: 100 })).toThrow(/maxDelayMs.*100/);
    expect(() => resolveRetryPolicy({ retryableStatuses: [200] })).toThrow(
      /retryableStatuses.*200/,
    );
    expect(() => resolveRetryPolicy({ budgetMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
