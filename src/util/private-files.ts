/**
 * Files that only the user may read: config, audit log, circuit state, journals.
 * Folders are created with mode 0700 and files with 0600; writes that replace a
 * whole file go through a temporary file and a rename, so a reader sees the old
 * content or the new one, never half of each, even after a crash.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

import lockfile from 'proper-lockfile';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Replaces `path` with `content` atomically; the data is on disk before the rename. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  ensurePrivateDir(dirname(path));
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

  try {
    const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Age after which a lock counts as abandoned by a process that died holding it. The
 * holder refreshes its lock every half of this, so a slow writer keeps it; a waiter
 * retries for longer than this, so a dead holder never makes it give up.
 */
const LOCK_STALE_MS = 5_000;

/**
 * Runs `action` while holding an exclusive lock on `path` (the file need not exist).
 * Waits briefly for another process to release it; a lock left by a dead process
 * is taken over once it is stale.
 */
export async function withFileLock<T>(path: string, action: () => T | Promise<T>): Promise<T> {
  ensurePrivateDir(dirname(path));
  const release = await lockfile.lock(path, {
    realpath: false,
    stale: LOCK_STALE_MS,
    retries: { retries: 80, minTimeout: 10, maxTimeout: 100, factor: 1.5 },
  });

  try {
    return await action();
  } finally {
    await release();
  }
}
