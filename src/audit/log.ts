/**
 * Appends entries to the audit log: JSON lines under the audit folder, each chained to
 * the one before by a keyed hash (see chain.ts), rotated by size (see files.ts).
 *
 * Several `mc` processes may append at once. Each append takes the audit lock, reads
 * the head record, writes its line with one `write` and `fdatasync`, and updates the
 * head before releasing the lock, so lines never interleave and the chain never forks.
 */
import {
  closeSync,
  fdatasyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';

import { StateError, isMcError } from '../errors/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir, withFileLock } from '../util/private-files.js';
import {
  GENESIS_MAC,
  canonicalJson,
  computeEntryMac,
  macsEqual,
  readHead,
  readOrCreateKey,
  writeHead,
  type ChainHead,
} from './chain.js';
import { sanitizeEntry, type AuditEntryInput, type AuditRecord } from './entry.js';
import { auditLayout, listLogFiles, logFilePath, readTail, type AuditLayout } from './files.js';

/** 5 MiB: an estimated 20,000 entries per file, at about 260 bytes per entry. */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The active file plus four rotated ones, so at most about 25 MiB on disk. */
export const DEFAULT_MAX_FILES = 5;

export interface AuditLogOptions {
  /** Folder of the log, usually `homePaths(home).auditDir`. Created with mode 0700. */
  auditDir: string;
  /** File of the chain key, created with mode 0600 on first append. Default: `<auditDir>/audit.key`. */
  keyFile?: string;
  /** Supplies the entry times. Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
  /** Size at which the active file is rotated. Default: `DEFAULT_MAX_FILE_BYTES`. */
  maxFileBytes?: number;
  /** Files kept, the active one included; older ones are deleted. Default: `DEFAULT_MAX_FILES`. */
  maxFiles?: number;
}

export interface AuditLog {
  /**
   * Appends one entry. Only allow-listed fields are kept (see entry.ts); the time,
   * `seq` and `mac` are added here.
   *
   * Rejects with `StateError` when the log cannot be written (full disk, lock held
   * too long, unreadable key) and with `TypeError` when the entry lacks a valid
   * `correlationId` or `outcome`. The caller decides what to do; the CLI prints a
   * warning and still delivers the command's result.
   */
  append(entry: AuditEntryInput): Promise<void>;

  /**
   * Appends several entries in order under one lock, with one write and one sync:
   * the way to record a burst of requests without a disk sync for each.
   */
  appendMany(entries: readonly AuditEntryInput[]): Promise<void>;
}

interface ResolvedOptions {
  layout: AuditLayout;
  clock: Pick<Clock, 'now'>;
  maxFileBytes: number;
  maxFiles: number;
}

export function openAuditLog(options: AuditLogOptions): AuditLog {
  const resolved = resolveOptions(options);

  const appendMany = async (inputs: readonly AuditEntryInput[]): Promise<void> => {
    const entries = inputs.map(sanitizeEntry);
    if (entries.length === 0) {
      return;
    }

    try {
      ensurePrivateDir(resolved.layout.auditDir);
      await withFileLock(resolved.layout.lockTarget, () => appendLocked(resolved, entries));
    } catch (error) {
      throw asWriteFailure(resolved.layout.auditDir, error);
    }
  };

  return {
    append: (input) => appendMany([input]),
    appendMany,
  };
}

function resolveOptions(options: AuditLogOptions): ResolvedOptions {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1) {
    throw new RangeError(`maxFileBytes must be a positive integer, got ${maxFileBytes}`);
  }

  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 1) {
    throw new RangeError(`maxFiles must be a positive integer, got ${maxFiles}`);
  }

  return {
    layout: auditLayout(options.auditDir, options.keyFile),
    clock: options.clock ?? systemClock,
    maxFileBytes,
    maxFiles,
  };
}

function asWriteFailure(auditDir: string, error: unknown): Error {
  if (isMcError(error)) {
    return error;
  }

  const reason = error instanceof Error ? error.message : String(error);
  return new StateError(`Could not write the audit log in ${auditDir}: ${reason}`, {
    cause: error instanceof Error ? { name: error.name, message: error.message } : undefined,
  });
}

function appendLocked(options: ResolvedOptions, newEntries: AuditEntryInput[]): void {
  const { layout } = options;
  const key = readOrCreateKey(layout.keyFile);
  const [entry] = newEntries as [AuditEntryInput, ...AuditEntryInput[]];

  const entries: AuditEntryInput[] = [];
  let head: ChainHead;
  try {
    head =
      readHead(layout.headFile, key) ?? rebuildHead(layout.auditDir, 'missing', entry, entries);
  } catch (error) {
    if (!isMcError(error)) {
      throw error;
    }
    head = rebuildHead(layout.auditDir, 'invalid', entry, entries);
  }
  entries.push(...newEntries);

  const active = logFilePath(layout.auditDir, 0);
  const tail = readTail(active);
  head = adoptUnrecordedEntry(head, tail.lastLine, key);

  const previous = head;
  const lines: string[] = [];
  for (const item of entries) {
    const record = {
      ...item,
      seq: head.lastSeq + 1,
      time: new Date(options.clock.now()).toISOString(),
    };
    const mac = computeEntryMac(key, head.lastMac, record);
    lines.push(`${canonicalJson({ ...record, mac })}\n`);
    head = { ...head, lastSeq: record.seq, lastMac: mac };
  }
  const text = lines.join('');

  if (tail.size > 0 && tail.size + Buffer.byteLength(text) > options.maxFileBytes) {
    const rotated = rotate(options, previous);
    writeHead(layout.headFile, key, rotated);
    head = { ...head, firstSeq: rotated.firstSeq, anchorMac: rotated.anchorMac };
    appendBytes(active, Buffer.from(text));
  } else {
    // A line cut short by a crash stays visible to verify; the new line starts on its own.
    appendBytes(active, Buffer.from(tail.endsWithNewline ? text : `\n${text}`));
  }

  writeHead(layout.headFile, key, head);
}

/**
 * Rebuilds a missing or damaged head record from the log files, and queues an
 * `audit_head_rebuilt` event before `entry` so the repair stays visible in the log.
 */
function rebuildHead(
  auditDir: string,
  problem: 'missing' | 'invalid',
  entry: AuditEntryInput,
  entries: AuditEntryInput[],
): ChainHead {
  const files = listLogFiles(auditDir);
  const newest = [...files]
    .reverse()
    .map((file) => parseRecord(readTail(file.path).lastLine))
    .find(Boolean);
  if (newest === undefined) {
    return { firstSeq: 1, anchorMac: GENESIS_MAC, lastSeq: 0, lastMac: GENESIS_MAC };
  }

  entries.push({
    correlationId: entry.correlationId,
    outcome: 'event',
    event: 'audit_head_rebuilt',
    reason: `head record ${problem}`,
  });

  // NOTE: once rotation has dropped the first file, the mac the oldest entry chains to
  // is lost with the head record, so verify reports that entry until its file rotates out.
  const oldest = files[0] === undefined ? undefined : parseRecord(readFirstLine(files[0].path));
  return {
    firstSeq: oldest?.seq ?? 1,
    anchorMac: GENESIS_MAC,
    lastSeq: newest.seq,
    lastMac: newest.mac,
  };
}

/**
 * Returns the head advanced past the active file's last line when that line is the
 * entry right after the head, correctly chained: the mark of a process that died
 * between writing its line and updating the head.
 */
function adoptUnrecordedEntry(
  head: ChainHead,
  lastLine: string | undefined,
  key: Buffer,
): ChainHead {
  const record = parseRecord(lastLine);
  if (record === undefined || record.seq !== head.lastSeq + 1) {
    return head;
  }

  const { mac, ...fields } = record;
  if (!macsEqual(computeEntryMac(key, head.lastMac, fields), mac)) {
    return head;
  }
  return { ...head, lastSeq: record.seq, lastMac: mac };
}

function parseRecord(line: string | undefined): AuditRecord | undefined {
  if (line === undefined) {
    return undefined;
  }

  try {
    const value = JSON.parse(line) as AuditRecord;
    return Number.isSafeInteger(value.seq) && typeof value.mac === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function readFirstLine(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, length).toString('utf8');
    const end = text.indexOf('\n');
    return end === -1 ? undefined : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}

/**
 * Moves the active file to `audit.1.jsonl`, shifting older files up and deleting those
 * beyond `maxFiles`. Returns the head with `firstSeq` and `anchorMac` moved past the
 * deleted entries, so the oldest remaining entry still verifies.
 */
function rotate(options: ResolvedOptions, head: ChainHead): ChainHead {
  const { auditDir } = options.layout;
  let rotated = head;

  for (const file of listLogFiles(auditDir)) {
    const target = file.index + 1;
    if (target < options.maxFiles) {
      renameSync(file.path, logFilePath(auditDir, target));
      continue;
    }

    // Files come oldest first, so the last one deleted contains the newest deleted entry.
    const last =
      file.index === 0
        ? { seq: head.lastSeq, mac: head.lastMac }
        : parseRecord(readTail(file.path).lastLine);
    if (last !== undefined) {
      rotated = { ...rotated, firstSeq: last.seq + 1, anchorMac: last.mac };
    }
    rmSync(file.path, { force: true });
  }

  return rotated;
}

/** Appends with one write and waits for the data to reach the disk. */
function appendBytes(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'a', PRIVATE_FILE_MODE);
  try {
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
