import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, test } from 'vitest';

import { seededRandom, STALE_AFTER_DAYS } from '../../src/server/seed.js';
import { CoreStore, readStoreTotals, type StoreQueryName } from '../../src/server/store.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const DAY = 24 * 60 * 60 * 1000;

const folders: string[] = [];
const stores: CoreStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) {
    store.close();
  }
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

function openStore(): CoreStore {
  const folder = mkdtempSync(join(tmpdir(), 'mc-store-test-'));
  folders.push(folder);
  const store = CoreStore.open(join(folder, 'core.db'));
  stores.push(store);
  return store;
}

function chat(sessionId: string, timestamp: number, source: string | null = 'chat') {
  return {
    content: 'User: q\nAssistant: a',
    metadata: { session_id: sessionId, type: 'chat_interaction' },
    source,
    timestamp,
  };
}

describe('query plans', () => {
  const indexedQueries: StoreQueryName[] = [
    'getSession',
    'listSessions',
    'listSessionsActiveSince',
    'countSessionsActiveSince',
    'totals',
    'sessionHistory',
    'deleteSessionMemories',
    'deleteSession',
    'sessionsInactiveSince',
  ];

  test.each(indexedQueries)('%s reads through an index', (name) => {
    const store = openStore();
    store.seed({ sessions: 200, messages: 3, staleRatio: 0.5, random: seededRandom(1), now: NOW });

    const plan = store.explainQuery(name).join('\n');

    expect(plan).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY|USING INTEGER PRIMARY KEY/);
    expect(plan).not.toMatch(/SCAN memories(?! USING)/);
    expect(plan).not.toMatch(/SCAN sessions(?! USING)/);
  });

  test.each(['sessionHistory', 'sessionsInactiveSince', 'countSessionsActiveSince'] as const)(
    '%s needs no sort',
    (name) => {
      const store = openStore();

      expect(store.explainQuery(name).join('\n')).not.toContain('TEMP B-TREE');
    },
  );

  test.each(['listSessions', 'listSessionsActiveSince'] as const)(
    '%s skips the offset in the covering index',
    (name) => {
      const store = openStore();

      // The planner's choice can change with the data, so check an empty and a filled store.
      for (const sessions of [0, 300]) {
        store.seed({ sessions, messages: 1, staleRatio: 0.5, random: seededRandom(2), now: NOW });
        const plan = store.explainQuery(name).join('\n');

        expect(plan).toMatch(/(SCAN|SEARCH) sessions USING COVERING INDEX sessions_by_last_active/);
        expect(plan).toContain('SEARCH sessions USING PRIMARY KEY (session_id=?)');
        expect(plan).not.toMatch(/SCAN sessions USING INDEX/);
      }
    },
  );

  test('range queries search rather than scan', () => {
    const store = openStore();

    for (const name of [
      'listSessionsActiveSince',
      'countSessionsActiveSince',
      'sessionsInactiveSince',
    ] as const) {
      expect(store.explainQuery(name).join('\n')).toMatch(
        /SEARCH sessions USING (COVERING )?INDEX/,
      );
    }
    expect(store.explainQuery('sessionHistory').join('\n')).toMatch(/SEARCH memories USING INDEX/);
  });
});

describe('sessions table', () => {
  test('tracks first, last, count and sources on insert', () => {
    const store = openStore();
    store.addMemory(chat('s', NOW - 2 * DAY, 'chat'));
    store.addMemory(chat('s', NOW, 'api'));
    store.addMemory(chat('s', NOW - 5 * DAY, null));
    store.addMemory(chat('s', NOW - DAY, 'chat'));

    expect(store.getSession('s')).toEqual({
      sessionId: 's',
      createdAt: NOW - 5 * DAY,
      lastActive: NOW,
      messageCount: 4,
      sources: ['chat', 'api'],
    });
    expect(store.totals()).toEqual({ sessions: 1, messages: 4 });
  });

  test('keeps totals in step with deletes', () => {
    const store = openStore();
    store.addMemory(chat('a', NOW));
    store.addMemory(chat('a', NOW));
    store.addMemory(chat('b', NOW));

    expect(store.deleteSessions(['a', 'missing'])).toBe(2);
    expect(store.totals()).toEqual({ sessions: 1, messages: 1 });
    expect(store.deleteSession('b')).toBe(1);
    expect(store.totals()).toEqual({ sessions: 0, messages: 0 });
  });

  test('ignores memories that are not chat interactions', () => {
    const store = openStore();
    store.addMemory({ content: 'x', metadata: { session_id: 's' }, source: null, timestamp: NOW });
    store.addMemory({
      content: 'x',
      metadata: { type: 'chat_interaction' },
      source: null,
      timestamp: NOW,
    });

    expect(store.totals()).toEqual({ sessions: 0, messages: 0 });
  });

  test('survives reopening the file', () => {
    const store = openStore();
    store.addMemory(chat('kept', NOW));
    store.close();
    stores.pop();

    const reopened = CoreStore.open(store.path);
    stores.push(reopened);
    expect(reopened.getSession('kept')?.messageCount).toBe(1);
    expect(readStoreTotals(store.path)).toEqual({ sessions: 1, messages: 1 });
  });

  test('reads no totals from a missing file', () => {
    expect(readStoreTotals(join(tmpdir(), 'mc-no-such-folder', 'core.db'))).toBeUndefined();
  });
});

describe('seed', () => {
  test('spreads last activity with the stale fraction older than 30 days', () => {
    const store = openStore();
    const summary = store.seed({
      sessions: 1_000,
      messages: 4,
      staleRatio: 0.25,
      random: seededRandom(7),
      now: NOW,
    });

    const staleLine = NOW - STALE_AFTER_DAYS * DAY;
    const stale = store.sessionsInactiveSince(staleLine);
    expect(summary).toMatchObject({ sessions: 1_000, staleSessions: 250, memories: 4_000 });
    expect(stale).toHaveLength(250);
    expect(store.totals()).toEqual({ sessions: 1_000, messages: 4_000 });
    expect(store.countSessionsActiveSince(staleLine)).toBe(750);
    expect(store.countSessionsActiveSince(NOW - 7 * DAY)).toBeGreaterThan(100);
    expect(store.countSessionsActiveSince(NOW - 7 * DAY)).toBeLessThan(750);
    expect(store.countSessionsActiveSince(NOW + 1)).toBe(0);
  });

  test('writes chat content and consistent summaries', () => {
    const store = openStore();
    const summary = store.seed({
      sessions: 5,
      messages: 3,
      staleRatio: 0,
      random: seededRandom(3),
      now: NOW,
    });

    for (const sessionId of summary.sessionIds) {
      const session = store.getSession(sessionId);
      const history = store.sessionHistory(sessionId, { limit: 10, offset: 0 });
      expect(history).toHaveLength(3);
      expect(history[0]?.timestamp).toBe(session?.createdAt);
      expect(history[2]?.timestamp).toBe(session?.lastActive);
      expect(history[0]?.content).toMatch(/^User: .+\nAssistant: .+$/);
      expect(history[0]?.metadata).toEqual({ session_id: sessionId, type: 'chat_interaction' });
    }
  });

  test('repeats dates with the same random seed', () => {
    const first = openStore().seed({
      sessions: 20,
      messages: 2,
      staleRatio: 0.5,
      random: seededRandom(9),
      now: NOW,
    });
    const second = openStore().seed({
      sessions: 20,
      messages: 2,
      staleRatio: 0.5,
      random: seededRandom(9),
      now: NOW,
    });

    const lastActive = (store: CoreStore) =>
      store.listSessions({ limit: 100, offset: 0 }).sessions.map((session) => session.lastActive);
    expect(first.sessions).toBe(second.sessions);
    expect(lastActive(stores[0] as CoreStore)).toEqual(lastActive(stores[1] as CoreStore));
  });

  test('fills 100,000 sessions in one call', () => {
    const store = openStore();
    store.seed({
      sessions: 100_000,
      messages: 1,
      staleRatio: 0.3,
      random: seededRandom(5),
      now: NOW,
    });

    const page = store.listSessions({ limit: 10, offset: 99_995 });
    expect(page.total).toBe(100_000);
    expect(page.sessions).toHaveLength(5);
    expect(store.sessionsInactiveSince(NOW - STALE_AFTER_DAYS * DAY)).toHaveLength(30_000);
  });
});
