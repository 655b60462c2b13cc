import { PassThrough } from 'node:stream';

import { afterEach, describe, expect, test } from 'vitest';

import { manualClock, startTestCore, type TestCore } from '../helpers/embedded-core.js';
import { call } from './http.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const API_KEY = 'test-key-4f9a2c';

let core: TestCore | undefined;

afterEach(async () => {
  await core?.close();
  core = undefined;
});

const EVERY_ROUTE: [string, string, unknown?][] = [
  ['GET', '/health'],
  ['GET', '/v1/sessions'],
  ['GET', '/v1/sessions/some-id'],
  ['DELETE', '/v1/sessions/some-id'],
  ['GET', '/v1/sessions/stats/summary'],
  ['POST', '/v1/sessions/bulk-delete', { session_ids: ['some-id'] }],
  ['POST', '/v1/memory/add', { content: 'x' }],
  ['GET', '/no/such/route'],
  ['GET', '/v1/sessions/'],
];

describe('API key', () => {
  test.each(EVERY_ROUTE)('%s %s needs the key', async (method, path, body) => {
    core = await startTestCore({ apiKey: API_KEY, seed: { sessions: 2 } });

    const missing = await call(core.url, method, path, { body });
    const wrong = await call(core.url, method, path, { body, headers: { 'x-api-key': 'nope' } });
    const longer = await call(core.url, method, path, {
      body,
      headers: { 'x-api-key': `${API_KEY}x` },
    });

    for (const response of [missing, wrong, longer]) {
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ error: 'Invalid or missing API key' });
      expect(response.headers['x-request-id']).toBeDefined();
    }
    expect(core.store.totals().sessions).toBe(2);
  });

  test('the right key passes', async () => {
    core = await startTestCore({ apiKey: API_KEY });
    const response = await call(core.url, 'GET', '/v1/sessions', {
      headers: { 'x-api-key': API_KEY },
    });

    expect(response.status).toBe(200);
  });

  test('no key is needed when none is set', async () => {
    core = await startTestCore();
    const response = await call(core.url, 'GET', '/v1/sessions');

    expect(response.status).toBe(200);
  });

  test('the key never reaches the log', async () => {
    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    core = await startTestCore({ apiKey: API_KEY, logStream: log });

    await call(core.url, 'GET', '/v1/sessions', { headers: { 'x-api-key': API_KEY } });
    await call(core.url, 'GET', '/v1/sessions', { headers: { 'x-api-key': `${API_KEY}-wrong` } });
    await call(core.url, 'GET', '/boom', { headers: { 'x-api-key': API_KEY } });

    const text = lines.join('');
    expect(text).toContain('/v1/sessions');
    expect(text).not.toContain(API_KEY);
  });
});

test.each([
  [{ apiKey: '' }, /apiKey must not be empty/],
  [{ rateLimit: { max: 0, windowMs: 1_000 } }, /rateLimit.max must be a positive integer, got 0/],
  [
    { rateLimit: { max: 5, windowMs: Number.NaN } },
    /rateLimit.windowMs must be a positive integer, got NaN/,
  ],
])('rejects bad options %#', async (options, message) => {
  await expect(startTestCore(options)).rejects.toThrow(message);
});

describe('rate limit', () => {
  test('is off by default', async () => {
    core = await startTestCore();
    for (let index = 0; index < 80; index++) {
      expect((await call(core.url, 'GET', '/health')).status).toBe(200);
    }
  });

  test('answers 429 past the limit and recovers as the window slides', async () => {
    const clock = manualClock(NOW);
    core = await startTestCore({ clock, rateLimit: { max: 3, windowMs: 60_000 } });

    const first = await call(core.url, 'GET', '/health');
    clock.advance(20_000);
    await call(core.url, 'GET', '/no/such/route');
    clock.advance(20_000);
    const third = await call(core.url, 'GET', '/v1/sessions?limit=0');
    const limited = await call(core.url, 'GET', '/health');

    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    expect(third.status).toBe(422);
    expect(third.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      error: 'Rate limit exceeded',
      code: 'RATE_LIMIT_EXCEEDED',
      limit: 3,
      window: '60 seconds',
      retry_after: 20,
    });
    expect(limited.headers['retry-after']).toBe('20');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.headers['x-ratelimit-reset']).toBe(String(Math.ceil((NOW + 60_000) / 1000)));

    clock.advance(20_001);
    const recovered = await call(core.url, 'GET', '/health');
    expect(recovered.status).toBe(200);
    expect(recovered.headers['x-ratelimit-remaining']).toBe('0');
    expect((await call(core.url, 'GET', '/health')).status).toBe(429);
  });

  test('counts requests rejected for a missing key', async () => {
    const clock = manualClock(NOW);
    core = await startTestCore({ clock, apiKey: API_KEY, rateLimit: { max: 2, windowMs: 60_000 } });

    await call(core.url, 'GET', '/health');
    await call(core.url, 'GET', '/health');
    const limited = await call(core.url, 'GET', '/health', { headers: { 'x-api-key': API_KEY } });

    expect(limited.status).toBe(429);
  });
});
