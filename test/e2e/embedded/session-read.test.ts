/**
 * `mc session list | show | stats`, spawned as a process against the embedded Core,
 * on sessions stored with known times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import {
  addSession,
  chatContent,
  coreTime,
  DAY_MS,
  exitCode,
  HOUR_MS,
  lastActiveOf,
  makeTempDir,
  MINUTE_MS,
  removeTempDirs,
  tableTime,
  type CountingCore,
  type SessionSpec,
  startCountingCore,
} from './fixtures.js';

const NOW = Date.now();

// Newest first, as the Core lists them. `fresh` is the only session active in the last 24 hours.
const SESSIONS: SessionSpec[] = [
  { id: 'fresh', start: NOW - 2 * HOUR_MS, messages: 3, gapMs: 10 * MINUTE_MS, source: 'chat' },
  { id: 'last-week', start: NOW - 3 * DAY_MS, messages: 1, source: 'api' },
  {
    id: 'old_one',
    start: NOW - 40 * DAY_MS,
    messages: 2,
    gapMs: 90 * MINUTE_MS,
    source: 'discord',
  },
];
const LONG_SESSION: SessionSpec = {
  id: 'long-talk',
  start: NOW - 100 * DAY_MS,
  messages: 120,
  gapMs: MINUTE_MS,
};

let core: CountingCore;
let home: string;

beforeAll(async () => {
  core = await startCountingCore();
  for (const spec of [...SESSIONS, LONG_SESSION]) {
    addSession(core.store, spec);
  }
  home = makeTempDir();
});

afterAll(async () => {
  await core.close();
  removeTempDirs();
});

function mc(args: string[], env: Record<string, string> = {}) {
  return runMc(args, { home, env: { MC_CORE_URL: core.url, ...env } });
}

const ALL_IDS = [...SESSIONS.map((spec) => spec.id), LONG_SESSION.id];

describe('session list', () => {
  it('prints a table of sessions, newest first', async () => {
    const result = await mc(['session', 'list']);

    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+MESSAGES\s+LAST ACTIVE\s+SOURCES$/);
    expect(lines.slice(1, 5).map((line) => line.split(/\s+/)[0])).toEqual(ALL_IDS);
    expect(lines[1]).toMatch(
      new RegExp(`^fresh\\s+3\\s+${tableTime(lastActiveOf(SESSIONS[0]!))}\\s+chat$`),
    );
    expect(lines[3]).toMatch(
      new RegExp(`^old_one\\s+2\\s+${tableTime(lastActiveOf(SESSIONS[2]!))}\\s+discord$`),
    );
    expect(lines.at(-1)).toBe('Showing 1-4 of 4 sessions.');
  });

  it('--json prints one JSON document and nothing else', async () => {
    const result = await mc(['session', 'list', '--json']);

    expect(result.status).toBe(0);
    const page = JSON.parse(result.stdout) as {
      sessions: Array<{
        session_id: string;
        created_at: string;
        last_active: string;
        message_count: number;
      }>;
      total: number;
    };
    expect(page.total).toBe(4);
    expect(page.sessions.map((session) => session.session_id)).toEqual(ALL_IDS);
    expect(page.sessions[0]).toMatchObject({
      created_at: coreTime(SESSIONS[0]!.start),
      last_active: coreTime(lastActiveOf(SESSIONS[0]!)),
      message_count: 3,
    });
  });

  it('--output ndjson prints one session per line', async () => {
    const result = await mc(['session', 'list', '--output', 'ndjson']);

    expect(result.status).toBe(0);
    const rows = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { session_id: string; message_count: number });
    expect(rows.map((row) => row.session_id)).toEqual(ALL_IDS);
    expect(rows.map((row) => row.message_count)).toEqual([3, 1, 2, 120]);
  });

  it('--output csv prints a header and exact times', async () => {
    const result = await mc(['session', 'list', '--output', 'csv']);

    expect(result.status).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe('session_id,created_at,last_active,message_count,sources');
    const old = SESSIONS[2]!;
    expect(lines[3]).toBe(
      `old_one,${coreTime(old.start)},${coreTime(lastActiveOf(old))},2,discord`,
    );
    expect(lines.filter((line) => line !== '')).toHaveLength(5);
  });

  it('-n and --offset select one page', async () => {
    const result = await mc(['session', 'list', '-n', '2', '--offset', '1', '--output', 'ndjson']);

    expect(result.status).toBe(0);
    const ids = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { session_id: string }).session_id);
    expect(ids).toEqual(['last-week', 'old_one']);
  });

  it('table of a page names the range shown', async () => {
    const result = await mc(['session', 'list', '-n', '2', '--offset', '2']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Showing 3-4 of 4 sessions.');
    expect(result.stdout).not.toContain('fresh');
  });

  it('--active-within keeps recent sessions only', async () => {
    const day = await mc(['session', 'list', '--active-within', '24', '--json']);
    const week = await mc(['session', 'list', '--active-within', '168', '--json']);

    expect(day.status).toBe(0);
    expect(week.status).toBe(0);
    const dayIds = (JSON.parse(day.stdout) as { sessions: Array<{ session_id: string }> }).sessions;
    const weekIds = (JSON.parse(week.stdout) as { sessions: Array<{ session_id: string }> })
      .sessions;
    expect(dayIds.map((session) => session.session_id)).toEqual(['fresh']);
    expect(weekIds.map((session) => session.session_id)).toEqual(['fresh', 'last-week']);
  });
});

describe('session show', () => {
  it('prints messages oldest first with both turns', async () => {
    const result = await mc(['session', 'show', 'fresh']);

    expect(result.status).toBe(0);
    const spec = SESSIONS[0]!;
    expect(result.stdout).toContain('Session:  fresh\n');
    expect(result.stdout).toContain('Messages: 3\n');
    expect(result.stdout).toContain('Duration: 20 minutes\n');
    const headers = [...result.stdout.matchAll(/^#(\d+) {2}(.+)$/gm)].map((match) => match[2]);
    expect(headers).toEqual(
      [0, 1, 2].map((index) => tableTime(spec.start + index * 10 * MINUTE_MS)),
    );
    const first = result.stdout.indexOf('question 1 of fresh');
    const firstReply = result.stdout.indexOf('answer 1 of fresh');
    const third = result.stdout.indexOf('question 3 of fresh');
    expect(first).toBeGreaterThan(-1);
    expect(firstReply).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(firstReply);
    expect(result.stdout).toMatch(
      / {2}User:\n {4}question 1 of fresh\n {2}Assistant:\n {4}answer 1 of fresh/,
    );
  });

  it('shows no duration for a single message', async () => {
    const result = await mc(['session', 'show', 'last-week']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Duration: -\n');
  });

  it('--json returns the history oldest first', async () => {
    const result = await mc(['session', 'show', 'old_one', '--json']);

    expect(result.status).toBe(0);
    const view = JSON.parse(result.stdout) as {
      session_id: string;
      total_messages: number;
      session_duration_minutes: number | null;
      messages: Array<{ content: string; timestamp: string; source: string }>;
    };
    const spec = SESSIONS[2]!;
    expect(view.session_id).toBe('old_one');
    expect(view.total_messages).toBe(2);
    expect(view.session_duration_minutes).toBe(90);
    expect(view.messages.map((message) => message.content)).toEqual([
      chatContent('old_one', 0),
      chatContent('old_one', 1),
    ]);
    expect(view.messages.map((message) => message.timestamp)).toEqual([
      coreTime(spec.start),
      coreTime(lastActiveOf(spec)),
    ]);
  });

  it('pages by default and --all reads every message', async () => {
    const page = await mc(['session', 'show', 'long-talk']);
    const all = await mc(['session', 'show', 'long-talk', '--all', '--json']);

    expect(page.status).toBe(0);
    expect(page.stdout).toContain(
      'Showing messages 1-50 of 120; use --offset 50 or --all for more.',
    );
    expect(all.status).toBe(0);
    const view = JSON.parse(all.stdout) as { messages: Array<{ content: string }> };
    expect(view.messages.map((message) => message.content)).toEqual(
      Array.from({ length: 120 }, (_, index) => chatContent('long-talk', index)),
    );
  });

  it('offset past the end says so', async () => {
    const result = await mc(['session', 'show', 'long-talk', '--offset', '500']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('No messages from offset 500: the session has 120.');
  });

  it('unknown id exits with not found', async () => {
    const result = await mc(['session', 'show', 'no-such-session']);

    expect(result.status).toBe(exitCode('NOT_FOUND'));
    expect(result.stderr).toContain('Session not found. It may have been deleted or expired.');
    expect(result.stdout).toBe('');
  });
});

describe('session stats', () => {
  it('prints figures of the stored sessions', async () => {
    const result = await mc(['session', 'stats']);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Total sessions:            4\n');
    expect(result.stdout).toContain('Total messages:            126\n');
    expect(result.stdout).toContain('Messages per session:      31.50\n');
    expect(result.stdout).toContain('Active in the last 24 h:   1\n');
    expect(result.stdout).toContain('Active in the last 7 days: 2\n');
  });

  it('--json prints the same figures', async () => {
    const result = await mc(['session', 'stats', '--json']);

    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      total_sessions: 4,
      total_messages: 126,
      average_messages_per_session: 31.5,
      active_sessions_24h: 1,
      active_sessions_7d: 2,
      source: 'core',
    });
  });
});

describe('times in any time zone', () => {
  it('list and show print UTC whatever TZ is', async () => {
    const zones = ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles'];
    const runs = await Promise.all(
      zones.map(async (zone) => ({
        list: await mc(['session', 'list'], { TZ: zone }),
        csv: await mc(['session', 'list', '--output', 'csv'], { TZ: zone }),
        show: await mc(['session', 'show', 'old_one'], { TZ: zone }),
      })),
    );

    const [utc, kiritimati, losAngeles] = runs;
    expect(kiritimati).toEqual(utc);
    expect(losAngeles).toEqual(utc);
    const spec = SESSIONS[2]!;
    expect(utc!.list.stdout).toContain(tableTime(lastActiveOf(spec)));
    expect(utc!.csv.stdout).toContain(coreTime(lastActiveOf(spec)));
    expect(utc!.show.stdout).toContain(`#1  ${tableTime(spec.start)}`);
    expect(utc!.show.stdout).toContain(`#2  ${tableTime(lastActiveOf(spec))}`);
  });
});

describe('session list --all', () => {
  let big: CountingCore;
  let seededIds: string[];

  beforeAll(async () => {
    big = await startCountingCore();
    seededIds = big.store
      .seed({ sessions: 1200, messages: 1, staleRatio: 0.3, random: Math.random, now: NOW })
      .sessionIds.slice()
      .sort();
  });

  afterAll(async () => {
    await big.close();
  });

  it('lists each of 1,200 sessions exactly once', async () => {
    const result = await runMc(['session', 'list', '--all', '--output', 'ndjson'], {
      home,
      env: { MC_CORE_URL: big.url },
    });

    expect(result.status).toBe(0);
    const ids = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { session_id: string }).session_id);
    expect(ids).toHaveLength(1200);
    expect(new Set(ids).size).toBe(1200);
    expect([...ids].sort()).toEqual(seededIds);
    expect(result.stderr).not.toContain('Warning');
  });

  it('--all --json counts what it saw', async () => {
    const result = await runMc(['session', 'list', '--all', '--json'], {
      home,
      env: { MC_CORE_URL: big.url },
    });

    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as {
      sessions: Array<{ session_id: string }>;
      seen: number;
      total: number;
      unseen: number;
    };
    expect(new Set(document.sessions.map((session) => session.session_id)).size).toBe(1200);
    expect(document.seen).toBe(1200);
    expect(document.total).toBe(1200);
    expect(document.unseen).toBe(0);
  });
});
