/**
 * `mc core seed --sessions N --messages M --stale-ratio R [--random-seed S]`: fills the
 * embedded Core's database with generated sessions, a fraction of them older than
 * 30 days. It writes straight to the SQLite file, so it works whether the Core runs or not.
 */
import type { HomePaths } from '../../../config/paths.js';
import { UsageError } from '../../../errors/errors.js';
import { coreFiles } from '../../../server/core-files.js';
import { seededRandom } from '../../../server/seed.js';
import { CoreStore } from '../../../server/store.js';
import { ensurePrivateDir } from '../../../util/private-files.js';
import type { CommandIO } from '../../io.js';
import { plural } from '../../render/time.js';

export const DEFAULT_SEED_SESSIONS = 1_000;
export const DEFAULT_SEED_MESSAGES = 5;
export const DEFAULT_SEED_STALE_RATIO = 0.3;
export const MAX_SEED_SESSIONS = 1_000_000;
export const MAX_SEED_MESSAGES = 1_000;
/** Cap on sessions × messages, so one command cannot fill the disk by accident. */
export const MAX_SEED_MEMORIES = 10_000_000;

export interface CoreSeedOptions {
  /** Sessions to create, 1 to `MAX_SEED_SESSIONS`; default `DEFAULT_SEED_SESSIONS`. */
  sessions: number;
  /** Messages per session, 1 to `MAX_SEED_MESSAGES`; default `DEFAULT_SEED_MESSAGES`. */
  messages: number;
  /** Fraction of sessions, 0 to 1, last active more than 30 days ago; default `DEFAULT_SEED_STALE_RATIO`. */
  staleRatio: number;
  /** Integer seed that makes the generated content and dates repeatable. Default: random. */
  randomSeed?: number | undefined;
}

export async function runCoreSeed(
  options: CoreSeedOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  checkSeedOptions(options);

  ensurePrivateDir(paths.coreDir);
  const store = CoreStore.open(coreFiles(paths).database);
  try {
    const summary = store.seed({
      sessions: options.sessions,
      messages: options.messages,
      staleRatio: options.staleRatio,
      random: options.randomSeed === undefined ? Math.random : seededRandom(options.randomSeed),
      now: io.clock.now(),
    });
    io.stdout.write(
      `Seeded ${plural(summary.sessions, 'session')} (${summary.staleSessions} older than 30 days, ${plural(summary.memories, 'message')}) into ${store.path}\n`,
    );
  } finally {
    store.close();
  }
}

export function checkSeedOptions(options: CoreSeedOptions): void {
  checkInteger('--sessions', options.sessions, 1, MAX_SEED_SESSIONS);
  checkInteger('--messages', options.messages, 1, MAX_SEED_MESSAGES);
  if (!(options.staleRatio >= 0 && options.staleRatio <= 1)) {
    throw new UsageError(
      `Invalid --stale-ratio ${String(options.staleRatio)}: expected a number from 0 to 1`,
    );
  }
  if (options.randomSeed !== undefined) {
    checkInteger('--random-seed', options.randomSeed, 0, 2 ** 32 - 1);
  }
  if (options.sessions * options.messages > MAX_SEED_MEMORIES) {
    throw new UsageError(
      `Too many messages: --sessions × --messages is ${options.sessions * options.messages}, the maximum is ${MAX_SEED_MEMORIES}`,
    );
  }
}

function checkInteger(flag: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `Invalid ${flag} ${String(value)}: expected an integer from ${min} to ${max}`,
    );
  }
}
