/**
 * Malformed session ids and option values stop `mc` with the usage exit code before
 * it sends anything: the Core's request counter stays at zero.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runMc, type McResult } from '../../helpers/mc.js';
import {
  addSession,
  DAY_MS,
  exitCode,
  makeTempDir,
  removeTempDirs,
  startCountingCore,
  storedSessionIds,
  type CountingCore,
} from './fixtures.js';

const MALFORMED_IDS = ['../x', 'a/b', '%2f', 'x'.repeat(65), '', 'a b', 'a\\b', '..'];

let core: CountingCore;
let home: string;

beforeAll(async () => {
  core = await startCountingCore();
  addSession(core.store, { id: 'kept-1', start: Date.now() - DAY_MS, messages: 2 });
  addSession(core.store, { id: 'kept-2', start: Date.now() - 40 * DAY_MS, messages: 1 });
  home = makeTempDir();
});

afterAll(async () => {
  await core.close();
  removeTempDirs();
});

interface Case {
  args: string[];
  input?: string;
}

/** Runs every case, a few at a time, and returns the results in order. */
async function runCases(cases: Case[]): Promise<McResult[]> {
  const results: McResult[] = [];
  const batchSize = 4;
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    results.push(
      ...(await Promise.all(
        batch.map((entry) =>
          runMc(entry.args, { home, input: entry.input, env: { MC_CORE_URL: core.url } }),
        ),
      )),
    );
  }
  return results;
}

function expectUsageFailures(cases: Case[], results: McResult[]): void {
  results.forEach((result, index) => {
    const label = JSON.stringify(cases[index]);
    expect(result.status, label).toBe(exitCode('USAGE'));
    expect(result.stderr, label).toMatch(/^❌ (Invalid|--)/m);
    expect(result.stdout, label).toBe('');
  });
}

describe('malformed session ids', () => {
  it('show, delete and export send no request', async () => {
    const cases: Case[] = MALFORMED_IDS.flatMap((id) => [
      { args: ['session', 'show', id] },
      { args: ['session', 'delete', id, '--yes'] },
      { args: ['session', 'delete', 'kept-1', id, '--yes'] },
      { args: ['session', 'export', id] },
    ]);

    const results = await runCases(cases);

    expectUsageFailures(cases, results);
    expect(core.requestCount()).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['kept-1', 'kept-2']);
  });

  it('ids read from stdin are checked before any request', async () => {
    const cases: Case[] = MALFORMED_IDS.filter((id) => id.trim() !== '').map((id) => ({
      args: ['session', 'delete', '-', '--yes'],
      input: `kept-1\n${id}\nkept-2\n`,
    }));

    const results = await runCases(cases);

    expectUsageFailures(cases, results);
    expect(core.requestCount()).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['kept-1', 'kept-2']);
  });

  it('cleanup --keep with a malformed id sends nothing', async () => {
    const cases: Case[] = ['../x', 'a/b', '%2f'].map((id) => ({
      args: ['session', 'cleanup', '--days', '30', '--keep', id, '--yes'],
    }));

    const results = await runCases(cases);

    expectUsageFailures(cases, results);
    expect(core.requestCount()).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['kept-1', 'kept-2']);
  });
});

describe('invalid import files', () => {
  it('are rejected before any request', async () => {
    const dir = makeTempDir();
    const valid = JSON.stringify({
      session_id: 'restored',
      info: {
        session_id: 'restored',
        created_at: '2026-03-01T12:00:00',
        last_active: '2026-03-01T12:00:00',
        message_count: 1,
        metadata: {},
      },
      messages: [],
    });
    const files = {
      'not-json.jsonl': `${valid}\n{"session_id": \n`,
      'bad-id.jsonl': `${valid}\n${valid.replaceAll('"restored"', '"../x"')}\n`,
      'empty.jsonl': '\n\n',
    };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
    }
    const cases: Case[] = [...Object.keys(files), 'missing.jsonl'].map((name) => ({
      args: ['session', 'import', join(dir, name)],
    }));

    const results = await runCases(cases);

    results.forEach((result, index) => {
      const label = JSON.stringify(cases[index]);
      expect(result.status, label).toBe(exitCode('USAGE'));
      expect(result.stderr, label).toMatch(/^❌ /m);
    });
    expect(core.requestCount()).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['kept-1', 'kept-2']);
  });
});

describe('invalid option values', () => {
  it('numbers out of range or not numbers send nothing', async () => {
    const cases: Case[] = [
      { args: ['session', 'list', '-n', 'NaN'] },
      { args: ['session', 'list', '-n', 'abc'] },
      { args: ['session', 'list', '-n', '0'] },
      { args: ['session', 'list', '-n', '501'] },
      { args: ['session', 'list', '-n', '1.5'] },
      { args: ['session', 'list', '--offset', '-1'] },
      { args: ['session', 'list', '--active-within', '0'] },
      { args: ['session', 'list', '--active-within', 'soon'] },
      { args: ['session', 'list', '--output', 'xml'] },
      { args: ['session', 'list', '--all', '-n', '5'] },
      { args: ['session', 'show', 'kept-1', '--limit', '101'] },
      { args: ['session', 'show', 'kept-1', '--limit', 'NaN'] },
      { args: ['session', 'show', 'kept-1', '--offset', '-3'] },
      { args: ['session', 'cleanup', '--days', '-1', '--yes'] },
      { args: ['session', 'cleanup', '--days=-5', '--yes'] },
      { args: ['session', 'cleanup', '--days', 'thirty', '--yes'] },
      { args: ['session', 'cleanup', '--max-sessions', '-1', '--yes'] },
      { args: ['--timeout', '0', 'session', 'list'] },
    ];

    const results = await runCases(cases);

    expectUsageFailures(cases, results);
    expect(core.requestCount()).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['kept-1', 'kept-2']);
  });

  it('a valid command does reach the Core', async () => {
    const before = core.requestCount();

    const result = await runMc(['session', 'show', 'kept-1'], {
      home,
      env: { MC_CORE_URL: core.url },
    });

    expect(result.status).toBe(0);
    expect(core.requestCount()).toBeGreaterThan(before);
  });
});
