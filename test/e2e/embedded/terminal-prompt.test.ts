/**
 * Confirmation on a real terminal: `mc` runs under `script` (util-linux), which gives
 * it a pseudo-terminal, and the test answers the prompt through it.
 */
import { spawn } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestCore } from '../../helpers/embedded-core.js';
import { MC_BIN } from '../../helpers/mc.js';
import {
  addSession,
  exitCode,
  makeTempDir,
  removeTempDirs,
  startCountingCore,
} from './fixtures.js';

const PROMPT_TIMEOUT_MS = 15_000;

let core: TestCore;

beforeAll(async () => {
  core = await startCountingCore();
  for (const id of ['keep-me', 'delete-me']) {
    addSession(core.store, { id, start: Date.now() - 3_600_000, messages: 2 });
  }
});

afterAll(async () => {
  await core.close();
  removeTempDirs();
});

/** Runs `mc args` on a pseudo-terminal and types `answer` once the prompt shows. */
function runOnTerminal(
  args: string[],
  answer: string,
): Promise<{ status: number | null; screen: string }> {
  const command = [process.execPath, MC_BIN, ...args].join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: {
      PATH: process.env.PATH,
      TERM: 'dumb',
      NO_COLOR: '1',
      MASTERCLAW_HOME: makeTempDir(),
      MC_CORE_URL: core.url,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let screen = '';
  let answered = false;
  const onOutput = (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    if (!answered && screen.includes('[y/N]')) {
      answered = true;
      child.stdin.write(answer);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), PROMPT_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, screen });
    });
  });
}

describe('confirmation on a terminal', () => {
  it('answer n deletes nothing', async () => {
    const result = await runOnTerminal(['session', 'delete', 'keep-me'], 'n\r');

    expect(result.screen).toContain('About to delete:');
    expect(result.screen).toContain('Cancelled. Nothing was deleted.');
    expect(result.status).toBe(exitCode('CONFIRMATION_REFUSED'));
    expect(core.store.getSession('keep-me')).toBeDefined();
  });

  it('answer y deletes', async () => {
    const result = await runOnTerminal(['session', 'delete', 'delete-me'], 'y\r');

    expect(result.screen).toContain('Deleted session delete-me (2 messages).');
    expect(result.status).toBe(0);
    expect(core.store.getSession('delete-me')).toBeUndefined();
  });
});
