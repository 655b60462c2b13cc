/**
 * Runs the built CLI (`dist/bin/mc.js`, made by `npm run build`) as a child process,
 * the way a script would: no terminal, stdin a pipe, `NO_COLOR=1`, its own
 * `MASTERCLAW_HOME`, and none of the parent's `MC_*` variables.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MC_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin/mc.js');

/** Time after which a run is killed, in milliseconds. */
export const DEFAULT_MC_TIMEOUT_MS = 20_000;

export interface McRunOptions {
  /** Value of `MASTERCLAW_HOME`. */
  home: string;
  /** Extra variables, applied last. A value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Default: stdin closed at once. */
  input?: string;
  /** Default: `DEFAULT_MC_TIMEOUT_MS`. */
  timeoutMs?: number;
}

export interface McResult {
  /** Exit code; null when the process was killed by a signal. */
  status: number | null;
  stdout: string;
  stderr: string;
}

export async function runMc(args: readonly string[], options: McRunOptions): Promise<McResult> {
  if (!existsSync(MC_BIN)) {
    throw new Error(`${MC_BIN} is missing; run \`npm run build\` first`);
  }

  const child = spawn(process.execPath, [MC_BIN, ...args], {
    env: childEnv(options),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // A command that exits without reading stdin closes the pipe, which is not a failure.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');

  const timeoutMs = options.timeoutMs ?? DEFAULT_MC_TIMEOUT_MS;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    return {
      status,
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    };
  } finally {
    clearTimeout(timer);
  }
}

function childEnv(options: McRunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('MC_')) {
      env[name] = value;
    }
  }

  env.MASTERCLAW_HOME = options.home;
  env.NO_COLOR = '1';
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) {
      delete env[name];
    } else {
      env[name] = value;
    }
  }

  return env;
}
