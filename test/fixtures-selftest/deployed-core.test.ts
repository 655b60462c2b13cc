import { afterEach, describe, expect, it } from 'vitest';

import { formatCoreDatetime } from '../../src/contract/datetime.js';
import {
  bulkSessionDeleteResponseSchema,
  errorBodySchema,
  memoryAddResponseSchema,
  sessionDeleteResponseSchema,
  sessionHistoryResponseSchema,
  sessionListResponseSchema,
  sessionStatsSchema,
} from '../../src/contract/schemas.js';
import {
  startDeployedCore,
  type DeployedCore,
  type DeployedCoreOptions,
} from '../helpers/deployed-core.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

let core: DeployedCore | undefined;
let clockTime = START;

afterEach(async () => {
  await core?.close();
  core = undefined;
  clockTime = START;
});

async function start(options: DeployedCoreOptions = {}): Promise<DeployedCore> {
  core = await startDeployedCore({ now: () => clockTime, ...options });
  return core;
}

async function call(path: string, init: RequestInit = {}): Promise<JsonResponse> {
  if (core === undefined) {
    throw new Error('start the fixture first');
  }

  const response = await fetch(`${core.url}${path}`, { redirect: 'manual', ...init });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

function post(path: string, body: unknown): Promise<JsonResponse> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('health defect', () => {
  it('answers 500 with the generic body by default', async () => {
    await start();

    const response = await call('/health', { headers: { 'x-request-id': 'health-1' } });

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'Internal server error', request_id: 'health-1' });
  });

  it('answers healthy when switched off', async () => {
    await start({ healthFails: false, version: '9.9.9' });

    const response = await call('/health');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'healthy', version: '9.9.9' });
    expect((response.body as { timestamp: string }).timestamp).toBe(formatCoreDatetime(START));
  });
});

describe('stats defect', () => {
  it('answers 500 by default', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 2 });

    const response = await call('/v1/sessions/stats/summary');

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ error: 'Internal server error' });
    expect(typeof (response.body as { request_id: unknown }).request_id).toBe('string');
  });

  it('computes statistics when switched off', async () => {
    const fixture = await start({ statsFails: false });
    fixture.addSessions({ count: 3, messagesPerSession: 2, sessionIntervalMs: 3 * DAY });

    const response = await call('/v1/sessions/stats/summary');

    expect(response.status).toBe(200);
    const stats = sessionStatsSchema.parse(response.body);
    expect(stats.total_sessions).toBe(3);
    expect(stats.total_messages).toBe(6);
    expect(stats.average_messages_per_session).toBe(2);
    expect(stats.active_sessions_24h).toBe(1);
    expect(stats.active_sessions_7d).toBe(3);
  });

  it('rounds the average to two decimals', async () => {
    const fixture = await start({ statsFails: false });
    fixture.addSessions({ count: 2, messagesPerSession: 1, idPrefix: 'one' });
    fixture.addSessions({ count: 1, messagesPerSession: 2, idPrefix: 'two' });

    const response = await call('/v1/sessions/stats/summary');

    expect(sessionStatsSchema.parse(response.body).average_messages_per_session).toBe(1.33);
  });
});

describe('bulk delete defect', () => {
  it.each([
    ['no session_ids', {}],
    ['null session_ids', { session_ids: null }],
    ['empty session_ids', { session_ids: [] }],
    ['dry run without ids', { dry_run: true, older_than_days: 1 }],
  ])('answers 500 for %s', async (_name, body) => {
    const fixture = await start();
    fixture.addSessions({ count: 2, newestLastActive: START - 90 * DAY });

    const response = await post('/v1/sessions/bulk-delete', body);

    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ error: 'Internal server error' });
    expect(fixture.memories).toHaveLength(2);
  });

  it('deletes explicit ids, failing invalid ones and counting unknown ones', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 2, messagesPerSession: 3 });

    const response = await post('/v1/sessions/bulk-delete', {
      session_ids: ['session-0000', 'bad id', 'never-existed'],
    });

    expect(response.status).toBe(200);
    const result = bulkSessionDeleteResponseSchema.parse(response.body);
    expect(result.deleted_session_ids).toEqual(['session-0000', 'never-existed']);
    expect(result.sessions_deleted).toBe(2);
    expect(result.memories_deleted).toBe(3);
    expect(result.sessions_failed).toBe(1);
    expect(result.failed_session_ids).toEqual([
      {
        session_id: 'bad id',
        error:
          'Session ID contains invalid characters. Only alphanumeric characters, hyphens, and underscores are allowed.',
      },
    ]);
    expect(fixture.memories.map((memory) => memory.metadata['session_id'])).toEqual([
      'session-0001',
      'session-0001',
      'session-0001',
    ]);
  });

  it('keeps memories on a dry run with explicit ids', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 1, messagesPerSession: 4 });

    const response = await post('/v1/sessions/bulk-delete', {
      session_ids: ['session-0000'],
      dry_run: true,
    });

    const result = bulkSessionDeleteResponseSchema.parse(response.body);
    expect(result.dry_run).toBe(true);
    expect(result.memories_deleted).toBe(4);
    expect(fixture.memories).toHaveLength(4);
  });

  it('deletes sessions older than the cutoff when switched off', async () => {
    const fixture = await start({ bulkDeleteWithoutIdsFails: false });
    fixture.addSessions({ count: 4, sessionIntervalMs: 10 * DAY });

    const response = await post('/v1/sessions/bulk-delete', { older_than_days: 15 });

    const result = bulkSessionDeleteResponseSchema.parse(response.body);
    expect(result.deleted_session_ids).toEqual(['session-0002', 'session-0003']);
    expect(fixture.memories.map((memory) => memory.metadata['session_id'])).toEqual([
      'session-0000',
      'session-0001',
    ]);
  });

  it('fails unknown ids when unknown deletes are switched off', async () => {
    await start({ deleteUnknownSucceeds: false });

    const response = await post('/v1/sessions/bulk-delete', { session_ids: ['ghost'] });

    const result = bulkSessionDeleteResponseSchema.parse(response.body);
    expect(result.sessions_deleted).toBe(0);
    expect(result.failed_session_ids).toEqual([
      { session_id: 'ghost', error: 'Session ghost not found' },
    ]);
  });

  it('rejects an out-of-range older_than_days with 422', async () => {
    await start();

    const response = await post('/v1/sessions/bulk-delete', {
      session_ids: ['a'],
      older_than_days: 0,
    });

    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      error: 'Validation error',
      errors: [
        {
          field: 'body.older_than_days',
          message: 'Input should be greater than or equal to 1',
          type: 'greater_than_equal',
        },
      ],
    });
  });

  it('names the index of a non-string id', async () => {
    await start();

    const response = await post('/v1/sessions/bulk-delete', { session_ids: ['a', 7] });

    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(response.body).errors?.[0]?.field).toBe('body.session_ids.1');
  });
});

describe('bulk route of older Cores', () => {
  it('answers 404 when configured missing404', async () => {
    await start({ bulkRoute: 'missing404' });

    const response = await post('/v1/sessions/bulk-delete', { session_ids: ['a'] });

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'Not Found', status_code: 404 });
  });

  it('answers 405 without Allow when configured missing405', async () => {
    await start({ bulkRoute: 'missing405' });

    const response = await post('/v1/sessions/bulk-delete', { session_ids: ['a'] });

    expect(response.status).toBe(405);
    expect(response.body).toEqual({ error: 'Method Not Allowed', status_code: 405 });
    expect(response.headers.get('allow')).toBeNull();
  });
});

describe('session list window defect', () => {
  async function startWithThreeSessions(options: DeployedCoreOptions = {}) {
    const fixture = await start(options);
    fixture.addSessions({ count: 3, messagesPerSession: 50 });
    return fixture;
  }

  it('counts only the sessions of the first limit+offset memories', async () => {
    await startWithThreeSessions();

    const response = await call('/v1/sessions?limit=1');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.total).toBe(1);
    expect(list.sessions.map((session) => session.session_id)).toEqual(['session-0000']);
    expect(list.sessions[0]?.message_count).toBe(1);
  });

  it('reports partial message counts', async () => {
    await startWithThreeSessions();

    const response = await call('/v1/sessions?limit=60');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.total).toBe(2);
    expect(list.sessions.map((session) => session.message_count)).toEqual([50, 10]);
  });

  it('returns a short page although more sessions exist', async () => {
    await startWithThreeSessions();

    const response = await call('/v1/sessions?limit=1&offset=1');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.total).toBe(1);
    expect(list.sessions).toEqual([]);
  });

  it('returns the true total and no rows for a large offset', async () => {
    await startWithThreeSessions();

    const response = await call('/v1/sessions?limit=10&offset=100000');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.total).toBe(3);
    expect(list.sessions).toEqual([]);
    expect(list.offset).toBe(100000);
  });

  it('lists every session in full when switched off', async () => {
    await startWithThreeSessions({ listFromMemoryWindow: false });

    const response = await call('/v1/sessions?limit=2');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.total).toBe(3);
    expect(list.sessions.map((session) => session.message_count)).toEqual([50, 50]);
  });

  it('describes sessions as the seed says', async () => {
    const fixture = await start({ listFromMemoryWindow: false });
    const seeded = fixture.addSessions({ count: 2, messagesPerSession: 3, source: 'cli' });

    const response = await call('/v1/sessions');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.sessions).toEqual(
      seeded.map((session) => ({
        session_id: session.sessionId,
        created_at: session.createdAt,
        last_active: session.lastActive,
        message_count: session.messageCount,
        metadata: { sources: ['cli'] },
      })),
    );
    expect(list.limit).toBe(100);
    expect(list.offset).toBe(0);
  });

  it('filters by active_since_hours', async () => {
    const fixture = await start({ listFromMemoryWindow: false });
    fixture.addSessions({ count: 5, sessionIntervalMs: 10 * HOUR });

    const response = await call('/v1/sessions?active_since_hours=25');

    const list = sessionListResponseSchema.parse(response.body);
    expect(list.sessions.map((session) => session.session_id)).toEqual([
      'session-0000',
      'session-0001',
      'session-0002',
    ]);
  });
});

describe('single session routes', () => {
  it('answers 200 with 0 deleted for an unknown id', async () => {
    await start();

    const response = await call('/v1/sessions/ghost', { method: 'DELETE' });

    expect(response.status).toBe(200);
    expect(sessionDeleteResponseSchema.parse(response.body).memories_deleted).toBe(0);
  });

  it('answers 404 for an unknown id when switched off', async () => {
    await start({ deleteUnknownSucceeds: false });

    const response = await call('/v1/sessions/ghost', { method: 'DELETE' });

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'Session ghost not found', status_code: 404 });
  });

  it('deletes the memories of a known session', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 2, messagesPerSession: 5 });

    const response = await call('/v1/sessions/session-0001', { method: 'DELETE' });

    expect(sessionDeleteResponseSchema.parse(response.body).memories_deleted).toBe(5);
    expect(fixture.memories).toHaveLength(5);
  });

  it('returns history oldest first with paging', async () => {
    const fixture = await start();
    const [seeded] = fixture.addSessions({ count: 1, messagesPerSession: 5 });

    const response = await call('/v1/sessions/session-0000?limit=2&offset=1');

    const history = sessionHistoryResponseSchema.parse(response.body);
    expect(history.total_messages).toBe(5);
    expect(history.messages.map((message) => message.id)).toEqual([
      'session-0000-m1',
      'session-0000-m2',
    ]);
    expect(history.session_duration_minutes).toBe(4);
    expect(seeded?.lastActive).toBe(formatCoreDatetime(START));
  });

  it('reports a null duration for one message', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 1 });

    const response = await call('/v1/sessions/session-0000');

    expect(sessionHistoryResponseSchema.parse(response.body).session_duration_minutes).toBeNull();
  });

  it('looks at no more than 1000 memories of a session', async () => {
    const fixture = await start();
    fixture.addSessions({ count: 1, messagesPerSession: 1200, messageIntervalMs: 1000 });

    const history = await call('/v1/sessions/session-0000?limit=1');
    const deletion = await call('/v1/sessions/session-0000', { method: 'DELETE' });

    expect(sessionHistoryResponseSchema.parse(history.body).total_messages).toBe(1000);
    expect(sessionDeleteResponseSchema.parse(deletion.body).memories_deleted).toBe(1000);
    expect(fixture.memories).toHaveLength(200);
  });

  it('looks at every memory without a cap', async () => {
    const fixture = await start({ sessionMemoryCap: null });
    fixture.addSessions({ count: 1, messagesPerSession: 1200, messageIntervalMs: 1000 });

    const history = await call('/v1/sessions/session-0000?limit=1');

    expect(sessionHistoryResponseSchema.parse(history.body).total_messages).toBe(1200);
  });

  it('finds no session with an empty backend', async () => {
    const fixture = await start({ emptyBackend: true });
    fixture.addSessions({ count: 2 });

    const history = await call('/v1/sessions/session-0000');
    const list = await call('/v1/sessions');

    expect(history.status).toBe(404);
    expect(sessionListResponseSchema.parse(list.body)).toEqual({
      sessions: [],
      total: 0,
      limit: 100,
      offset: 0,
    });
  });
});

describe('memory add defect', () => {
  const entry = {
    id: 'chosen-id',
    content: 'User: hi\nAssistant: hello',
    metadata: { session_id: 'restored', type: 'chat_interaction' },
    timestamp: '2025-01-02T03:04:05',
    source: 'archive',
  };

  it('ignores id and timestamp by default', async () => {
    const fixture = await start();
    clockTime = START + 5 * HOUR;

    const response = await post('/v1/memory/add', entry);

    const result = memoryAddResponseSchema.parse(response.body);
    expect(result.memory_id).not.toBe('chosen-id');
    expect(fixture.memories).toEqual([
      {
        id: result.memory_id,
        content: entry.content,
        metadata: entry.metadata,
        timestamp: formatCoreDatetime(START + 5 * HOUR),
        source: 'archive',
      },
    ]);
  });

  it('honours id and timestamp when switched off', async () => {
    const fixture = await start({ memoryAddIgnoresIdAndTimestamp: false });

    const response = await post('/v1/memory/add', entry);

    expect(memoryAddResponseSchema.parse(response.body).memory_id).toBe('chosen-id');
    expect(fixture.memories[0]?.timestamp).toBe('2025-01-02T03:04:05');
  });

  it('rejects a body without content', async () => {
    const fixture = await start();

    const response = await post('/v1/memory/add', { metadata: {} });

    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(response.body).errors).toEqual([
      { field: 'body.content', message: 'Field required', type: 'missing' },
    ]);
    expect(fixture.memories).toEqual([]);
  });

  it('rejects malformed JSON', async () => {
    await start();

    const response = await call('/v1/memory/add', { method: 'POST', body: '{"content":' });

    expect(response.status).toBe(422);
    expect(errorBodySchema.parse(response.body).errors?.[0]).toEqual({
      field: 'body',
      message: 'JSON decode error',
      type: 'json_invalid',
    });
  });
});

describe('rate limit', () => {
  it('answers 429 after the limit with the Core body and headers', async () => {
    await start();

    for (let index = 0; index < 60; index += 1) {
      const response = await call(index % 2 === 0 ? '/v1/sessions' : '/no-such-route');
      expect(response.status).not.toBe(429);
    }
    const limited = await call('/v1/sessions');

    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: 'Rate limit exceeded',
      code: 'RATE_LIMIT_EXCEEDED',
      limit: 60,
      window: '60 seconds',
      retry_after: 60,
    });
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('60');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String((START + 60_000) / 1000));
    expect(limited.headers.get('x-request-id')).not.toBeNull();
  });

  it('slides the window with the injected clock', async () => {
    await start({ rateLimit: { limit: 4, windowMs: 10_000 } });

    await call('/v1/sessions');
    await call('/v1/sessions');
    clockTime = START + 5_000;
    await call('/v1/sessions');
    await call('/v1/sessions');
    const full = await call('/v1/sessions');
    clockTime = START + 10_000;
    const afterFirstTwoExpire = await call('/v1/sessions');

    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('10');
    expect(afterFirstTwoExpire.status).toBe(200);
    expect(afterFirstTwoExpire.headers.get('x-ratelimit-remaining')).toBe('1');
  });

  it('never limits when switched off', async () => {
    await start({ rateLimit: false });

    const statuses = new Set<number>();
    for (let index = 0; index < 70; index += 1) {
      statuses.add((await call('/v1/sessions')).status);
    }

    expect([...statuses]).toEqual([200]);
  });
});

describe('request handling', () => {
  it('echoes or generates X-Request-ID', async () => {
    await start();

    const echoed = await call('/v1/sessions', { headers: { 'x-request-id': 'abc-123' } });
    const generated = await call('/v1/sessions');

    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['/v1/sessions?limit=0', 'query.limit', 'greater_than_equal', 'greater than or equal to 1'],
    ['/v1/sessions?limit=501', 'query.limit', 'less_than_equal', 'less than or equal to 500'],
    ['/v1/sessions?limit=abc', 'query.limit', 'int_parsing', 'valid integer'],
    ['/v1/sessions?offset=-1', 'query.offset', 'greater_than_equal', 'greater than or equal to 0'],
    ['/v1/sessions/s1?limit=101', 'query.limit', 'less_than_equal', 'less than or equal to 100'],
  ])('answers 422 for %s', async (path, field, type, message) => {
    await start();

    const response = await call(path);

    expect(response.status).toBe(422);
    const issue = errorBodySchema.parse(response.body).errors?.[0];
    expect(issue?.field).toBe(field);
    expect(issue?.type).toBe(type);
    expect(issue?.message).toContain(message);
  });

  it.each([
    ['x'.repeat(65), 'Session ID exceeds maximum length of 64 characters (got 65)'],
    ['a..b', 'Session ID cannot contain path traversal sequences'],
    ['a%2Fb', 'Session ID cannot contain path traversal sequences'],
    ['bad%20id', 'Session ID contains invalid characters.'],
  ])('answers 400 for session id %s', async (id, message) => {
    await start();

    const history = await call(`/v1/sessions/${id}`);
    const deletion = await call(`/v1/sessions/${id}`, { method: 'DELETE' });

    for (const response of [history, deletion]) {
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status_code: 400 });
      expect(String((response.body as { error: unknown }).error)).toContain(message);
    }
  });

  it('redirects a trailing slash with 307', async () => {
    const fixture = await start();

    const response = await call('/v1/sessions/?limit=5');

    expect(response.status).toBe(307);
    expect(response.body).toBeUndefined();
    expect(response.headers.get('location')).toBe(`${fixture.url}/v1/sessions?limit=5`);
  });

  it('answers 405 without Allow for a wrong method', async () => {
    await start();

    const response = await call('/v1/sessions', { method: 'PUT' });

    expect(response.status).toBe(405);
    expect(response.body).toEqual({ error: 'Method Not Allowed', status_code: 405 });
    expect(response.headers.get('allow')).toBeNull();
  });

  it('answers 404 for an unknown route', async () => {
    await start();

    const response = await call('/v2/whatever');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'Not Found', status_code: 404 });
  });

  it('records every request', async () => {
    const fixture = await start();

    await call('/v1/sessions?limit=3&offset=1', { headers: { 'X-Custom': 'yes' } });
    await post('/v1/sessions/bulk-delete', { session_ids: ['a'] });

    expect(fixture.requests).toHaveLength(2);
    expect(fixture.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/sessions',
      query: { limit: '3', offset: '1' },
      status: 200,
      receivedAt: START,
      body: undefined,
    });
    expect(fixture.requests[0]?.headers['x-custom']).toBe('yes');
    expect(fixture.requests[1]).toMatchObject({
      method: 'POST',
      path: '/v1/sessions/bulk-delete',
      body: { session_ids: ['a'] },
      status: 200,
    });
  });
});

describe('API key', () => {
  it('is not checked on any route by default', async () => {
    await start({ apiKey: 'secret' });

    const response = await call('/v1/sessions');

    expect(response.status).toBe(200);
  });

  it('is checked on every route when configured', async () => {
    await start({ apiKey: 'secret', apiKeyRoutes: 'all' });

    const missing = await call('/v1/sessions');
    const wrong = await call('/v1/sessions', { headers: { 'x-api-key': 'nope' } });
    const right = await call('/v1/sessions', { headers: { 'x-api-key': 'secret' } });

    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: 'Invalid or missing API key' });
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
  });
});
