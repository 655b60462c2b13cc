/**
 * Runs the built `mc` (`dist/bin/mc.js`, so `npm run build` must have run) as a child
 * process the way a script would: no terminal, stdin closed, no colour, and none of
 * the parent's `MC_*` variables, so each test decides the whole environment itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built entry point, resolved from the repository root. */
export const MC_BIN = resolve(import.meta.dirname, '../../dist/bin/mc.js');

/** Longest a run may take before the helper kills it, in milliseconds. */
const DEFAULT_RUN_TIMEOUT_MS = 25_000;

export interface McRunOptions {
  /** `MASTERCLAW_HOME` of the run. */
  home: string;
  /** `MC_CORE_URL`; left unset when undefined. */
  coreUrl?: string;
  /** Extra variables, set after the defaults (`NO_COLOR=1` and the two above). */
  env?: Record<string, string>;
  /** Text written to stdin before it is closed. Default: stdin closed at once. */
  stdin?: string;
  /** Kill the run with SIGKILL after this long. Default: 25000 (ms). */
  timeoutMs?: number;
}

export interface McResult {
  /** Exit code, or null when a signal ended the process. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `mc` with its output so far, for tests that kill it half-way. */
export interface McProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Settles when the process has exited. */
  done: Promise<McResult>;
}

/** Starts `mc args...` and returns at once. */
export function startMc(args: readonly string[], options: McRunOptions): McProcess {
  if (!existsSync(MC_BIN)) {
    throw new Error(`${MC_BIN} is missing; run \`npm run build\` first`);
  }

  const child = spawn(process.execPath, [MC_BIN, ...args], {
    env: childEnv(options),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin?.end(options.stdin ?? '');

  const timer = setTimeout(
    () => child.kill('SIGKILL'),
    options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
  );
  const done = new Promise<McResult>((resolveDone, rejectDone) => {
    child.on('error', rejectDone);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolveDone({ exitCode, signal, stdout, stderr });
    });
  });

  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Runs `mc args...` to the end. */
export function runMc(args: readonly string[], options: McRunOptions): Promise<McResult> {
  return startMc(args, options).done;
}

function childEnv(options: McRunOptions): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('MC_') && name !== 'MASTERCLAW_HOME' && name !== 'FORCE_COLOR',
    ),
  );

  return {
    ...inherited,
    NO_COLOR: '1',
    MASTERCLAW_HOME: options.home,
    ...(options.coreUrl === undefined ? {} : { MC_CORE_URL: options.coreUrl }),
    ...options.env,
  };
}

/** A fresh, empty `MASTERCLAW_HOME` and the function that removes it. */
export function createMcHome(): { home: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), 'mc-e2e-home-'));

  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** One entry of `mc audit show --json`, with the fields these tests read. */
export interface AuditEntryView {
  outcome: string;
  correlationId: string;
  method?: string;
  url?: string;
  status?: number;
  attempt?: number;
  errorCode?: string;
  event?: string;
  reason?: string;
}

/** Reads the audit log of `home` through `mc audit show --json`. */
export async function readAudit(home: string): Promise<AuditEntryView[]> {
  const result = await runMc(['audit', 'show', '--json'], { home });
  if (result.exitCode !== 0) {
    throw new Error(`mc audit show failed (${String(result.exitCode)}): ${result.stderr}`);
  }

  return JSON.parse(result.stdout) as AuditEntryView[];
}
