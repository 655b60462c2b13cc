import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

import { runCoreSeed, type CoreSeedOptions } from '../../src/cli/commands/core/seed.js';
import { runCoreStart } from '../../src/cli/commands/core/start.js';
import { runCoreStatus, type CoreStatus } from '../../src/cli/commands/core/status.js';
import { runCoreStop } from '../../src/cli/commands/core/stop.js';
import type { CommandIO } from '../../src/cli/io.js';
import { homePaths, type HomePaths } from '../../src/config/paths.js';
import { hasCode } from '../../src/errors/errors.js';
import { coreFiles } from '../../src/server/core-files.js';
import { readCoreRuntime, startCoreDaemon, stopCoreDaemon } from '../../src/server/runtime.js';
import { systemClock } from '../../src/util/clock.js';
import { call } from './http.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const API_KEY = 'daemon-key-7c1e';

interface TestIO extends CommandIO {
  out(): string;
  err(): string;
}

function testIO(signal = new AbortController().signal): TestIO {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: process.stdin,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    color: false,
    columns: 80,
    clock: systemClock,
    env: {},
    verbose: false,
    prompter: undefined,
    signal,
    out: () => stdout,
    err: () => stderr,
  };
}

const homes: string[] = [];

function freshHome(): HomePaths {
  const home = mkdtempSync(join(tmpdir(), 'mc-daemon-test-'));
  homes.push(home);
  return homePaths(home);
}

async function status(paths: HomePaths): Promise<CoreStatus> {
  const io = testIO();
  await runCoreStatus({ json: true }, io, paths);
  return JSON.parse(io.out()) as CoreStatus;
}

beforeAll(() => {
  // Other parts of the tree may not compile mid-change; tsc still emits, so only the entry matters.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'ignore' });
  expect(existsSync(join(repoRoot, 'dist', 'server', 'main.js'))).toBe(true);
}, 120_000);

afterEach(async () => {
  for (const home of homes) {
    await stopCoreDaemon(homePaths(home));
  }
});

afterAll(() => {
  for (const home of homes.splice(0)) {
    rmSync(home, { recursive: true, force: true });
  }
});

describe('mc core start, status, stop', () => {
  test('round trip through the daemon', async () => {
    const paths = freshHome();
    const seedIO = testIO();
    await runCoreSeed({ sessions: 10, messages: 2, staleRatio: 0.5, randomSeed: 1 }, seedIO, paths);

    const startIO = testIO();
    await runCoreStart({ port: 0, foreground: false, apiKey: API_KEY }, startIO, paths);
    const url = startIO.out().trim();
    const running = await status(paths);

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running).toMatchObject({ running: true, url, sessions: 10, messages: 20 });
    expect(running.pid).not.toBe(process.pid);
    expect(statSync(coreFiles(paths).runtime).mode & 0o777).toBe(0o600);
    const runtime = JSON.parse(readFileSync(coreFiles(paths).runtime, 'utf8')) as { port: number };
    expect(url).toBe(`http://127.0.0.1:${runtime.port}`);

    const denied = await call(url, 'GET', '/v1/sessions');
    const listed = await call(url, 'GET', '/v1/sessions', { headers: { 'x-api-key': API_KEY } });
    expect(denied.status).toBe(401);
    expect(listed.json).toMatchObject({ total: 10 });

    const stopIO = testIO();
    await runCoreStop({}, stopIO, paths);
    const stopped = await status(paths);

    expect(stopIO.err()).toContain('stopped');
    expect(stopped).toMatchObject({ running: false, url: null, sessions: 10 });
    expect(existsSync(coreFiles(paths).runtime)).toBe(false);
    expect(readFileSync(coreFiles(paths).log, 'utf8')).not.toContain(API_KEY);
  });

  test('a second start reports the running Core', async () => {
    const paths = freshHome();
    await runCoreStart({ port: 0, foreground: false }, testIO(), paths);
    const first = readCoreRuntime(paths);
    const io = testIO();

    await runCoreStart({ port: 0, foreground: false }, io, paths);

    expect(readCoreRuntime(paths)).toEqual(first);
    expect(io.err()).toContain(`already running at ${first?.url ?? '?'}`);
  });

  test('the daemon refuses a second start', async () => {
    const paths = freshHome();
    await runCoreStart({ port: 0, foreground: false }, testIO(), paths);
    const first = readCoreRuntime(paths);

    const second = startCoreDaemon({ paths, port: 0 });

    await expect(second).rejects.toSatisfy((error) => hasCode(error, 'CORE_START_FAILED'));
    expect(readCoreRuntime(paths)).toEqual(first);
  });

  test('reports a port that is taken', async () => {
    const paths = freshHome();
    const other = freshHome();
    await runCoreStart({ port: 0, foreground: false }, testIO(), other);
    const taken = readCoreRuntime(other)?.port ?? 0;

    const start = runCoreStart({ port: taken, foreground: false }, testIO(), paths);

    await expect(start).rejects.toSatisfy(
      (error) => hasCode(error, 'CORE_START_FAILED') && /EADDRINUSE/.test((error as Error).message),
    );
    expect(readCoreRuntime(paths)).toBeUndefined();
  });

  test('stop without a running Core is a note', async () => {
    const paths = freshHome();
    const io = testIO();
    await runCoreStop({}, io, paths);

    expect(io.err()).toContain('not running');
  });

  test('status removes a stale runtime file', async () => {
    const paths = freshHome();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;
    mkdirSync(paths.coreDir, { recursive: true });
    writeFileSync(
      coreFiles(paths).runtime,
      JSON.stringify({ pid: dead, port: 1234, url: 'http://127.0.0.1:1234', startedAt: 'x' }),
    );

    const result = await status(paths);

    expect(result).toMatchObject({ running: false, sessions: null });
    expect(existsSync(coreFiles(paths).runtime)).toBe(false);
  });

  test('status prints text without --json', async () => {
    const paths = freshHome();
    const io = testIO();
    await runCoreStatus({ json: false }, io, paths);

    expect(io.out()).toContain('Embedded Core: not running');
  });

  test('foreground start serves until aborted', async () => {
    const paths = freshHome();
    const controller = new AbortController();
    const io = testIO(controller.signal);

    const running = runCoreStart({ port: 0, foreground: true }, io, paths);
    let runtime = readCoreRuntime(paths);
    while (runtime === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      runtime = readCoreRuntime(paths);
    }
    const health = await call(runtime.url, 'GET', '/health');
    controller.abort();
    await running;

    expect(runtime.pid).toBe(process.pid);
    expect(health.status).toBe(200);
    expect(io.out().trim()).toBe(runtime.url);
    expect(existsSync(coreFiles(paths).runtime)).toBe(false);
  });
});

describe('daemon runtime', () => {
  test('stop falls back to SIGKILL', async () => {
    const paths = freshHome();
    const stubborn = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((resolve) => stubborn.stdout?.once('data', resolve));
    const exited = new Promise((resolve) =>
      stubborn.once('exit', (_code, signal) => resolve(signal)),
    );
    mkdirSync(paths.coreDir, { recursive: true });
    writeFileSync(
      coreFiles(paths).runtime,
      JSON.stringify({ pid: stubborn.pid, port: 1, url: 'http://127.0.0.1:1', startedAt: 'x' }),
    );

    const stopped = await stopCoreDaemon(paths, { timeoutMs: 200 });

    expect(stopped?.pid).toBe(stubborn.pid);
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(coreFiles(paths).runtime)).toBe(false);
  });

  test('start gives up on an entry that never listens', async () => {
    const paths = freshHome();
    const entry = join(paths.home, 'silent.mjs');
    writeFileSync(entry, "console.log('starting'); setInterval(() => {}, 1000);\n");

    const start = startCoreDaemon({ paths, serverEntry: entry, timeoutMs: 500 });

    await expect(start).rejects.toSatisfy(
      (error) =>
        hasCode(error, 'CORE_START_FAILED') &&
        /did not listen within 500 ms/.test((error as Error).message) &&
        /starting/.test((error as Error).message),
    );
    expect(readCoreRuntime(paths)).toBeUndefined();
  });
});

describe('mc core seed', () => {
  test('writes while the daemon runs', async () => {
    const paths = freshHome();
    const startIO = testIO();
    await runCoreStart({ port: 0, foreground: false }, startIO, paths);

    await runCoreSeed({ sessions: 25, messages: 1, staleRatio: 0.2 }, testIO(), paths);
    const listed = await call(startIO.out().trim(), 'GET', '/v1/sessions/stats/summary');

    expect(listed.json).toMatchObject({ total_sessions: 25, total_messages: 25 });
  });

  test.each<[string, Partial<CoreSeedOptions>]>([
    ['NaN sessions', { sessions: Number.NaN }],
    ['negative sessions', { sessions: -1 }],
    ['zero messages', { messages: 0 }],
    ['fractional messages', { messages: 1.5 }],
    ['ratio above 1', { staleRatio: 1.1 }],
    ['NaN ratio', { staleRatio: Number.NaN }],
    ['negative random seed', { randomSeed: -3 }],
    ['too many memories', { sessions: 1_000_000, messages: 1_000 }],
  ])('rejects %s and changes nothing', async (_name, override) => {
    const paths = freshHome();
    const options = { sessions: 10, messages: 2, staleRatio: 0.5, ...override };

    await expect(runCoreSeed(options, testIO(), paths)).rejects.toSatisfy((error) =>
      hasCode(error, 'USAGE_ERROR'),
    );
    expect(existsSync(coreFiles(paths).database)).toBe(false);
  });

  test('rejects a bad port', async () => {
    const paths = freshHome();

    await expect(
      runCoreStart({ port: 70_000, foreground: false }, testIO(), paths),
    ).rejects.toSatisfy((error) => hasCode(error, 'USAGE_ERROR'));
    expect(existsSync(coreFiles(paths).runtime)).toBe(false);
  });
});
