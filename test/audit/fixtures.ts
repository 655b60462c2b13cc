/** Shared set-up for the audit tests: temporary folders, a settable clock, buffer-backed IO. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterEach } from 'vitest';

import type { AuditEntryInput } from '../../src/audit/entry.js';
import type { CommandIO } from '../../src/cli/io.js';
import { homePaths, type HomePaths } from '../../src/config/paths.js';

const created: string[] = [];

afterEach(() => {
  for (const dir of created.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

export function temporaryHome(): HomePaths {
  const home = mkdtempSync(join(tmpdir(), 'mc-audit-'));
  created.push(home);
  return homePaths(home);
}

export class SettableClock {
  constructor(public time = Date.parse('2026-12-01T10:00:00Z')) {}

  now(): number {
    return this.time;
  }

  async sleep(): Promise<void> {}
}

export function callEntry(n: number, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    correlationId: 'mc_test_0001',
    method: 'GET',
    url: `http://127.0.0.1:8080/sessions/s${n}`,
    status: 200,
    attempt: 1,
    durationMs: 12,
    outcome: 'success',
    ...overrides,
  };
}

export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

export function writeLines(path: string, lines: string[]): void {
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
}

export interface CapturedIO {
  io: CommandIO;
  stdout: () => string;
  stderr: () => string;
}

export function captureIO(clock: SettableClock): CapturedIO {
  let out = '';
  let err = '';
  const io: CommandIO = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: new PassThrough(),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    color: false,
    columns: 80,
    clock,
    env: {},
    verbose: false,
    prompter: undefined,
    signal: new AbortController().signal,
  };
  return { io, stdout: () => out, stderr: () => err };
}
