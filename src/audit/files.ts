/**
 * Where the audit log lives inside its folder. New entries go to `audit.jsonl`. When it
 * is full, it becomes `audit.1.jsonl`, the older ones shift up (`audit.1` to `audit.2`,
 * ...), and the oldest beyond the file limit is deleted. A higher number is older.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const ACTIVE_FILE_NAME = 'audit.jsonl';

const LOG_FILE_PATTERN = /^audit(?:\.([1-9][0-9]*))?\.jsonl$/;

/** Bytes read from the end of a file to find its last line; entries are far shorter. */
const TAIL_BYTES = 64 * 1024;

export interface AuditLayout {
  auditDir: string;
  keyFile: string;
  headFile: string;
  /** Path given to the file lock; the lock itself is the folder `<lockTarget>.lock`. */
  lockTarget: string;
}

export interface LogFile {
  /** 0 for the active file, n for `audit.n.jsonl`. */
  index: number;
  path: string;
}

export function auditLayout(auditDir: string, keyFile?: string): AuditLayout {
  return {
    auditDir,
    keyFile: keyFile ?? join(auditDir, 'audit.key'),
    headFile: join(auditDir, 'audit.head.json'),
    lockTarget: join(auditDir, 'audit'),
  };
}

export function logFilePath(auditDir: string, index: number): string {
  return join(auditDir, index === 0 ? ACTIVE_FILE_NAME : `audit.${index}.jsonl`);
}

/** Lists the log files, oldest first. A missing folder has none. */
export function listLogFiles(auditDir: string): LogFile[] {
  let names: string[];
  try {
    names = readdirSync(auditDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }

  const files: LogFile[] = [];
  for (const name of names) {
    const match = LOG_FILE_PATTERN.exec(name);
    if (match !== null) {
      files.push({
        index: match[1] === undefined ? 0 : Number(match[1]),
        path: join(auditDir, name),
      });
    }
  }

  return files.sort((a, b) => b.index - a.index);
}

export interface FileTail {
  size: number;
  /** The last complete line, without its newline; undefined when the file has none. */
  lastLine: string | undefined;
  /** False when the file ends in the middle of a line, as after a crash during a write. */
  endsWithNewline: boolean;
}

/** Reads the end of `path` only, so an append costs the same however long the file is. */
export function readTail(path: string): FileTail {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { size: 0, lastLine: undefined, endsWithNewline: true };
    }
    throw error;
  }

  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);

    const text = buffer.toString('utf8');
    const endsWithNewline = size === 0 || text.endsWith('\n');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((line) => line !== '');

    return { size, lastLine: lines.at(-1), endsWithNewline };
  } finally {
    closeSync(fd);
  }
}
