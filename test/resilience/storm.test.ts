import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import {
  CircuitOpenError,
  HttpStatusError,
  NetworkError,
  RetryBudgetExceededError,
} from '../../src/errors/errors.js';
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import { MemoryCircuitStore } from '../../src/resilience/circuit-store.js';
import { callWithResilience } from '../../src/resilience/resilient-call.js';
import { parseRetryAfter } from '../../src/resilience/retry-after.js';
import { FakeClock, seededRandom } from './fakes.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** Starts a loopback server that responds to each request with the next scripted status. */
async function startServer(
  statuses: number[],
  headers: Record<string, string> = {},
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_request, response) => {
    const status = statuses[Math.min(hits, statuses.length - 1)] ?? 200;
    hits += 1;
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(
      JSON.stringify(status < 400 ? { sessions: [] } : { error: 'Service unavailable' }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return { url: `http://127.0.0.1:${port}/v1/sessions`, hits: () => hits };
}

/** A minimal GET that maps error responses and socket errors to the project's error classes. */
function get(url: string, clock: FakeClock, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 400) {
          const retryAfter = response.headers['retry-after'];
          reject(
            new HttpStatusError({
              status,
              method: 'GET',
              url,
              retryAfterMs: parseRetryAfter(retryAfter, clock.now()),
            }),
          );

          return;
        }
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      reject(new NetworkError(error.code ?? 'UNKNOWN', error.message)),
    );
    outgoing.end();
  });
}

function resilientGet(breaker: CircuitBreaker, url: string, clock: FakeClock) {
  return callWithResilience(breaker, (_attempt, signal) => get(url, clock, signal), {
    clock,
    random: seededRandom(11),
    idempotent: true,
  }).catch((error: unknown) => error);
}

describe('503 storm on loopback', () => {
  it('recovers when the storm ends within the retries', async () => {
    const { url, hits } = await startServer([503, 503, 200]);
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      name: 'session-api',
      store: new MemoryCircuitStore(),
      clock,
    });

    await expect(resilientGet(breaker, url, clock)).resolves.toEqual({ sessions: [] });
    expect(hits()).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('opens the circuit and stops sending requests', async () => {
    const { url, hits } = await startServer([503]);
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      name: 'session-api',
      store: new MemoryCircuitStore(),
      clock,
    });
    const outcomes: unknown[] = [];

    for (let call = 0; call < 5; call += 1) {
      outcomes.push(await resilientGet(breaker, url, clock));
    }

    // Three calls of four attempts each open the circuit; the last two never reach the server.
    expect(hits()).toBe(12);
    expect(outcomes.slice(0, 3).every((outcome) => outcome instanceof HttpStatusError)).toBe(true);
    expect(outcomes[3]).toBeInstanceOf(CircuitOpenError);
    expect(outcomes[4]).toBeInstanceOf(CircuitOpenError);
  });

  it('stops at once on Retry-After: 60', async () => {
    const { url, hits } = await startServer([429], { 'retry-after': '60' });
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      name: 'session-api',
      store: new MemoryCircuitStore(),
      clock,
    });

    const outcome = await resilientGet(breaker, url, clock);

    expect(outcome).toBeInstanceOf(RetryBudgetExceededError);
    expect((outcome as RetryBudgetExceededError).waitMs).toBe(60_000);
    expect(hits()).toBe(1);
    expect(await breaker.state()).toEqual({ kind: 'closed', consecutiveFailures: 0 });
  });

  it('reports connection refused after the server stops', async () => {
    const { url } = await startServer([200]);
    server?.close();
    await once(server as Server, 'close');
    const clock = new FakeClock();
    const breaker = new CircuitBreaker({
      name: 'session-api',
      store: new MemoryCircuitStore(),
      clock,
    });

    const outcome = await resilientGet(breaker, url, clock);

    expect(outcome).toBeInstanceOf(NetworkError);
    expect((outcome as NetworkError).networkCode).toBe('ECONNREFUSED');
    expect(clock.sleeps).toHaveLength(3);
  });
});
