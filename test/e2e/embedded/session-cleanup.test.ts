/**
 * `mc session cleanup` against the embedded Core, on sessions whose last activity is
 * known: which sessions go, which stay and why, and that an archive restores them.
 */
import { join } from 'node:path';

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import {
  addSession,
  DAY_MS,
  exitCode,
  HOUR_MS,
  makeTempDir,
  removeTempDirs,
  startCountingCore,
  storedSessionIds,
  tableTime,
  type CountingCore,
  type SessionSpec,
} from './fixtures.js';

const NOW = Date.now();

/** Newest first; the number in each id is the age of its last activity in days. */
const SESSIONS: SessionSpec[] = [
  { id: 'today', start: NOW - HOUR_MS },
  { id: 'd10', start: NOW - 10 * DAY_MS, messages: 2 },
  { id: 'd29', start: NOW - 29 * DAY_MS },
  { id: 'd31', start: NOW - 31 * DAY_MS, messages: 2 },
  { id: 'd60', start: NOW - 60 * DAY_MS },
  { id: 'd400', start: NOW - 400 * DAY_MS, messages: 3 },
];
const ALL_IDS = SESSIONS.map((spec) => spec.id).sort();
const OLDER_THAN_30_DAYS = ['d31', 'd60', 'd400'];

let core: CountingCore;
let home: string;

beforeEach(async () => {
  core = await startCountingCore();
  for (const spec of SESSIONS) {
    addSession(core.store, spec);
  }
  home = makeTempDir();
});

afterEach(async () => {
  await core.close();
});

afterAll(() => {
  removeTempDirs();
});

function mc(args: string[]) {
  return runMc(args, { home, env: { MC_CORE_URL: core.url } });
}

function remainingAfterDeleting(deleted: string[]): string[] {
  return ALL_IDS.filter((id) => !deleted.includes(id));
}

describe('session cleanup', () => {
  it('--days deletes exactly the older sessions', async () => {
    const result = await mc(['session', 'cleanup', '--days', '30', '--yes']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Deleted 3 sessions (6 messages removed); 0 failed');
    expect(storedSessionIds(core.store)).toEqual(remainingAfterDeleting(OLDER_THAN_30_DAYS));
  });

  it('refuses without a terminal and without --yes', async () => {
    const result = await mc(['session', 'cleanup', '--days', '30']);

    expect(result.status).toBe(exitCode('CONFIRMATION_REFUSED'));
    expect(result.stderr).toContain('Nothing was deleted');
    expect(storedSessionIds(core.store)).toEqual(ALL_IDS);
  });

  it('--dry-run prints keep or delete with reasons', async () => {
    const result = await mc(['session', 'cleanup', '--days', '30', '--dry-run']);

    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(SESSIONS.length);
    expect(lines[0]).toBe(`keep    today  ${tableTime(SESSIONS[0]!.start)}  active within 30 days`);
    expect(lines[2]).toMatch(/^keep {4}d29 .* active within 30 days$/);
    expect(lines[3]).toMatch(/^delete {2}d31 .* inactive for more than 30 days$/);
    expect(lines[5]).toMatch(/^delete {2}d400 .* inactive for more than 30 days$/);
    expect(result.stderr).toContain('3 sessions of 6 to delete, holding 6 messages.');
    expect(result.stderr).toContain('Dry run: nothing was deleted.');
    expect(storedSessionIds(core.store)).toEqual(ALL_IDS);
  });

  it('--dry-run --json prints the plan', async () => {
    const result = await mc([
      'session',
      'cleanup',
      '--days',
      '30',
      '--max-sessions',
      '2',
      '--keep',
      'd60',
      '--dry-run',
      '--json',
    ]);

    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      dry_run: boolean;
      to_delete: number;
      checked: number;
      sessions: Array<{ session_id: string; action: string; reason: string; messages: number }>;
    };
    expect(plan.dry_run).toBe(true);
    expect(plan.checked).toBe(6);
    expect(plan.to_delete).toBe(3);
    expect(plan.sessions.map((row) => [row.session_id, row.action, row.reason])).toEqual([
      ['today', 'keep', 'active within 30 days'],
      ['d10', 'keep', 'active within 30 days'],
      ['d29', 'delete', 'beyond the 2 most recently active sessions'],
      ['d31', 'delete', 'inactive for more than 30 days'],
      ['d60', 'keep', 'on the keep list'],
      ['d400', 'delete', 'inactive for more than 30 days'],
    ]);
    expect(storedSessionIds(core.store)).toEqual(ALL_IDS);
  });

  it('--max-sessions keeps only the newest', async () => {
    const result = await mc([
      'session',
      'cleanup',
      '--days',
      '365',
      '--max-sessions',
      '2',
      '--yes',
    ]);

    expect(result.status).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['d10', 'today']);
  });

  it('--keep protects a session from deletion', async () => {
    const result = await mc(['session', 'cleanup', '--days', '30', '--keep', 'd400', '--yes']);

    expect(result.status).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(remainingAfterDeleting(['d31', 'd60']));
  });

  it('config cleanup.keep protects sessions', async () => {
    const set = await mc(['config', 'set', 'cleanup.keep', 'd31,d400']);
    const result = await mc(['session', 'cleanup', '--days', '30', '--yes']);

    expect(set.status).toBe(0);
    expect(result.status).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(remainingAfterDeleting(['d60']));
  });

  it('nothing older than the cut-off deletes nothing', async () => {
    const result = await mc(['session', 'cleanup', '--days', '500', '--yes']);

    expect(result.status).toBe(0);
    expect(result.stderr).toContain('Nothing to delete: 6 sessions checked.');
    expect(storedSessionIds(core.store)).toEqual(ALL_IDS);
  });
});

describe('session cleanup --archive', () => {
  it('import of the archive restores every deleted session', async () => {
    const archive = join(makeTempDir(), 'archive.jsonl');
    const before = snapshot(OLDER_THAN_30_DAYS);

    const cleanup = await mc(['session', 'cleanup', '--days', '30', '--archive', archive, '--yes']);
    const afterCleanup = storedSessionIds(core.store);
    const imported = await mc(['session', 'import', archive]);

    expect(cleanup.status).toBe(0);
    expect(afterCleanup).toEqual(remainingAfterDeleting(OLDER_THAN_30_DAYS));
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('Imported 3 sessions (6 messages)');
    expect(storedSessionIds(core.store)).toEqual(ALL_IDS);
    expect(snapshot(OLDER_THAN_30_DAYS)).toEqual(before);
  });
});

/** Reads the sessions' summaries and messages without message ids, because an import assigns new ones. */
function snapshot(sessionIds: string[]): unknown {
  return sessionIds.map((sessionId) => ({
    summary: core.store.getSession(sessionId),
    messages: core.store
      .sessionHistory(sessionId, { limit: 1000, offset: 0 })
      .map(({ id: _id, ...message }) => message),
  }));
}
