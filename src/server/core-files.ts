/**
 * The embedded Core's files under `MASTERCLAW_HOME/core/`: the database, the log, and
 * the runtime file that says which process serves which port. The runtime file exists
 * only while a Core is listening; a file left by a dead process is removed on sight.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import type { HomePaths } from '../config/paths.js';
import { writeFileAtomic } from '../util/private-files.js';

export interface CoreFiles {
  database: string;
  log: string;
  runtime: string;
  /** Held while a start checks for a running Core and spawns one, so two starts cannot race. */
  startLock: string;
}

export function coreFiles(paths: HomePaths): CoreFiles {
  return {
    database: join(paths.coreDir, 'core.db'),
    log: join(paths.coreDir, 'core.log'),
    runtime: join(paths.coreDir, 'core.json'),
    startLock: join(paths.coreDir, 'start'),
  };
}

const coreRuntimeSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65_535),
  url: z.string(),
  startedAt: z.string(),
});

/** What a listening Core records about itself. */
export type CoreRuntime = z.infer<typeof coreRuntimeSchema>;

export function writeCoreRuntime(paths: HomePaths, runtime: CoreRuntime): void {
  writeFileAtomic(coreFiles(paths).runtime, `${JSON.stringify(runtime, null, 2)}\n`);
}

/**
 * Reads the runtime file of a live Core. Returns undefined when there is none, and
 * removes a file that is unreadable or names a process that is gone.
 * NOTE: a pid reused by an unrelated process after a crash still reads as a live Core.
 */
export function readCoreRuntime(paths: HomePaths): CoreRuntime | undefined {
  const file = coreFiles(paths).runtime;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }

  const runtime = parseRuntime(text);
  if (runtime === undefined || !isProcessAlive(runtime.pid)) {
    rmSync(file, { force: true });
    return undefined;
  }

  return runtime;
}

/** Removes the runtime file when it still belongs to `pid`. */
export function clearCoreRuntime(paths: HomePaths, pid?: number): void {
  const file = coreFiles(paths).runtime;
  if (pid !== undefined) {
    const current = safeRead(file);
    if (current !== undefined && parseRuntime(current)?.pid !== pid) {
      return;
    }
  }

  rmSync(file, { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseRuntime(text: string): CoreRuntime | undefined {
  try {
    const result = coreRuntimeSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
