/**
 * Clean-up journals left in odd states: a last line cut short by a crash, a damaged
 * file, and flags that ask for two things at once.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import type { TestCore } from '../../helpers/embedded-core.js';
import {
  addSession,
  exitCode,
  lastActiveOf,
  makeTempDir,
  removeTempDirs,
  startCountingCore,
} from './fixtures.js';

const DAY_MS = 86_400_000;

let core: TestCore;

beforeAll(async () => {
  core = await startCountingCore();
});

afterAll(async () => {
  await core.close();
  removeTempDirs();
});

function homeWithJournal(lines: string): { home: string; journalDir: string } {
  const home = makeTempDir();
  const journalDir = join(home, 'journal');
  mkdirSync(journalDir, { recursive: true });
  writeFileSync(join(journalDir, 'cleanup-earlier.jsonl'), lines);
  return { home, journalDir };
}

function mc(args: string[], home: string) {
  return runMc(args, { home, env: { MC_CORE_URL: core.url } });
}

describe('clean-up journal', () => {
  it('resume drops a torn last line', async () => {
    const specs = ['torn-a', 'torn-b'].map((id) => ({
      id,
      start: Date.now() - 40 * DAY_MS,
      messages: 2,
    }));
    specs.forEach((spec) => addSession(core.store, spec));
    const plan = {
      type: 'plan',
      createdAt: Date.now() - 60_000,
      batchSize: 500,
      archive: null,
      sessions: specs.map((spec) => ({ id: spec.id, lastActive: lastActiveOf(spec), messages: 2 })),
    };
    const { home, journalDir } = homeWithJournal(`${JSON.stringify(plan)}\n{"type":"deleting","ba`);

    const resumed = await mc(['session', 'cleanup', '--resume', '--yes'], home);
    const next = await mc(['session', 'cleanup', '--dry-run', '--days', '365'], home);

    expect(resumed.status).toBe(0);
    expect(core.store.getSession('torn-a')).toBeUndefined();
    expect(core.store.getSession('torn-b')).toBeUndefined();
    expect(next.status).toBe(0);
    expect(readdirSync(journalDir)).toEqual(['cleanup-earlier.finished.jsonl']);
  });

  it('damaged journal names the way out', async () => {
    const { home, journalDir } = homeWithJournal('garbage{\n{"type":"finished"}\n');

    const result = await mc(['session', 'cleanup', '--dry-run'], home);

    expect(result.status).toBe(exitCode('FAILURE'));
    expect(result.stderr).toContain(`Move it out of ${journalDir}`);
    expect(existsSync(join(journalDir, 'cleanup-earlier.jsonl'))).toBe(true);
  });

  it('rejects --resume with --abandon', async () => {
    const result = await mc(['session', 'cleanup', '--resume', '--abandon'], makeTempDir());

    expect(result.status).toBe(exitCode('USAGE'));
    expect(result.stderr).toContain('--resume and --abandon cannot be used together.');
  });
});
