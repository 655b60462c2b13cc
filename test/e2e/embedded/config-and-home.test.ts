/**
 * `mc config` and what `mc` writes where: the API key is masked and reaches the Core,
 * a corrupt config file is reported and left alone, and nothing is written outside
 * `MASTERCLAW_HOME`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runMc } from '../../helpers/mc.js';
import {
  addSession,
  DAY_MS,
  exitCode,
  listFiles,
  makeTempDir,
  removeTempDirs,
  startCountingCore,
  type CountingCore,
} from './fixtures.js';

const API_KEY = 'e2e-secret-key-7f3a9c';

let core: CountingCore;

beforeAll(async () => {
  core = await startCountingCore({ apiKey: API_KEY });
  addSession(core.store, { id: 'only-session', start: Date.now() - DAY_MS, messages: 2 });
});

afterAll(async () => {
  await core.close();
  removeTempDirs();
});

describe('config set, get, list and unset', () => {
  it('round trip of every command', async () => {
    const home = makeTempDir();
    const mc = (args: string[]) => runMc(['config', ...args], { home });

    const setUrl = await mc(['set', 'core.url', 'http://127.0.0.1:8123']);
    const setTimeout = await mc(['set', 'core.timeoutSeconds', '15']);
    const getUrl = await mc(['get', 'core.url']);
    const getTimeout = await mc(['get', 'core.timeoutSeconds']);
    const unset = await mc(['unset', 'core.url']);
    const getUnset = await mc(['get', 'core.url']);
    const list = await mc(['list', '--json']);

    expect(setUrl.status).toBe(0);
    expect(setTimeout.status).toBe(0);
    expect(getUrl.stdout).toBe('http://127.0.0.1:8123\n');
    expect(getTimeout.stdout).toBe('15\n');
    expect(unset.status).toBe(0);
    expect(getUnset.stdout).toBe('');
    expect(getUnset.stderr).toContain('core.url is not set.');
    expect(JSON.parse(list.stdout)).toEqual({
      'core.url': null,
      'core.apiKey': null,
      'core.timeoutSeconds': '15',
      'cleanup.keep': null,
    });
    expect(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'))).toEqual({
      core: { timeoutSeconds: 15 },
      cleanup: {},
    });
  });

  it('list and get mask the API key', async () => {
    const home = makeTempDir();

    const set = await runMc(['config', 'set', 'core.apiKey', API_KEY], { home });
    const list = await runMc(['config', 'list'], { home });
    const listJson = await runMc(['config', 'list', '--json'], { home });
    const get = await runMc(['config', 'get', 'core.apiKey'], { home });
    const reveal = await runMc(['config', 'get', 'core.apiKey', '--reveal'], { home });

    for (const result of [set, list, listJson, get]) {
      expect(result.status).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(API_KEY);
    }
    expect(list.stdout).toContain(`core.apiKey = **** (${API_KEY.length} characters)`);
    expect(reveal.stdout).toBe(`${API_KEY}\n`);
  });

  it('an invalid value is rejected and not written', async () => {
    const home = makeTempDir();
    await runMc(['config', 'set', 'core.timeoutSeconds', '5'], { home });
    const before = readFileSync(join(home, 'config.json'), 'utf8');

    const tooLong = await runMc(['config', 'set', 'core.timeoutSeconds', '600'], { home });
    const badUrl = await runMc(['config', 'set', 'core.url', 'ftp://127.0.0.1/'], { home });
    const unknown = await runMc(['config', 'set', 'core.colour', 'blue'], { home });

    for (const result of [tooLong, badUrl, unknown]) {
      expect(result.status).toBe(exitCode('CONFIG'));
    }
    expect(unknown.stderr).toContain('Unknown configuration key "core.colour"');
    expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(before);
  });
});

describe('corrupt config file', () => {
  const CASES = [
    { name: 'not JSON', text: '{"core": {"url": ', problem: 'not valid JSON' },
    { name: 'wrong type', text: '{"core": {"timeoutSeconds": "soon"}}', problem: 'timeoutSeconds' },
    { name: 'unknown key', text: '{"core": {}, "colour": "blue"}', problem: 'colour' },
    { name: 'prototype key', text: '{"__proto__": {"url": "x"}}', problem: '__proto__' },
  ];

  for (const { name, text, problem } of CASES) {
    it(`${name} is reported and left unchanged`, async () => {
      const home = makeTempDir();
      const configFile = join(home, 'config.json');
      writeFileSync(configFile, text);

      const [list, set, session] = await Promise.all([
        runMc(['config', 'list'], { home }),
        runMc(['config', 'set', 'core.url', core.url], { home }),
        runMc(['session', 'list'], { home, env: { MC_CORE_URL: core.url, MC_API_KEY: API_KEY } }),
      ]);

      for (const result of [list, set, session]) {
        expect(result.status).toBe(exitCode('CONFIG'));
        expect(result.stderr).toContain(configFile);
        expect(result.stderr).toContain(problem);
        expect(result.stdout).toBe('');
      }
      expect(readFileSync(configFile, 'utf8')).toBe(text);
    });
  }
});

describe('API key', () => {
  it('missing key gets 401 and the auth exit code', async () => {
    const home = makeTempDir();

    const result = await runMc(['session', 'list'], { home, env: { MC_CORE_URL: core.url } });

    expect(result.status).toBe(exitCode('AUTH'));
    expect(result.stderr).toContain('Authentication required. Check your API credentials.');
    expect(result.stdout).toBe('');
  });

  it('wrong key gets the auth exit code', async () => {
    const home = makeTempDir();

    const result = await runMc(['session', 'list'], {
      home,
      env: { MC_CORE_URL: core.url, MC_API_KEY: 'not-the-key' },
    });

    expect(result.status).toBe(exitCode('AUTH'));
  });

  it('MC_API_KEY reaches the Core', async () => {
    const home = makeTempDir();

    const result = await runMc(['session', 'list', '--output', 'ndjson'], {
      home,
      env: { MC_CORE_URL: core.url, MC_API_KEY: API_KEY },
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"session_id":"only-session"');
  });

  it('config core.apiKey reaches the Core', async () => {
    const home = makeTempDir();
    await runMc(['config', 'set', 'core.apiKey', API_KEY], { home });

    const result = await runMc(['session', 'show', 'only-session', '--json'], {
      home,
      env: { MC_CORE_URL: core.url },
    });

    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as { total_messages: number }).total_messages).toBe(2);
    const filesWithKey = listFiles(home).filter((file) =>
      readFileSync(join(home, file), 'utf8').includes(API_KEY),
    );
    expect(filesWithKey).toEqual(['config.json']);
  });
});

describe('files outside MASTERCLAW_HOME', () => {
  it('--help and --version write nothing', async () => {
    const parent = makeTempDir();
    const home = join(parent, 'home');

    const results = await Promise.all([
      runMc(['--help'], { home }),
      runMc(['--version'], { home }),
      runMc(['session', '--help'], { home }),
      runMc(['session', 'cleanup', '--help'], { home }),
    ]);

    for (const result of results) {
      expect(result.status).toBe(0);
    }
    expect(results[0]!.stdout).toContain('Usage: mc');
    expect(results[1]!.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(home)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('commands write only below MASTERCLAW_HOME', async () => {
    const userHome = makeTempDir('mc-e2e-user-');
    const home = join(makeTempDir(), 'mc-home');
    const archive = join(home, 'archive.jsonl');
    const env = { HOME: userHome, MC_CORE_URL: core.url, MC_API_KEY: API_KEY };

    const results = [
      await runMc(['config', 'set', 'core.timeoutSeconds', '9'], { home, env }),
      await runMc(['session', 'list'], { home, env }),
      await runMc(['session', 'show', 'only-session'], { home, env }),
      await runMc(['session', 'stats'], { home, env }),
      await runMc(['session', 'cleanup', '--days', '365', '--archive', archive, '--yes'], {
        home,
        env,
      }),
      await runMc(['session', 'show', 'no-such-session'], { home, env }),
    ];

    expect(results.map((result) => result.status)).toEqual([0, 0, 0, 0, 0, exitCode('NOT_FOUND')]);
    expect(readdirSync(userHome, { recursive: true })).toEqual([]);
    expect(listFiles(home)).toContain('config.json');
  });
});
