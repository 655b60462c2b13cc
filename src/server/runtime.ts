/**
 * Starting, finding and stopping the embedded Core daemon. The daemon is this package's
 * built `server/main.js`, run detached by the same Node.js binary with its output
 * appended to `core/core.log`. It writes `core/core.json` once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, closeSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

import type { HomePaths } from '../config/paths.js';
import { CoreStartError } from '../errors/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir, withFileLock } from '../util/private-files.js';
import {
  clearCoreRuntime,
  coreFiles,
  isProcessAlive,
  readCoreRuntime,
  type CoreRuntime,
} from './core-files.js';
import {
  CORE_API_KEY_ENV,
  CORE_HOST_ENV,
  CORE_PORT_ENV,
  DEFAULT_CORE_HOST,
  DEFAULT_CORE_PORT,
  serveCore,
} from './serve.js';

export { readCoreRuntime, type CoreRuntime } from './core-files.js';

/** How long a start waits for the daemon to listen. */
export const CORE_START_TIMEOUT_MS = 10_000;
/** How long a stop waits after SIGTERM before it sends SIGKILL. */
export const CORE_STOP_TIMEOUT_MS = 5_000;
const POLL_INTERVAL_MS = 50;
/** Lines of `core.log` quoted when a start fails. */
const LOG_TAIL_LINES = 5;

/**
 * Returns the built daemon entry. In the installed CLI this module runs from
 * `dist/server/`, next to `main.js`. Under the test runner it runs from `src/server/`,
 * where no `.js` exists, so the entry falls back to the build in `dist/`.
 */
export function defaultServerEntry(): string {
  const sibling = fileURLToPath(new URL('./main.js', import.meta.url));
  if (existsSync(sibling)) {
    return sibling;
  }

  return fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));
}

export interface CoreDaemonOptions {
  paths: HomePaths;
  /** Default `DEFAULT_CORE_PORT` (0: a free port). */
  port?: number;
  /** When set, the daemon requires it in `X-API-Key` on every route. */
  apiKey?: string | undefined;
  /** Default `defaultServerEntry()`. */
  serverEntry?: string;
  /** Default `CORE_START_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
}

/** Spawns the daemon and resolves once it listens; rejects with `CoreStartError` when one already runs or it does not come up. */
export async function startCoreDaemon(options: CoreDaemonOptions): Promise<CoreRuntime> {
  const files = coreFiles(options.paths);
  ensurePrivateDir(options.paths.coreDir);

  return withFileLock(files.startLock, async () => {
    const running = readCoreRuntime(options.paths);
    if (running !== undefined) {
      throw new CoreStartError(
        `An embedded Core is already running at ${running.url} (pid ${running.pid})`,
      );
    }

    const child = spawnDaemon(options);
    return waitUntilListening(child, options);
  });
}

function spawnDaemon(options: CoreDaemonOptions): ChildProcess {
  const files = coreFiles(options.paths);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MASTERCLAW_HOME: options.paths.home,
    [CORE_PORT_ENV]: String(options.port ?? DEFAULT_CORE_PORT),
    [CORE_HOST_ENV]: DEFAULT_CORE_HOST,
  };
  delete env[CORE_API_KEY_ENV];
  if (options.apiKey !== undefined) {
    env[CORE_API_KEY_ENV] = options.apiKey;
  }

  const log = openSync(files.log, 'a', PRIVATE_FILE_MODE);
  try {
    const child = spawn(process.execPath, [options.serverEntry ?? defaultServerEntry()], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

async function waitUntilListening(
  child: ChildProcess,
  options: CoreDaemonOptions,
): Promise<CoreRuntime> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.timeoutMs ?? CORE_START_TIMEOUT_MS);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });

  while (clock.now() < deadline) {
    if (exitCode !== undefined) {
      throw startFailure(`the daemon exited with code ${String(exitCode)}`, options.paths);
    }

    const runtime = readCoreRuntime(options.paths);
    if (runtime !== undefined && runtime.pid === child.pid && (await acceptsConnections(runtime))) {
      return runtime;
    }
    await clock.sleep(POLL_INTERVAL_MS);
  }

  child.kill('SIGKILL');
  throw startFailure(
    `it did not listen within ${options.timeoutMs ?? CORE_START_TIMEOUT_MS} ms`,
    options.paths,
  );
}

function acceptsConnections(runtime: CoreRuntime): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: DEFAULT_CORE_HOST, port: runtime.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function startFailure(reason: string, paths: HomePaths): CoreStartError {
  const log = coreFiles(paths).log;
  const tail = logTail(log);
  const details = tail === '' ? '' : `\nLast lines of ${log}:\n${tail}`;
  return new CoreStartError(`The embedded Core did not start: ${reason}.${details}`);
}

function logTail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '';
  }
}

export interface CoreStopOptions {
  /** Default `CORE_STOP_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Default: the system clock. */
  clock?: Clock;
}

/** Stops the running daemon (SIGTERM, then SIGKILL after the timeout); returns what ran, or undefined when nothing did. */
export async function stopCoreDaemon(
  paths: HomePaths,
  options: CoreStopOptions = {},
): Promise<CoreRuntime | undefined> {
  const runtime = readCoreRuntime(paths);
  if (runtime === undefined) {
    return undefined;
  }

  const clock = options.clock ?? systemClock;
  signal(runtime.pid, 'SIGTERM');
  if (!(await waitForExit(runtime.pid, options.timeoutMs ?? CORE_STOP_TIMEOUT_MS, clock))) {
    signal(runtime.pid, 'SIGKILL');
    await waitForExit(runtime.pid, CORE_STOP_TIMEOUT_MS, clock);
  }

  clearCoreRuntime(paths, runtime.pid);
  return runtime;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // Already gone between the check and the signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (!isProcessAlive(pid)) {
      return true;
    }
    await clock.sleep(POLL_INTERVAL_MS);
  }

  return !isProcessAlive(pid);
}

export interface ForegroundCoreOptions {
  paths: HomePaths;
  /** Default `DEFAULT_CORE_PORT`. */
  port?: number;
  apiKey?: string | undefined;
  /** The Core stops when this aborts (the CLI aborts it on SIGINT). */
  signal: AbortSignal;
  /** Called once the Core listens. */
  onListening?: (runtime: CoreRuntime) => void;
}

/** Runs the Core in this process until `signal` aborts or the process gets SIGTERM. */
export async function runCoreInForeground(options: ForegroundCoreOptions): Promise<void> {
  const core = await serveCore({
    paths: options.paths,
    port: options.port,
    apiKey: options.apiKey,
  });
  options.onListening?.(core.runtime);

  await untilStopped(options.signal);
  await core.close();
}

/** Resolves on the first of: `signal` aborts, the process gets SIGTERM. */
function untilStopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.resolve();
  }

  return new Promise((resolve) => {
    const stop = (): void => {
      signal.removeEventListener('abort', stop);
      process.removeListener('SIGTERM', stop);
      resolve();
    };
    signal.addEventListener('abort', stop, { once: true });
    process.once('SIGTERM', stop);
  });
}
