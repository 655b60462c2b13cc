import { afterEach, describe, expect, test } from 'vitest';

import { formatCoreDatetime, parseCoreDatetime } from '../../src/contract/datetime.js';
import {
  bulkSessionDeleteResponseSchema,
  memoryAddResponseSchema,
  sessionDeleteResponseSchema,
  sessionHistoryResponseSchema,
  sessionListResponseSchema,
  sessionStatsSchema,
} from '../../src/contract/schemas.js';
import { manualClock, startTestCore, type TestCore } from '../helpers/embedded-core.js';
import { call } from './http.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let core: TestCore | undefined;

afterEach(async () => {
  await core?.close();
  core = undefined;
});

async function startCore(): Promise<TestCore> {
  core = await startTestCore({ clock: manualClock(NOW) });
  return core;
}

async function addChat(
  target: TestCore,
  sessionId: string,
  at: number,
  source = 'chat',
  content = 'User: hi\nAssistant: hello',
): Promise<void> {
  const response = await call(target.url, 'POST', '/v1/memory/add', {
    body: {
      content,
      metadata: { session_id: sessionId, type: 'chat_interaction' },
      source,
      timestamp: formatCoreDatetime(at),
    },
  });
  expect(response.status).toBe(200);
}

describe('POST /v1/memory/add', () => {
  test('keeps the given timestamp', async () => {
    const target = await startCore();
    const response = await call(target.url, 'POST', '/v1/memory/add', {
      body: {
        content: 'User: a\nAssistant: b',
        metadata: { session_id: 'kept', type: 'chat_interaction' },
        timestamp: '2025-01-02T03:04:05.678',
      },
    });

    expect(response.status).toBe(200);
    expect(memoryAddResponseSchema.parse(response.json).success).toBe(true);
    const history = await call(target.url, 'GET', '/v1/sessions/kept');
    const parsed = sessionHistoryResponseSchema.parse(history.json);
    expect(parsed.messages[0]?.timestamp).toBe('2025-01-02T03:04:05.678000');
  });

  test('reads an offset timestamp as UTC', async () => {
    const target = await startCore();
    await call(target.url, 'POST', '/v1/memory/add', {
      body: {
        content: 'x',
        metadata: { session_id: 'offset', type: 'chat_interaction' },
        timestamp: '2025-01-02T05:04:05+02:00',
      },
    });

    const history = sessionHistoryResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions/offset')).json,
    );
    expect(history.messages[0]?.timestamp).toBe('2025-01-02T03:04:05.000000');
  });

  test('defaults the timestamp to the clock', async () => {
    const target = await startCore();
    await call(target.url, 'POST', '/v1/memory/add', {
      body: { content: 'x', metadata: { session_id: 'now', type: 'chat_interaction' } },
    });

    const history = sessionHistoryResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions/now')).json,
    );
    expect(history.messages[0]?.timestamp).toBe(formatCoreDatetime(NOW));
  });

  test('memories of other types join no session', async () => {
    const target = await startCore();
    await call(target.url, 'POST', '/v1/memory/add', {
      body: { content: 'note', metadata: { session_id: 'other', type: 'note' } },
    });

    expect((await call(target.url, 'GET', '/v1/sessions/other')).status).toBe(404);
    const list = sessionListResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions')).json,
    );
    expect(list.total).toBe(0);
  });

  test('rejects missing content and bad types with 422', async () => {
    const target = await startCore();
    const response = await call(target.url, 'POST', '/v1/memory/add', {
      body: { metadata: 'x', timestamp: 'yesterday' },
    });

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: expect.arrayContaining([
        { field: 'body.content', message: 'Field required', type: 'missing' },
        {
          field: 'body.metadata',
          message: 'Input should be a valid dictionary',
          type: 'dict_type',
        },
        {
          field: 'body.timestamp',
          message: 'Input should be a valid datetime',
          type: 'datetime_parsing',
        },
      ]),
    });
  });

  test('rejects an invalid session id in metadata', async () => {
    const target = await startCore();
    const response = await call(target.url, 'POST', '/v1/memory/add', {
      body: { content: 'x', metadata: { session_id: '../etc', type: 'chat_interaction' } },
    });

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: [
        {
          field: 'body.metadata.session_id',
          message: 'Session ID cannot contain path traversal sequences',
          type: 'value_error',
        },
      ],
    });
    expect(target.store.totals()).toEqual({ sessions: 0, messages: 0 });
  });

  test('rejects malformed JSON and a missing body with 422', async () => {
    const target = await startCore();
    const malformed = await call(target.url, 'POST', '/v1/memory/add', {
      rawBody: '{"content":',
      headers: { 'content-type': 'application/json' },
    });
    const missing = await call(target.url, 'POST', '/v1/memory/add');

    expect(malformed.status).toBe(422);
    expect(malformed.json).toEqual({
      error: 'Validation error',
      errors: [{ field: 'body', message: 'JSON decode error', type: 'json_invalid' }],
    });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({
      error: 'Validation error',
      errors: [{ field: 'body', message: 'Field required', type: 'missing' }],
    });
  });
});

describe('GET /v1/sessions', () => {
  test('orders by last activity and reports the true total', async () => {
    const target = await startCore();
    await addChat(target, 'old', NOW - 3 * DAY);
    await addChat(target, 'new', NOW - HOUR);
    await addChat(target, 'middle', NOW - 2 * DAY);
    await addChat(target, 'old', NOW - 2 * DAY - HOUR, 'api');

    const response = await call(target.url, 'GET', '/v1/sessions?limit=2&offset=0');
    const list = sessionListResponseSchema.parse(response.json);

    expect(response.status).toBe(200);
    expect(list.total).toBe(3);
    expect(list.limit).toBe(2);
    expect(list.sessions.map((session) => session.session_id)).toEqual(['new', 'middle']);
  });

  test('offset pages reach every session once', async () => {
    const target = await startCore();
    for (let index = 0; index < 7; index++) {
      await addChat(target, `s${index}`, NOW - index * HOUR);
    }

    const seen: string[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const page = sessionListResponseSchema.parse(
        (await call(target.url, 'GET', `/v1/sessions?limit=3&offset=${offset}`)).json,
      );
      expect(page.total).toBe(7);
      expect(page.offset).toBe(offset);
      seen.push(...page.sessions.map((session) => session.session_id));
    }

    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
  });

  test('breaks last-activity ties by session id', async () => {
    const target = await startCore();
    await addChat(target, 'b', NOW - HOUR);
    await addChat(target, 'a', NOW - HOUR);

    const list = sessionListResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions')).json,
    );
    expect(list.sessions.map((session) => session.session_id)).toEqual(['a', 'b']);
  });

  test('summarises each session', async () => {
    const target = await startCore();
    await addChat(target, 'sum', NOW - 2 * HOUR, 'chat');
    await addChat(target, 'sum', NOW - HOUR, 'api');
    await addChat(target, 'sum', NOW - 3 * HOUR, 'chat');

    const list = sessionListResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions')).json,
    );
    expect(list.sessions[0]).toEqual({
      session_id: 'sum',
      created_at: formatCoreDatetime(NOW - 3 * HOUR),
      last_active: formatCoreDatetime(NOW - HOUR),
      message_count: 3,
      metadata: { sources: ['chat', 'api'] },
    });
  });

  test('filters by active_since_hours', async () => {
    const target = await startCore();
    await addChat(target, 'recent', NOW - HOUR);
    await addChat(target, 'stale', NOW - 5 * HOUR);

    const list = sessionListResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions?active_since_hours=2')).json,
    );
    expect(list.total).toBe(1);
    expect(list.sessions.map((session) => session.session_id)).toEqual(['recent']);
  });

  test.each([
    ['limit=0', 'query.limit', 'Input should be greater than or equal to 1', 'greater_than_equal'],
    ['limit=501', 'query.limit', 'Input should be less than or equal to 500', 'less_than_equal'],
    [
      'limit=ten',
      'query.limit',
      'Input should be a valid integer, unable to parse string as an integer',
      'int_parsing',
    ],
    [
      'offset=-1',
      'query.offset',
      'Input should be greater than or equal to 0',
      'greater_than_equal',
    ],
    [
      'active_since_hours=0',
      'query.active_since_hours',
      'Input should be greater than or equal to 1',
      'greater_than_equal',
    ],
  ])('rejects %s with 422', async (query, field, message, type) => {
    const target = await startCore();
    const response = await call(target.url, 'GET', `/v1/sessions?${query}`);

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: [{ field, message, type }],
    });
  });
});

describe('GET /v1/sessions/{id}', () => {
  test('returns the history oldest first with totals', async () => {
    const target = await startCore();
    await addChat(target, 'hist', NOW - 30 * MINUTE, 'chat', 'User: second\nAssistant: b');
    await addChat(target, 'hist', NOW - 90 * MINUTE, 'chat', 'User: first\nAssistant: a');
    await addChat(target, 'hist', NOW, 'chat', 'User: third\nAssistant: c');

    const response = await call(target.url, 'GET', '/v1/sessions/hist?limit=2');
    const history = sessionHistoryResponseSchema.parse(response.json);

    expect(history.session_id).toBe('hist');
    expect(history.total_messages).toBe(3);
    expect(history.session_duration_minutes).toBe(90);
    expect(history.messages.map((message) => message.content)).toEqual([
      'User: first\nAssistant: a',
      'User: second\nAssistant: b',
    ]);
    expect(history.messages[0]?.metadata).toEqual({ session_id: 'hist', type: 'chat_interaction' });
  });

  test('pages with offset', async () => {
    const target = await startCore();
    for (let index = 0; index < 5; index++) {
      await addChat(target, 'paged', NOW - (5 - index) * MINUTE, 'chat', `m${index}`);
    }

    const history = sessionHistoryResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions/paged?limit=2&offset=3')).json,
    );
    expect(history.messages.map((message) => message.content)).toEqual(['m3', 'm4']);
  });

  test('reports a null duration for one message', async () => {
    const target = await startCore();
    await addChat(target, 'single', NOW);

    const history = sessionHistoryResponseSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions/single')).json,
    );
    expect(history.session_duration_minutes).toBeNull();
  });

  test('answers 404 for an unknown session', async () => {
    const target = await startCore();
    const response = await call(target.url, 'GET', '/v1/sessions/ghost');

    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'Session ghost not found', status_code: 404 });
  });

  test('rejects limit over 100 with 422', async () => {
    const target = await startCore();
    const response = await call(target.url, 'GET', '/v1/sessions/x?limit=101');

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: [
        {
          field: 'query.limit',
          message: 'Input should be less than or equal to 100',
          type: 'less_than_equal',
        },
      ],
    });
  });

  test.each([
    ['a'.repeat(65), 'Session ID exceeds maximum length of 64 characters (got 65)'],
    ['..', 'Session ID cannot contain path traversal sequences'],
    ['a%2Fb', 'Session ID cannot contain path traversal sequences'],
    ['a%5Cb', 'Session ID cannot contain path traversal sequences'],
    [
      'a%20b',
      'Session ID contains invalid characters. Only alphanumeric characters, hyphens, and underscores are allowed.',
    ],
    [
      'a.b',
      'Session ID contains invalid characters. Only alphanumeric characters, hyphens, and underscores are allowed.',
    ],
    ['b'.repeat(300), 'Session ID exceeds maximum length of 64 characters (got 300)'],
    ['.'.repeat(70), 'Session ID exceeds maximum length of 64 characters (got 70)'],
  ])('rejects id %s with 400', async (segment, message) => {
    const target = await startCore();
    for (const method of ['GET', 'DELETE']) {
      const response = await call(target.url, method, `/v1/sessions/${segment}`);
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ error: message, status_code: 400 });
    }
  });
});

describe('DELETE /v1/sessions/{id}', () => {
  test('deletes the session and its memories', async () => {
    const target = await startCore();
    await addChat(target, 'gone', NOW - HOUR);
    await addChat(target, 'gone', NOW);
    await addChat(target, 'kept', NOW);

    const response = await call(target.url, 'DELETE', '/v1/sessions/gone');

    expect(response.status).toBe(200);
    expect(sessionDeleteResponseSchema.parse(response.json)).toMatchObject({
      success: true,
      session_id: 'gone',
      memories_deleted: 2,
    });
    expect((await call(target.url, 'GET', '/v1/sessions/gone')).status).toBe(404);
    expect(target.store.totals()).toEqual({ sessions: 1, messages: 1 });
  });

  test('answers 404 for an unknown session', async () => {
    const target = await startCore();
    const response = await call(target.url, 'DELETE', '/v1/sessions/ghost');

    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'Session ghost not found', status_code: 404 });
  });
});

describe('GET /v1/sessions/stats/summary', () => {
  test('counts sessions, messages and activity windows', async () => {
    const target = await startCore();
    await addChat(target, 'hour', NOW - HOUR);
    await addChat(target, 'hour', NOW - 2 * HOUR);
    await addChat(target, 'days', NOW - 3 * DAY);
    await addChat(target, 'weeks', NOW - 20 * DAY);

    const response = await call(target.url, 'GET', '/v1/sessions/stats/summary');
    const stats = sessionStatsSchema.parse(response.json);

    expect(response.status).toBe(200);
    expect(stats).toEqual({
      total_sessions: 3,
      total_messages: 4,
      average_messages_per_session: 1.33,
      active_sessions_24h: 1,
      active_sessions_7d: 2,
      timestamp: formatCoreDatetime(NOW),
    });
  });

  test('reports zeros for an empty store', async () => {
    const target = await startCore();
    const stats = sessionStatsSchema.parse(
      (await call(target.url, 'GET', '/v1/sessions/stats/summary')).json,
    );

    expect(stats.total_sessions).toBe(0);
    expect(stats.average_messages_per_session).toBe(0);
  });
});

describe('POST /v1/sessions/bulk-delete', () => {
  async function threeSessions(target: TestCore): Promise<void> {
    await addChat(target, 'fresh', NOW - DAY);
    await addChat(target, 'stale', NOW - 40 * DAY);
    await addChat(target, 'stale', NOW - 41 * DAY);
    await addChat(target, 'ancient', NOW - 200 * DAY);
  }

  test('deletes by ids, failing invalid ones', async () => {
    const target = await startCore();
    await threeSessions(target);

    const response = await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
      body: { session_ids: ['stale', 'bad/id', 'unknown'], older_than_days: 1 },
    });
    const result = bulkSessionDeleteResponseSchema.parse(response.json);

    expect(response.status).toBe(200);
    expect(result).toMatchObject({
      success: false,
      sessions_deleted: 2,
      sessions_failed: 1,
      memories_deleted: 2,
      dry_run: false,
      deleted_session_ids: ['stale', 'unknown'],
      failed_session_ids: [
        { session_id: 'bad/id', error: 'Session ID cannot contain path traversal sequences' },
      ],
    });
    expect(target.store.getSession('stale')).toBeUndefined();
    expect(target.store.totals()).toEqual({ sessions: 2, messages: 2 });
  });

  test('deletes by age', async () => {
    const target = await startCore();
    await threeSessions(target);

    const response = await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
      body: { older_than_days: 30 },
    });
    const result = bulkSessionDeleteResponseSchema.parse(response.json);

    expect(result.success).toBe(true);
    expect(result.sessions_deleted).toBe(2);
    expect(result.memories_deleted).toBe(3);
    expect(result.deleted_session_ids).toEqual(['stale', 'ancient']);
    expect(target.store.totals()).toEqual({ sessions: 1, messages: 1 });
  });

  test('defaults to 30 days', async () => {
    const target = await startCore();
    await threeSessions(target);

    const result = bulkSessionDeleteResponseSchema.parse(
      (await call(target.url, 'POST', '/v1/sessions/bulk-delete', { body: {} })).json,
    );
    expect(result.deleted_session_ids).toEqual(['stale', 'ancient']);
  });

  test('dry run by age changes nothing', async () => {
    const target = await startCore();
    await threeSessions(target);

    const result = bulkSessionDeleteResponseSchema.parse(
      (
        await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
          body: { older_than_days: 100, dry_run: true },
        })
      ).json,
    );

    expect(result).toMatchObject({
      dry_run: true,
      sessions_deleted: 1,
      memories_deleted: 1,
      deleted_session_ids: ['ancient'],
    });
    expect(target.store.totals()).toEqual({ sessions: 3, messages: 4 });
  });

  test('dry run by ids changes nothing', async () => {
    const target = await startCore();
    await threeSessions(target);

    const result = bulkSessionDeleteResponseSchema.parse(
      (
        await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
          body: { session_ids: ['stale', 'fresh'], dry_run: true },
        })
      ).json,
    );

    expect(result.memories_deleted).toBe(3);
    expect(result.deleted_session_ids).toEqual(['stale', 'fresh']);
    expect(target.store.totals()).toEqual({ sessions: 3, messages: 4 });
  });

  test('an empty id list deletes nothing', async () => {
    const target = await startCore();
    await threeSessions(target);

    const result = bulkSessionDeleteResponseSchema.parse(
      (await call(target.url, 'POST', '/v1/sessions/bulk-delete', { body: { session_ids: [] } }))
        .json,
    );

    expect(result.sessions_deleted).toBe(0);
    expect(target.store.totals()).toEqual({ sessions: 3, messages: 4 });
  });

  test('rejects bad fields with 422 and deletes nothing', async () => {
    const target = await startCore();
    await threeSessions(target);

    const response = await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
      body: { session_ids: ['stale', 7], older_than_days: 366, dry_run: 'yes' },
    });

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: expect.arrayContaining([
        {
          field: 'body.session_ids.1',
          message: 'Input should be a valid string',
          type: 'string_type',
        },
        {
          field: 'body.older_than_days',
          message: 'Input should be less than or equal to 365',
          type: 'less_than_equal',
        },
        { field: 'body.dry_run', message: 'Input should be a valid boolean', type: 'bool_type' },
      ]),
    });
    expect(target.store.totals()).toEqual({ sessions: 3, messages: 4 });
  });

  test('rejects a fractional day count', async () => {
    const target = await startCore();
    const response = await call(target.url, 'POST', '/v1/sessions/bulk-delete', {
      body: { older_than_days: 1.5 },
    });

    expect(response.status).toBe(422);
    expect(response.json).toEqual({
      error: 'Validation error',
      errors: [
        {
          field: 'body.older_than_days',
          message: 'Input should be a valid integer, got a number with a fractional part',
          type: 'int_from_float',
        },
      ],
    });
  });
});

describe('routing', () => {
  test('GET /health reports healthy', async () => {
    const target = await startCore();
    const response = await call(target.url, 'GET', '/health');

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'healthy', timestamp: formatCoreDatetime(NOW) });
  });

  test.each([
    ['/v1/sessions/', '/v1/sessions'],
    ['/v1/sessions/?limit=5', '/v1/sessions?limit=5'],
    ['/v1/sessions/abc/', '/v1/sessions/abc'],
    ['/health/', '/health'],
  ])('redirects %s with 307', async (path, location) => {
    const target = await startCore();
    const response = await call(target.url, 'GET', path);

    expect(response.status).toBe(307);
    expect(response.headers.location).toBe(location);
    expect(response.text).toBe('');
  });

  test.each([
    ['PUT', '/v1/sessions'],
    ['POST', '/v1/sessions/abc'],
    ['DELETE', '/v1/sessions/stats/summary'],
    ['GET', '/v1/memory/add'],
  ])('answers 405 for %s %s', async (method, path) => {
    const target = await startCore();
    const response = await call(target.url, method, path);

    expect(response.status).toBe(405);
    expect(response.json).toEqual({ error: 'Method Not Allowed', status_code: 405 });
    expect(response.headers.allow).toBeUndefined();
  });

  test('answers 400 for a malformed path', async () => {
    const target = await startCore();
    const response = await call(target.url, 'GET', '/v1/sessions/%zz', {
      headers: { 'x-request-id': 'bad-url' },
    });

    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      error: "Invalid URL: '/v1/sessions/%zz' is not a valid url component",
      status_code: 400,
    });
    expect(response.headers['x-request-id']).toBe('bad-url');
  });

  test('answers 404 for an unknown path', async () => {
    const target = await startCore();
    const response = await call(target.url, 'GET', '/v2/anything');

    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: 'Not Found', status_code: 404 });
  });

  test('echoes or generates X-Request-ID', async () => {
    const target = await startCore();
    const echoed = await call(target.url, 'GET', '/nowhere', {
      headers: { 'x-request-id': 'req-123' },
    });
    const generated = await call(target.url, 'GET', '/health');
    const junk = await call(target.url, 'GET', '/health', {
      headers: { 'x-request-id': 'a b<c>' },
    });

    expect(echoed.headers['x-request-id']).toBe('req-123');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(junk.headers['x-request-id']).not.toBe('a b<c>');
  });

  test('answers 500 with the request id when the store fails', async () => {
    const target = await startCore();
    target.store.close();

    const response = await call(target.url, 'GET', '/v1/sessions', {
      headers: { 'x-request-id': 'failing-1' },
    });

    expect(response.status).toBe(500);
    expect(response.json).toEqual({ error: 'Internal server error', request_id: 'failing-1' });
    expect(response.headers['x-request-id']).toBe('failing-1');
  });
});

test('datetimes in answers parse as UTC', async () => {
  const target = await startCore();
  await addChat(target, 'utc', NOW - HOUR);

  const list = sessionListResponseSchema.parse(
    (await call(target.url, 'GET', '/v1/sessions')).json,
  );
  expect(parseCoreDatetime(list.sessions[0]?.last_active ?? '')).toBe(NOW - HOUR);
});
