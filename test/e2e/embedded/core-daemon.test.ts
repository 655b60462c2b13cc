/**
 * `mc core start | status | seed | stop` through the CLI, and `mc session` finding the
 * running embedded Core with no URL configured anywhere.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import { makeTempDir, removeTempDirs } from './fixtures.js';

interface CoreStatus {
  running: boolean;
  url: string | null;
  pid: number | null;
  sessions: number | null;
  messages: number | null;
}

const home = makeTempDir();
let daemonPid: number | undefined;

afterAll(async () => {
  await runMc(['core', 'stop'], { home });
  // The daemon was started by this test, so it must not outlive it even when `stop` failed.
  if (daemonPid !== undefined && isAlive(daemonPid)) {
    process.kill(daemonPid, 'SIGKILL');
  }
  removeTempDirs();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function status(): Promise<CoreStatus> {
  const result = await runMc(['core', 'status', '--json'], { home });
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as CoreStatus;
}

describe('embedded Core through the CLI', () => {
  it('start, status, seed, list and stop', async () => {
    const before = await status();
    expect(before).toMatchObject({ running: false, url: null, sessions: null });

    const start = await runMc(['core', 'start', '--port', '0'], { home });
    expect(start.status, start.stderr).toBe(0);
    const url = start.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe('http://127.0.0.1:0');

    const running = await status();
    daemonPid = running.pid ?? undefined;
    expect(running.running).toBe(true);
    expect(running.url).toBe(url);
    expect(running.pid).toBeGreaterThan(0);

    const seed = await runMc(
      [
        'core',
        'seed',
        '--sessions',
        '40',
        '--messages',
        '2',
        '--stale-ratio',
        '0.25',
        '--random-seed',
        '7',
      ],
      { home },
    );
    expect(seed.status, seed.stderr).toBe(0);
    expect(seed.stdout).toContain('Seeded 40 sessions (10 older than 30 days, 80 messages)');
    expect(await status()).toMatchObject({ running: true, sessions: 40, messages: 80 });

    const list = await runMc(['session', 'list', '--all', '--output', 'ndjson'], { home });
    expect(list.status, list.stderr).toBe(0);
    const ids = list.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { session_id: string }).session_id);
    expect(new Set(ids).size).toBe(40);

    const stats = await runMc(['session', 'stats', '--json'], { home });
    expect(stats.status, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ total_sessions: 40, total_messages: 80 });

    const stop = await runMc(['core', 'stop'], { home });
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stderr).toContain('Embedded Core stopped');
    expect(await status()).toMatchObject({ running: false, url: null, sessions: 40 });
    expect(isAlive(running.pid ?? 0)).toBe(false);
  });
});
