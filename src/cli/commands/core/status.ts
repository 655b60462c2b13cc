/**
 * `mc core status [--json]`: whether the embedded Core runs, where, and how many
 * sessions its database holds. The database is opened read-only, so this works
 * whether the Core runs or not and never changes it.
 */
import type { HomePaths } from '../../../config/paths.js';
import { coreFiles } from '../../../server/core-files.js';
import { readCoreRuntime } from '../../../server/runtime.js';
import { readStoreTotals } from '../../../server/store.js';
import type { CommandIO } from '../../io.js';

export interface CoreStatusOptions {
  /** Print one JSON object instead of text. Default false. */
  json: boolean;
}

export interface CoreStatus {
  running: boolean;
  url: string | null;
  pid: number | null;
  startedAt: string | null;
  database: string;
  /** Null when the database does not exist yet. */
  sessions: number | null;
  messages: number | null;
}

export function readCoreStatus(paths: HomePaths): CoreStatus {
  const runtime = readCoreRuntime(paths);
  const database = coreFiles(paths).database;
  const totals = readStoreTotals(database);
  return {
    running: runtime !== undefined,
    url: runtime?.url ?? null,
    pid: runtime?.pid ?? null,
    startedAt: runtime?.startedAt ?? null,
    database,
    sessions: totals?.sessions ?? null,
    messages: totals?.messages ?? null,
  };
}

export async function runCoreStatus(
  options: CoreStatusOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  const status = readCoreStatus(paths);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }

  io.stdout.write(statusText(status));
}

function statusText(status: CoreStatus): string {
  const state = status.running
    ? `Embedded Core: running at ${status.url} (pid ${status.pid}, since ${status.startedAt})`
    : 'Embedded Core: not running';
  const contents =
    status.sessions === null
      ? `Database: ${status.database} (not created yet)`
      : `Database: ${status.database} (${status.sessions} sessions, ${status.messages} messages)`;
  return `${state}\n${contents}\n`;
}
