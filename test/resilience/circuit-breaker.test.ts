import { describe, expect, it } from 'vitest';

import {
  AbortedError,
  CircuitOpenError,
  HttpStatusError,
  NetworkError,
  UsageError,
} from '../../src/errors/errors.js';
import {
  CircuitBreaker,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  resetCircuits,
  type CircuitStateChange,
} from '../../src/resilience/circuit-breaker.js';
import { MemoryCircuitStore, type CircuitStore } from '../../src/resilience/circuit-store.js';
import { callWithResilience } from '../../src/resilience/resilient-call.js';
import { FakeClock } from './fakes.js';

const refused = () => new NetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000');

function httpError(status: number): HttpStatusError {
  return new HttpStatusError({ status, method: 'GET', url: 'http://127.0.0.1:8000/v1/sessions' });
}

function setup(
  store: CircuitStore = new MemoryCircuitStore(),
  clock = new FakeClock(),
  name = 'session-api',
) {
  const changes: CircuitStateChange[] = [];
  const breaker = new CircuitBreaker({
    name,
    store,
    clock,
    onStateChange: (change) => changes.push(change),
  });

  return { breaker, store, clock, changes };
}

async function failWith(breaker: CircuitBreaker, error: unknown): Promise<unknown> {
  return breaker
    .execute(async () => {
      throw error;
    })
    .catch((caught: unknown) => caught);
}

async function openCircuit(breaker: CircuitBreaker): Promise<void> {
  for (let index = 0; index < 3; index += 1) {
    await failWith(breaker, refused());
  }
}

describe('CircuitBreaker', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_CIRCUIT_BREAKER_OPTIONS).toEqual({
      failureThreshold: 3,
      resetTimeoutMs: 10_000,
      successThreshold: 2,
      probeLeaseMs: 45_000,
    });
  });

  it('passes calls through while closed', async () => {
    const { breaker } = setup();

    await expect(breaker.execute(async () => 'listed')).resolves.toBe('listed');
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 0 });
  });

  it('opens after 3 consecutive failures', async () => {
    const { breaker, clock, changes } = setup();

    await failWith(breaker, refused());
    await failWith(breaker, httpError(503));
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 2 });

    await failWith(breaker, httpError(500));
    expect(await breaker.state()).toMatchObject({ kind: 'open', retryAt: clock.now() + 10_000 });
    expect(changes).toEqual([
      { circuit: 'session-api', from: 'closed', to: 'open', at: clock.now() },
    ]);
  });

  it('fails fast while open', async () => {
    const { breaker, clock } = setup();
    await openCircuit(breaker);
    clock.advance(4000);
    let called = false;

    const failure = await breaker
      .execute(async () => {
        called = true;
      })
      .catch((error: unknown) => error);

    expect(called).toBe(false);
    expect(failure).toBeInstanceOf(CircuitOpenError);
    expect((failure as CircuitOpenError).circuit).toBe('session-api');
    expect((failure as CircuitOpenError).retryAt).toBe(clock.now() + 6000);
  });

  it('resets the count after a success', async () => {
    const { breaker } = setup();
    await failWith(breaker, refused());
    await failWith(breaker, refused());

    await breaker.execute(async () => 'ok');
    await failWith(breaker, refused());

    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 1 });
  });

  it('does not count 4xx, usage errors or aborts', async () => {
    const { breaker } = setup();

    for (const error of [
      httpError(404),
      httpError(401),
      httpError(400),
      httpError(422),
      new UsageError('bad id'),
      new AbortedError(),
    ]) {
      const caught = await failWith(breaker, error);
      expect(caught).toBe(error);
    }

    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 0 });
  });

  it('goes half-open after 10 s and closes after 2 successes', async () => {
    const { breaker, clock, changes } = setup();
    await openCircuit(breaker);
    clock.advance(10_000);

    await expect(breaker.execute(async () => 'probe 1')).resolves.toBe('probe 1');
    expect(await breaker.state()).toEqual({ kind: 'half-open', successes: 1, probe: null });

    await expect(breaker.execute(async () => 'probe 2')).resolves.toBe('probe 2');
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 0 });
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->closed',
    ]);
  });

  it('reopens when a probe fails', async () => {
    const { breaker, clock } = setup();
    await openCircuit(breaker);
    clock.advance(10_000);

    await failWith(breaker, httpError(503));

    expect(await breaker.state()).toMatchObject({ kind: 'open', retryAt: clock.now() + 10_000 });
    await expect(failWith(breaker, refused())).resolves.toBeInstanceOf(CircuitOpenError);
  });

  it('admits one probe at a time', async () => {
    const { breaker, clock } = setup();
    await openCircuit(breaker);
    clock.advance(10_000);
    let finishProbe: (value: string) => void = () => undefined;
    const probe = breaker.execute(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    await new Promise((resolve) => setImmediate(resolve));

    const second = await breaker.execute(async () => 'second').catch((error: unknown) => error);
    expect(second).toBeInstanceOf(CircuitOpenError);

    finishProbe('first');
    await expect(probe).resolves.toBe('first');
    await expect(breaker.execute(async () => 'third')).resolves.toBe('third');
  });

  it('lets another call probe after the lease expires', async () => {
    const store = new MemoryCircuitStore();
    const clock = new FakeClock();
    const { breaker } = setup(store, clock);
    await openCircuit(breaker);
    clock.advance(10_000);
    // A probe that never finishes stands for a process that crashed while probing.
    void breaker.execute(() => new Promise(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));

    const other = setup(store, clock).breaker;
    await expect(failWith(other, refused())).resolves.toBeInstanceOf(CircuitOpenError);

    clock.advance(DEFAULT_CIRCUIT_BREAKER_OPTIONS.probeLeaseMs + 1);
    await expect(other.execute(async () => 'probed')).resolves.toBe('probed');
    expect(await other.state()).toMatchObject({ kind: 'half-open', successes: 1 });
  });

  it('releases the probe after a 404', async () => {
    const { breaker, clock } = setup();
    await openCircuit(breaker);
    clock.advance(10_000);

    await failWith(breaker, httpError(404));

    expect(await breaker.state()).toEqual({ kind: 'half-open', successes: 0, probe: null });
  });

  it('isolates circuits by name', async () => {
    const store = new MemoryCircuitStore();
    const clock = new FakeClock();
    const sessions = setup(store, clock, 'session-api').breaker;
    const other = setup(store, clock, 'health').breaker;

    await openCircuit(sessions);

    await expect(other.execute(async () => 'healthy')).resolves.toBe('healthy');
    await expect(failWith(sessions, refused())).resolves.toBeInstanceOf(CircuitOpenError);
  });

  it('rejects invalid names and options', () => {
    const store = new MemoryCircuitStore();
    const clock = new FakeClock();

    expect(() => new CircuitBreaker({ name: '__proto__', store, clock })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ name: 'Session API', store, clock })).toThrow(/Session API/);
    expect(
      () => new CircuitBreaker({ name: 'a', store, clock, options: { failureThreshold: 0 } }),
    ).toThrow(/failureThreshold.*0/);
    expect(
      () => new CircuitBreaker({ name: 'a', store, clock, options: { resetTimeoutMs: -1 } }),
    ).toThrow(/resetTimeoutMs.*-1/);
  });
});

describe('resetCircuits', () => {
  it('closes one circuit or all', async () => {
    const store = new MemoryCircuitStore();
    const clock = new FakeClock();
    await openCircuit(setup(store, clock, 'session-api').breaker);
    await openCircuit(setup(store, clock, 'health').breaker);
    const changes: CircuitStateChange[] = [];

    expect(
      await resetCircuits(store, 'health', {
        clock,
        onStateChange: (change) => changes.push(change),
      }),
    ).toEqual(['health']);
    expect((await store.read()).get('session-api')?.kind).toBe('open');
    expect(changes).toEqual([{ circuit: 'health', from: 'open', to: 'closed', at: clock.now() }]);

    expect(await resetCircuits(store, undefined, { clock })).toEqual(['session-api']);
    expect((await store.read()).get('session-api')?.kind).toBe('closed');
  });
});

describe('callWithResilience', () => {
  it('counts one failure per call, not per attempt', async () => {
    const { breaker, clock } = setup();
    let attempts = 0;

    const failure = await callWithResilience(
      breaker,
      async () => {
        attempts += 1;
        throw refused();
      },
      { clock, random: () => 0, idempotent: true },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(NetworkError);
    expect(attempts).toBe(4);
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 1 });
  });

  it('fails fast from the 4th call against a dead Core', async () => {
    const { breaker, clock } = setup();
    const attemptsPerCall: number[] = [];
    const failures: unknown[] = [];

    for (let call = 0; call < 5; call += 1) {
      let attempts = 0;
      const failure = await callWithResilience(
        breaker,
        async () => {
          attempts += 1;
          throw refused();
        },
        { clock, random: () => 0, idempotent: true },
      ).catch((error: unknown) => error);
      attemptsPerCall.push(attempts);
      failures.push(failure);
    }

    expect(attemptsPerCall).toEqual([4, 4, 4, 0, 0]);
    expect(failures[3]).toBeInstanceOf(CircuitOpenError);
    expect(failures[4]).toBeInstanceOf(CircuitOpenError);
  });

  it('gives the half-open probe one attempt', async () => {
    const { breaker, clock } = setup();
    await openCircuit(breaker);
    clock.advance(breaker.options.resetTimeoutMs);
    let attempts = 0;

    const failure = await callWithResilience(
      breaker,
      async () => {
        attempts += 1;
        throw refused();
      },
      { clock, random: () => 0, idempotent: true },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(NetworkError);
    expect(attempts).toBe(1);
    expect((await breaker.state()).kind).toBe('open');
  });

  it('succeeds through retries and keeps the circuit closed', async () => {
    const { breaker, clock } = setup();
    let attempts = 0;

    const result = await callWithResilience(
      breaker,
      async () => {
        attempts += 1;
        if (attempts < 3) throw httpError(503);

        return 'sessions';
      },
      { clock, random: () => 0, idempotent: true },
    );

    expect(result).toBe('sessions');
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 0 });
  });
});
