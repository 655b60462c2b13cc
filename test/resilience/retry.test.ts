import { describe, expect, it } from 'vitest';

import {
  AbortedError,
  HttpStatusError,
  NetworkError,
  RetryBudgetExceededError,
  TimeoutError,
  isMcError,
} from '../../src/errors/errors.js';
import {
  retry,
  type GiveUpEvent,
  type RetryEvent,
  type RetryOptions,
} from '../../src/resilience/retry.js';
import { FakeClock, seededRandom, sleepUntilAborted } from './fakes.js';

function httpError(status: number, retryAfterMs?: number, method = 'GET'): HttpStatusError {
  return new HttpStatusError({
    status,
    method,
    url: 'http://127.0.0.1:8000/v1/sessions',
    retryAfterMs,
  });
}

/** An operation that fails with each of `failures` in turn, then returns `result`. */
function scripted<T>(failures: unknown[], result: T) {
  const attempts: number[] = [];
  const operation = async (attempt: number) => {
    attempts.push(attempt);
    const failure = failures[attempt - 1];
    if (failure !== undefined) {
      throw failure;
    }

    return result;
  };

  return { operation, attempts };
}

function setup(overrides: Partial<RetryOptions> = {}) {
  const clock = new FakeClock();
  const retries: RetryEvent[] = [];
  const giveUps: GiveUpEvent[] = [];
  const options: RetryOptions = {
    clock,
    random: () => 0,
    idempotent: true,
    onRetry: (event) => retries.push(event),
    onGiveUp: (event) => giveUps.push(event),
    ...overrides,
  };

  return { clock, retries, giveUps, options };
}

describe('retry', () => {
  it('returns a first-attempt success without waiting', async () => {
    const { clock, retries, options } = setup();
    const { operation, attempts } = scripted([], 'sessions');

    await expect(retry(operation, options)).resolves.toBe('sessions');
    expect(attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
    expect(retries).toEqual([]);
  });

  it('retries on 503 then succeeds', async () => {
    const { clock, retries, options } = setup();
    const { operation, attempts } = scripted([httpError(503), httpError(503)], 'ok');

    await expect(retry(operation, options)).resolves.toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(retries.map((event) => [event.attempt, event.delayMs])).toEqual([
      [1, 500],
      [2, 1000],
    ]);
  });

  it('retries on each retryable network code', async () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND']) {
      const { options } = setup();
      const { operation, attempts } = scripted([new NetworkError(code, code)], 'ok');

      await expect(retry(operation, options)).resolves.toBe('ok');
      expect(attempts, code).toEqual([1, 2]);
    }
  });

  it('gives up after 3 retries', async () => {
    const { clock, giveUps, options } = setup();
    const final = new TimeoutError(10_000);
    const { operation, attempts } = scripted(
      [httpError(500), httpError(502), httpError(504), final],
      'never',
    );

    await expect(retry(operation, options)).rejects.toBe(final);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
    expect(giveUps).toEqual([{ attempts: 4, error: final, reason: 'retries-exhausted' }]);
  });

  it('applies seeded jitter within bounds', async () => {
    const { clock, options } = setup({ random: seededRandom(3) });
    const { operation } = scripted([httpError(503), httpError(503), httpError(503)], 'ok');

    await retry(operation, options);

    expect(clock.sleeps).toHaveLength(3);
    clock.sleeps.forEach((delay, index) => {
      const base = 500 * 2 ** index;
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(base * 1.3);
    });
  });

  it('fails at once on non-retryable statuses', async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const { clock, giveUps, options } = setup();
      const error = httpError(status);
      const { operation, attempts } = scripted([error], 'never');

      await expect(retry(operation, options)).rejects.toBe(error);
      expect(attempts, String(status)).toEqual([1]);
      expect(clock.sleeps).toEqual([]);
      expect(giveUps[0]?.reason).toBe('not-retryable');
    }
  });

  it('never retries unknown errors', async () => {
    const { options } = setup();
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { operation, attempts } = scripted([error], 'never');

    await expect(retry(operation, options)).rejects.toBe(error);
    expect(attempts).toEqual([1]);
  });

  it('does not retry a POST after 503 or a reset', async () => {
    for (const error of [
      httpError(503, undefined, 'POST'),
      new NetworkError('ECONNRESET', 'reset'),
      new TimeoutError(5000),
    ]) {
      const { giveUps, options } = setup({ idempotent: false });
      const { operation, attempts } = scripted([error], 'created');

      await expect(retry(operation, options)).rejects.toBe(error);
      expect(attempts, error.message).toEqual([1]);
      expect(giveUps[0]?.reason).toBe('not-idempotent');
    }
  });

  it('retries a POST after connection refused', async () => {
    const { options } = setup({ idempotent: false });
    const { operation, attempts } = scripted(
      [new NetworkError('ECONNREFUSED', 'refused')],
      'created',
    );

    await expect(retry(operation, options)).resolves.toBe('created');
    expect(attempts).toEqual([1, 2]);
  });

  it('retries a POST marked idempotent', async () => {
    const { options } = setup({ idempotent: true });
    const { operation, attempts } = scripted([httpError(503, undefined, 'POST')], 'deleted');

    await expect(retry(operation, options)).resolves.toBe('deleted');
    expect(attempts).toEqual([1, 2]);
  });

  it('honours a Retry-After that fits the budget', async () => {
    const { clock, options } = setup();
    const { operation } = scripted([httpError(429, 7000)], 'ok');

    await expect(retry(operation, options)).resolves.toBe('ok');
    expect(clock.sleeps).toEqual([7000]);
  });

  it('waits at least the backoff when Retry-After is 0', async () => {
    const { clock, options } = setup();
    const { operation } = scripted([httpError(503, 0)], 'ok');

    await retry(operation, options);
    expect(clock.sleeps).toEqual([500]);
  });

  it('stops at once when Retry-After exceeds the budget', async () => {
    const { clock, giveUps, options } = setup();
    const rateLimited = httpError(429, 60_000);
    const { operation, attempts } = scripted([rateLimited], 'never');

    const failure = await retry(operation, options).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RetryBudgetExceededError);
    expect((failure as RetryBudgetExceededError).waitMs).toBe(60_000);
    expect((failure as RetryBudgetExceededError).cause).toBe(rateLimited);
    expect(attempts).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
    expect(giveUps[0]?.reason).toBe('retry-after-too-long');
  });

  it('never sleeps past the deadline', async () => {
    const { clock, giveUps, options } = setup({ deadline: new FakeClock().now() + 2000 });
    const last = httpError(503);
    const { operation, attempts } = scripted([httpError(503), httpError(503), last], 'never');

    await expect(retry(operation, options)).rejects.toBe(last);
    // 500 ms, then 1000 ms fit in 2 s; the third wait (2000 ms) would end past the deadline.
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(giveUps[0]?.reason).toBe('deadline');
  });

  it('uses the policy budget as the default deadline', async () => {
    const { clock, options } = setup({ policy: { budgetMs: 1200, maxRetries: 10 } });
    const { operation } = scripted(
      Array.from({ length: 10 }, () => httpError(503)),
      'never',
    );

    await expect(retry(operation, options)).rejects.toBeInstanceOf(HttpStatusError);
    expect(clock.sleeps).toEqual([500]);
    expect(clock.sleeps.reduce((sum, delay) => sum + delay, 0)).toBeLessThanOrEqual(1200);
  });

  it('ends at once on abort during a backoff wait', async () => {
    const controller = new AbortController();
    const { clock, options } = setup({ signal: controller.signal });
    clock.sleepHook = sleepUntilAborted;
    const { operation, attempts } = scripted([httpError(503)], 'never');

    const running = retry(operation, options);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.sleeps).toEqual([500]);
    controller.abort();

    await expect(running).rejects.toBeInstanceOf(AbortedError);
    expect(attempts).toEqual([1]);
  });

  it('ends at once on abort during an operation that ignores the signal', async () => {
    const controller = new AbortController();
    const { options } = setup({ signal: controller.signal });
    const never = () => new Promise<string>(() => undefined);

    const running = retry(never, options);
    controller.abort();

    const failure = await running.catch((error: unknown) => error);
    expect(isMcError(failure)).toBe(true);
    expect((failure as AbortedError).code).toBe('ABORTED');
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { options } = setup({ signal: controller.signal });
    const { operation, attempts } = scripted([], 'never');

    await expect(retry(operation, options)).rejects.toBeInstanceOf(AbortedError);
    expect(attempts).toEqual([]);
  });

  it('passes the signal to the operation', async () => {
    const controller = new AbortController();
    const { options } = setup({ signal: controller.signal });
    let received: AbortSignal | undefined;

    await retry(async (_attempt, signal) => {
      received = signal;
    }, options);

    expect(received).toBe(controller.signal);
  });

  it('rejects an invalid policy before calling', async () => {
    const { options } = setup({ policy: { maxRetries: -2 } });
    const { operation, attempts } = scripted([], 'never');

    await expect(retry(operation, options)).rejects.toThrow(/maxRetries.*-2/);
    expect(attempts).toEqual([]);
  });
});
