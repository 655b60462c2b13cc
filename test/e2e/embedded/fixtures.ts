/**
 * Shared setup of the end-to-end tests: an embedded Core that counts the requests it
 * receives, sessions stored with known times, and temporary `MASTERCLAW_HOME` folders.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { exitCodeOf, type ExitCodeName } from '../../../src/cli/failure.js';
import { CHAT_INTERACTION_TYPE } from '../../../src/contract/schemas.js';
import type { CoreStore } from '../../../src/server/store.js';
import { startTestCore, type TestCore, type TestCoreOptions } from '../../helpers/embedded-core.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface CountingCore extends TestCore {
  /** Requests the Core has received so far, rejected ones included. */
  requestCount(): number;
}

/**
 * Starts the test Core with its request log on, and counts the "incoming request" lines
 * that fastify writes for every request before any hook or route runs.
 */
export async function startCountingCore(
  options: Omit<TestCoreOptions, 'logStream'> = {},
): Promise<CountingCore> {
  let count = 0;
  let pending = '';
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      count += lines.filter((line) => line.includes('"msg":"incoming request"')).length;
      callback();
    },
  });

  const core = await startTestCore({ ...options, logStream });
  return { ...core, requestCount: () => count };
}

export interface SessionSpec {
  id: string;
  /** Time of the first message, epoch milliseconds. */
  start: number;
  /** Messages in the session. Default: 1. */
  messages?: number;
  /** Gap between consecutive messages. Default: 10 minutes. */
  gapMs?: number;
  /** `source` of every message. Default: `'chat'`. */
  source?: string;
}

/** Chat content of message `index` of session `id`, in the Core's `User:`/`Assistant:` form. */
export function chatContent(id: string, index: number): string {
  return `User: question ${index + 1} of ${id}\nAssistant: answer ${index + 1} of ${id}`;
}

/** Stores the session's messages straight into the Core's database, oldest first. */
export function addSession(store: CoreStore, spec: SessionSpec): void {
  const messages = spec.messages ?? 1;
  const gapMs = spec.gapMs ?? 10 * MINUTE_MS;
  for (let index = 0; index < messages; index++) {
    store.addMemory({
      content: chatContent(spec.id, index),
      metadata: { session_id: spec.id, type: CHAT_INTERACTION_TYPE },
      source: spec.source ?? 'chat',
      timestamp: spec.start + index * gapMs,
    });
  }
}

/** Time of the last message of a session stored by `addSession`. */
export function lastActiveOf(spec: SessionSpec): number {
  return spec.start + ((spec.messages ?? 1) - 1) * (spec.gapMs ?? 10 * MINUTE_MS);
}

/** Formats a time the way the Core does, naive UTC: `2026-03-01T12:30:05.123000`. */
export function coreTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}000`;
}

/** Formats a time the way `mc` tables and message headers do: `2026-03-01 12:30:05 UTC`. */
export function tableTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function exitCode(name: ExitCodeName): number {
  return exitCodeOf(name);
}

/** Creates an empty temporary folder, which `removeTempDirs` deletes later. */
export function makeTempDir(prefix = 'mc-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

const tempDirs: string[] = [];

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lists every file below `dir`, as sorted paths relative to it. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Lists the session ids stored in the Core, sorted. */
export function storedSessionIds(store: CoreStore): string[] {
  return store
    .listSessions({ limit: 1_000_000, offset: 0 })
    .sessions.map((session) => session.sessionId)
    .sort();
}
