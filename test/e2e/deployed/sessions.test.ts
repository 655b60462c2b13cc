/**
 * `mc` against a Core that behaves like the deployed one, defects included (list built
 * from a window of memories, broken stats endpoint, delete of an unknown id that
 * succeeds, missing bulk route, rate limit). Each command must be correct or say
 * plainly what it could not do.
 */
import { describe, expect, it } from 'vitest';

import {
  startDeployedCore,
  type DeployedCore,
  type DeployedCoreOptions,
  deletionCounts,
} from '../../helpers/deployed-core.js';
import { runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const EXIT_NOT_FOUND = 5;
const DAY_MS = 86_400_000;

const cleanups = useCleanups();

const freshHome = (): string => cleanups.freshHome();

async function deployedCore(options: DeployedCoreOptions = {}): Promise<DeployedCore> {
  const core = await startDeployedCore({ rateLimit: false, ...options });
  cleanups.push(() => core.close());
  return core;
}

/** Seeds `recent` sessions active in the last hours and `stale` ones inactive for 40+ days. */
function seedRecentAndStale(core: DeployedCore, recent: number, stale: number) {
  const recentSessions = core.addSessions({
    count: recent,
    messagesPerSession: 3,
    idPrefix: 'recent',
  });
  const staleSessions = core.addSessions({
    count: stale,
    messagesPerSession: 3,
    idPrefix: 'stale',
    newestLastActive: Date.now() - 40 * DAY_MS,
  });
  return { recentSessions, staleSessions };
}

/**
 * Seeds 2 visible sessions, then one of 600 memories that fills the Core's window of
 * newest memories (limit + offset, 500 for mc's first page), then 4 older sessions
 * that no page of the deployed Core's list can reach.
 */
function addHiddenBehindChattySession(core: DeployedCore): void {
  core.addSessions({ count: 2, messagesPerSession: 2, idPrefix: 'visible' });
  core.addSessions({
    count: 1,
    messagesPerSession: 600,
    idPrefix: 'chatty',
    newestLastActive: Date.now() - 5 * 3_600_000,
    messageIntervalMs: 1_000,
  });
  core.addSessions({
    count: 4,
    messagesPerSession: 2,
    idPrefix: 'hidden',
    newestLastActive: Date.now() - 2 * DAY_MS,
  });
}

function sessionIdsInStore(core: DeployedCore): Set<string> {
  return new Set(core.memories.map((memory) => String(memory.metadata['session_id'])));
}

/** Counts how often each session id was sent for deletion, by DELETE or bulk delete. */
describe('listing and statistics on the deployed Core', () => {
  it('session list --all shows every session', async () => {
    const core = await deployedCore();
    const { recentSessions, staleSessions } = seedRecentAndStale(core, 30, 30);

    const result = await runMc(['session', 'list', '--all', '--output', 'ndjson'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.stderr).not.toContain('❌');
    expect(result.exitCode).toBe(0);
    const listed = result.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { session_id: string }).session_id);
    const seeded = [...recentSessions, ...staleSessions].map((session) => session.sessionId);
    expect(new Set(listed)).toEqual(new Set(seeded));
    expect(listed).toHaveLength(seeded.length);
  });

  it('session list --all reports hidden sessions', async () => {
    const core = await deployedCore();
    addHiddenBehindChattySession(core);

    const result = await runMc(['session', 'list', '--all', '--output', 'ndjson'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.exitCode).toBe(0);
    const listed = result.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { session_id: string }).session_id);
    expect(listed).toEqual(['visible-0000', 'visible-0001', 'chatty-0000']);
    expect(result.stderr).toContain(
      'Warning: the Core holds 7 sessions but its listing showed only 3; 4 could not be seen.',
    );
  });

  it('session stats falls back to the list', async () => {
    const core = await deployedCore();
    seedRecentAndStale(core, 12, 8);

    const result = await runMc(['session', 'stats', '--json'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("The Core's statistics endpoint failed (HTTP 500)");
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report['source']).toBe('session-list');
    expect(report['total_sessions']).toBe(20);
    expect(report['total_messages']).toBe(60);
    expect(report['active_sessions_24h']).toBe(12);
    expect(report['active_sessions_7d']).toBe(12);
    // The deployed Core's 500 there is deterministic: asking again only delays the fallback.
    const statsRequests = core.requests.filter(
      (request) => request.path === '/v1/sessions/stats/summary',
    );
    expect(statsRequests).toHaveLength(1);
  });

  it('session stats reports hidden sessions', async () => {
    const core = await deployedCore();
    addHiddenBehindChattySession(core);

    const result = await runMc(['session', 'stats', '--json'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report['total_sessions']).toBe(3);
    expect(report['unseen_sessions']).toBe(4);
    expect(result.stderr).toContain('4 could not be seen');
  });
});

describe('clean-up on the deployed Core', () => {
  it('cleanup reports sessions hidden by the list window', async () => {
    const core = await deployedCore();
    const recent = core.addSessions({ count: 5, messagesPerSession: 3, idPrefix: 'recent' });
    const seenStale = core.addSessions({
      count: 5,
      messagesPerSession: 3,
      idPrefix: 'stale-seen',
      newestLastActive: Date.now() - 35 * DAY_MS,
    });
    // 600 memories 40 days old fill the Core's window of newest memories (limit +
    // offset, 500 for mc's first page), so the sessions older than them are never listed.
    core.addSessions({
      count: 1,
      messagesPerSession: 600,
      idPrefix: 'chatty',
      newestLastActive: Date.now() - 40 * DAY_MS,
      messageIntervalMs: 1_000,
    });
    const hiddenStale = core.addSessions({
      count: 5,
      messagesPerSession: 3,
      idPrefix: 'stale-hidden',
      newestLastActive: Date.now() - 45 * DAY_MS,
    });

    const result = await runMc(['session', 'cleanup', '--yes', '--json'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.exitCode).toBe(0);
    const outcome = JSON.parse(result.stdout) as Record<string, number>;
    expect(outcome['deleted']).toBe(6);
    expect(outcome['unseen']).toBe(5);
    expect(result.stderr).toContain(
      'the Core holds 16 sessions but listed only 11; this clean-up acts only on the 11 it saw, and 5 could not be checked.',
    );
    expect(result.stderr.indexOf('could not be checked')).toBeLessThan(
      result.stderr.indexOf('6 sessions of 11 to delete'),
    );
    const expectedLeft = [...recent, ...hiddenStale].map((session) => session.sessionId);
    expect(sessionIdsInStore(core)).toEqual(new Set(expectedLeft));
    expect(seenStale.every((session) => !sessionIdsInStore(core).has(session.sessionId))).toBe(
      true,
    );
  });

  it.each(['missing404', 'missing405'] as const)(
    'cleanup falls back to DELETE when bulk route is %s',
    async (bulkRoute) => {
      const core = await deployedCore({ bulkRoute });
      const { recentSessions, staleSessions } = seedRecentAndStale(core, 6, 9);

      const result = await runMc(['session', 'cleanup', '--yes'], {
        home: freshHome(),
        coreUrl: core.url,
      });

      expect(result.stderr).not.toContain('❌');
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toContain('no bulk-delete route');
      expect(sessionIdsInStore(core)).toEqual(
        new Set(recentSessions.map((session) => session.sessionId)),
      );

      const counts = deletionCounts(core.requests.filter((request) => request.method === 'DELETE'));
      expect([...counts.keys()].sort()).toEqual(
        staleSessions.map((session) => session.sessionId).sort(),
      );
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
    },
  );

  it('cleanup stays under the rate limit', async () => {
    // 5 requests per 2 s: the clean-up needs more, so it must pace itself on the
    // X-RateLimit headers instead of running into 429.
    const core = await deployedCore({ rateLimit: { limit: 5, windowMs: 2_000 } });
    const { recentSessions } = seedRecentAndStale(core, 3, 4);

    const result = await runMc(['session', 'cleanup', '--yes'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.stderr).not.toContain('❌');
    expect(result.exitCode).toBe(0);
    expect(core.requests.length).toBeGreaterThan(5);
    expect(core.requests.some((request) => request.status === 429)).toBe(false);
    expect(sessionIdsInStore(core)).toEqual(
      new Set(recentSessions.map((session) => session.sessionId)),
    );
  });

  it('cleanup waits out a 429', async () => {
    // Another client (this test, from the same address) has used up the window, so
    // the clean-up's first request meets 429 with Retry-After: 2 and must wait it out.
    const core = await deployedCore({ rateLimit: { limit: 5, windowMs: 2_000 } });
    const { recentSessions } = seedRecentAndStale(core, 3, 4);
    for (let request = 0; request < 5; request += 1) {
      await fetch(`${core.url}/v1/sessions?limit=1`);
    }

    const result = await runMc(['session', 'cleanup', '--yes'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.stderr).not.toContain('❌');
    expect(result.exitCode).toBe(0);
    expect(core.requests.some((request) => request.status === 429)).toBe(true);
    expect(sessionIdsInStore(core)).toEqual(
      new Set(recentSessions.map((session) => session.sessionId)),
    );
  });
});

describe('delete on the deployed Core', () => {
  it('delete of an unknown id says not found', async () => {
    const core = await deployedCore();
    seedRecentAndStale(core, 2, 0);
    const before = core.memories.length;

    const result = await runMc(['session', 'delete', 'no-such-session', '--yes'], {
      home: freshHome(),
      coreUrl: core.url,
    });

    expect(result.stderr).toContain('no-such-session not found');
    expect(result.exitCode).toBe(EXIT_NOT_FOUND);
    expect(core.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect(core.memories).toHaveLength(before);
  });
});
