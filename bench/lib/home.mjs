/**
 * Temporary `MASTERCLAW_HOME` folders for the benchmarks, and `mc` run as a child
 * process inside one. Every Core started through a home is stopped by `disposeAll`,
 * which the runner calls whatever happened, so a failed benchmark leaves no daemon.
 */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

export const MC_ENTRY = fileURLToPath(new URL('../../dist/bin/mc.js', import.meta.url));
const MAX_RSS_PRELOAD = fileURLToPath(new URL('./record-max-rss.mjs', import.meta.url));

/** Homes not yet disposed, so that the runner can stop their Cores on any failure. */
const openHomes = new Set();

/**
 * Builds the environment of every `mc` child: the caller's, minus every `MC_*` variable (a
 * configured `MC_CORE_URL` would send the benchmark's traffic to another Core), plus
 * the temporary home.
 */
export function childEnv(home, extra = {}) {
  const env = { ...process.env, NO_COLOR: '1', MASTERCLAW_HOME: home, ...extra };
  for (const name of Object.keys(env)) {
    if (name.startsWith('MC_')) {
      delete env[name];
    }
  }

  return env;
}

/**
 * Runs `node [nodeArgs] <entry> [args]` and resolves with its exit code, output and
 * wall time in milliseconds. `onStdout` receives each chunk instead of the output being
 * kept, for commands whose output would not fit comfortably in memory. After
 * `timeoutMs` the child gets SIGTERM and the result names that signal.
 */
export function runNode(entryAndArgs, { env, nodeArgs = [], onStdout, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, ...entryAndArgs], {
      env,
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = [];
    const stderr = [];

    child.stdout.on('data', (chunk) => (onStdout ? onStdout(chunk) : stdout.push(chunk)));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve({
        code,
        signal,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

export class BenchHome {
  /** Creates an empty temporary home; `label` only names the folder. */
  static create(label) {
    const home = new BenchHome(mkdtempSync(join(tmpdir(), `mc-bench-${label}-`)));
    openHomes.add(home);
    return home;
  }

  constructor(path) {
    this.path = path;
    this.coreStarted = false;
  }

  get coreLog() {
    return join(this.path, 'core', 'core.log');
  }

  get database() {
    return join(this.path, 'core', 'core.db');
  }

  /** Runs `mc <args>` in this home and resolves with `runNode`'s result. */
  mc(args, { onStdout, measureMaxRss = false } = {}) {
    const rssFile = join(this.path, `max-rss-${process.hrtime.bigint()}.txt`);
    const env = childEnv(this.path, measureMaxRss ? { BENCH_MAX_RSS_FILE: rssFile } : {});
    const nodeArgs = measureMaxRss ? ['--import', MAX_RSS_PRELOAD] : [];

    return runNode([MC_ENTRY, ...args], { env, nodeArgs, onStdout }).then((result) => ({
      ...result,
      maxRssKb: measureMaxRss ? readMaxRss(rssFile) : undefined,
    }));
  }

  /** Runs `mc <args>` and rejects with its output when it exits non-zero. */
  async mcOk(args, options) {
    const result = await this.mc(args, options);
    if (result.code !== 0) {
      throw new Error(
        `mc ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stderr}${result.stdout}`,
      );
    }

    return result;
  }

  seed({ sessions, messages, staleRatio, randomSeed }) {
    return this.mcOk([
      'core',
      'seed',
      '--sessions',
      String(sessions),
      '--messages',
      String(messages),
      '--stale-ratio',
      String(staleRatio),
      '--random-seed',
      String(randomSeed),
    ]);
  }

  /** Starts the embedded Core on a free loopback port and returns its URL. */
  async startCore() {
    this.coreStarted = true;
    const result = await this.mcOk(['core', 'start', '--port', '0']);
    const url = result.stdout.trim().split('\n').at(-1) ?? '';
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
      throw new Error(`mc core start printed no loopback URL: ${JSON.stringify(result.stdout)}`);
    }

    return url;
  }

  /** Stops the Core with `mc core stop`; when that fails, sends SIGTERM to the pid in `core.json`. */
  async stopCore() {
    if (!this.coreStarted) {
      return;
    }

    try {
      await this.mcOk(['core', 'stop']);
    } catch (error) {
      this.killCoreByPid();
      throw error;
    } finally {
      this.coreStarted = false;
    }
  }

  killCoreByPid() {
    const runtimeFile = join(this.path, 'core', 'core.json');
    if (!existsSync(runtimeFile)) {
      return;
    }

    const { pid } = JSON.parse(readFileSync(runtimeFile, 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // The daemon already exited.
    }
  }

  /** Size of the Core's log in bytes, to read only what a measured command added. */
  coreLogSize() {
    return existsSync(this.coreLog) ? statSync(this.coreLog).size : 0;
  }

  /**
   * Counts the requests the Core logged after byte `offset` of its log, by method and
   * path, from fastify's "incoming request" lines.
   */
  countCoreRequests(offset = 0) {
    const counts = new Map();
    const text = readFileSync(this.coreLog).subarray(offset).toString('utf8');

    for (const line of text.split('\n')) {
      // The daemon's stderr (Node warnings) shares the log file with the JSON lines.
      if (!line.startsWith('{')) {
        continue;
      }
      const entry = JSON.parse(line);
      if (entry.msg !== 'incoming request') {
        continue;
      }
      const key = `${entry.req.method} ${entry.req.url.split('?')[0]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }

    return counts;
  }

  /** Stops this home's Core when one was started, then deletes the folder. */
  async dispose() {
    openHomes.delete(this);
    try {
      await this.stopCore();
    } finally {
      rmSync(this.path, { recursive: true, force: true });
    }
  }
}

/** Disposes every home still open; reports failures on stderr instead of throwing. */
export async function disposeAll() {
  for (const home of [...openHomes]) {
    try {
      await home.dispose();
    } catch (error) {
      process.stderr.write(`Could not clean up ${home.path}: ${error.message}\n`);
    }
  }
}

function readMaxRss(file) {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return Number(lines.at(-1));
}

/** Sum of all counts of a `countCoreRequests` result. */
export function totalRequests(counts) {
  return [...counts.values()].reduce((sum, count) => sum + count, 0);
}
