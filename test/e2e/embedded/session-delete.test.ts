/**
 * `mc session delete`, `export` and `import` against the embedded Core: deleting needs
 * a terminal or `--yes`, and an export brought back by import restores the sessions
 * with their messages and times.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  type CountingCore,
} from './fixtures.js';

const NOW = Date.now();
const IDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

let core: CountingCore;
let home: string;

beforeEach(async () => {
  core = await startCountingCore();
  IDS.forEach((id, index) =>
    addSession(core.store, {
      id,
      start: NOW - (index + 1) * DAY_MS,
      messages: index + 1,
      gapMs: HOUR_MS + index * 1_234,
      source: index % 2 === 0 ? 'chat' : 'api',
    }),
  );
  home = makeTempDir();
});

afterEach(async () => {
  await core.close();
});

afterAll(() => {
  removeTempDirs();
});

function mc(args: string[], input?: string) {
  return runMc(args, { home, input, env: { MC_CORE_URL: core.url } });
}

describe('session delete', () => {
  it('refuses without a terminal and without --yes', async () => {
    const result = await mc(['session', 'delete', 'alpha']);

    expect(result.status).toBe(exitCode('CONFIRMATION_REFUSED'));
    expect(result.stderr).toContain('Nothing was deleted; re-run with --yes to confirm.');
    expect(result.stderr).toContain('alpha: 1 message');
    expect(storedSessionIds(core.store)).toEqual(IDS);
  });

  it('deletes one session with --yes', async () => {
    const result = await mc(['session', 'delete', 'bravo', '--yes']);

    expect(result.status).toBe(0);
    expect(result.stdout).toBe('Deleted session bravo (2 messages).\n');
    expect(storedSessionIds(core.store)).toEqual(['alpha', 'charlie', 'delta', 'echo']);
    expect(core.store.sessionHistory('bravo', { limit: 10, offset: 0 })).toEqual([]);
  });

  it('deletes several ids given as arguments', async () => {
    const result = await mc(['session', 'delete', 'alpha', 'charlie', 'echo', '-y', '--json']);

    expect(result.status).toBe(0);
    const { results } = JSON.parse(result.stdout) as {
      results: Array<{ session_id: string; deleted: boolean; memories_deleted: number }>;
    };
    expect(results).toEqual([
      { session_id: 'alpha', deleted: true, memories_deleted: 1 },
      { session_id: 'charlie', deleted: true, memories_deleted: 3 },
      { session_id: 'echo', deleted: true, memories_deleted: 5 },
    ]);
    expect(storedSessionIds(core.store)).toEqual(['bravo', 'delta']);
  });

  it('reads ids from stdin with -', async () => {
    const result = await mc(['session', 'delete', '-', '--yes'], '# to delete\ndelta\n\nbravo\n');

    expect(result.status).toBe(0);
    expect(storedSessionIds(core.store)).toEqual(['alpha', 'charlie', 'echo']);
  });

  it('refuses ids from stdin without --yes', async () => {
    const result = await mc(['session', 'delete', '-'], 'delta\nbravo\n');

    expect(result.status).toBe(exitCode('CONFIRMATION_REFUSED'));
    expect(storedSessionIds(core.store)).toEqual(IDS);
  });

  it('skips unknown ids and deletes the known ones', async () => {
    const result = await mc(['session', 'delete', 'alpha', 'ghost', '--yes']);

    expect(result.status).toBe(exitCode('PARTIAL_FAILURE'));
    expect(result.stderr).toContain('Deleted 1 session; 1 of the IDs given were not found.');
    expect(result.stderr).toContain('Session ghost not found; skipping it.');
    expect(storedSessionIds(core.store)).toEqual(['bravo', 'charlie', 'delta', 'echo']);
  });

  it('rejects "-" among other ids', async () => {
    const result = await mc(['session', 'delete', 'alpha', '-', '--yes']);

    expect(result.status).toBe(exitCode('USAGE'));
    expect(storedSessionIds(core.store)).toEqual(IDS);
  });

  it('only unknown ids exit with not found', async () => {
    const result = await mc(['session', 'delete', 'ghost', '--yes']);

    expect(result.status).toBe(exitCode('NOT_FOUND'));
    expect(result.stderr).toContain('Session not found. It may have been deleted or expired.');
    expect(storedSessionIds(core.store)).toEqual(IDS);
  });
});

describe('session export and import', () => {
  it('restores deleted sessions with their messages and times', async () => {
    const file = join(makeTempDir(), 'sessions.jsonl');
    const chosen = ['bravo', 'delta', 'echo'];
    const listBefore = await mc(['session', 'list', '--json']);
    const historiesBefore = chosen.map((id) => storedHistory(id));

    const exported = await mc(['session', 'export', ...chosen, '-o', file]);
    const deleted = await mc(['session', 'delete', ...chosen, '--yes']);
    const afterDelete = storedSessionIds(core.store);
    const imported = await mc(['session', 'import', file]);

    expect(exported.status).toBe(0);
    expect(deleted.status).toBe(0);
    expect(afterDelete).toEqual(['alpha', 'charlie']);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('Imported 3 sessions (11 messages)');
    expect(storedSessionIds(core.store)).toEqual(IDS);

    const listAfter = await mc(['session', 'list', '--json']);
    expect(JSON.parse(listAfter.stdout)).toEqual(JSON.parse(listBefore.stdout));
    for (const [index, id] of chosen.entries()) {
      expect(storedHistory(id), id).toEqual(historiesBefore[index]);
    }
  });

  it('export to stdout writes one JSON line per session', async () => {
    const result = await mc(['session', 'export', 'charlie', 'alpha']);

    expect(result.status).toBe(0);
    const records = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { session_id: string; messages: unknown[] });
    expect(records.map((record) => [record.session_id, record.messages.length])).toEqual([
      ['charlie', 3],
      ['alpha', 1],
    ]);
  });

  it('failed export leaves the output file alone', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'sessions.jsonl');
    writeFileSync(file, 'an earlier export\n');

    const result = await mc(['session', 'export', 'alpha', 'ghost', '-o', file]);

    expect(result.status).toBe(exitCode('NOT_FOUND'));
    expect(readFileSync(file, 'utf8')).toBe('an earlier export\n');
    expect(readdirSync(dir)).toEqual(['sessions.jsonl']);
  });

  it('export to stdout with an unknown id prints nothing', async () => {
    const result = await mc(['session', 'export', 'alpha', 'ghost']);

    expect(result.status).toBe(exitCode('NOT_FOUND'));
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Not found: ghost. Nothing was exported.');
  });

  it('import skips sessions that already exist', async () => {
    const file = join(makeTempDir(), 'sessions.jsonl');
    await mc(['session', 'export', 'alpha', '-o', file]);

    const result = await mc(['session', 'import', file]);

    expect(result.status).toBe(0);
    expect(result.stderr).toContain('Session alpha already exists; skipped.');
    expect(core.store.totals()).toEqual({ sessions: 5, messages: 15 });
  });
});

/** Reads the session's stored messages without their ids, because an import assigns new ones. */
function storedHistory(sessionId: string): unknown[] {
  return core.store
    .sessionHistory(sessionId, { limit: 1000, offset: 0 })
    .map(({ id: _id, ...message }) => message);
}
