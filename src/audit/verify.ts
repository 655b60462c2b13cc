/**
 * Checks the audit log against its keyed hash chain and head record, and reports the
 * first place where it breaks: the file, the 1-based line and the `seq` expected there.
 */
import { existsSync, readFileSync } from 'node:fs';

import { isMcError } from '../errors/errors.js';
import { withFileLock } from '../util/private-files.js';
import {
  GENESIS_MAC,
  computeEntryMac,
  macsEqual,
  readHead,
  readKey,
  type ChainHead,
} from './chain.js';
import { RECORD_FIELDS } from './entry.js';
import { auditLayout, listLogFiles, logFilePath, type AuditLayout } from './files.js';

export interface VerifyAuditLogOptions {
  auditDir: string;
  /** Default: `<auditDir>/audit.key`, as for `openAuditLog`. */
  keyFile?: string;
}

export type AuditVerifyResult =
  | { ok: true; entries: number; files: number }
  | {
      ok: false;
      /** The log file where the chain breaks, or the key or head file when that is the problem. */
      file: string;
      /** 1-based line in `file`; 0 when the problem is not on a line. */
      line: number;
      /** The `seq` expected at that place. */
      seq: number;
      reason: string;
    };

type Failure = Extract<AuditVerifyResult, { ok: false }>;

interface ChainCursor {
  /** `seq` the next entry must have; undefined before the first entry when there is no head. */
  expectedSeq: number | undefined;
  previousMac: string | undefined;
  entries: number;
}

export async function verifyAuditLog(options: VerifyAuditLogOptions): Promise<AuditVerifyResult> {
  const layout = auditLayout(options.auditDir, options.keyFile);
  if (listLogFiles(layout.auditDir).length === 0 && !existsSync(layout.headFile)) {
    return { ok: true, entries: 0, files: 0 };
  }

  return withFileLock(layout.lockTarget, () => verifyLocked(layout));
}

function verifyLocked(layout: AuditLayout): AuditVerifyResult {
  const files = listLogFiles(layout.auditDir);
  const key = readKey(layout.keyFile);
  if (key === undefined) {
    return { ok: false, file: layout.keyFile, line: 0, seq: 0, reason: 'the key file is missing' };
  }

  const head = readHeadOrProblem(layout.headFile, key);
  const known = typeof head === 'string' ? undefined : head;
  const cursor: ChainCursor = {
    expectedSeq: known?.firstSeq,
    previousMac: known?.anchorMac,
    entries: 0,
  };

  for (const file of files) {
    const failure = verifyFile(file.path, key, known, cursor);
    if (failure !== undefined) {
      return failure;
    }
  }

  if (typeof head === 'string') {
    return { ok: false, file: layout.headFile, line: 0, seq: 0, reason: head };
  }

  const lastSeq = (cursor.expectedSeq ?? head.firstSeq) - 1;
  if (lastSeq < head.lastSeq) {
    const lastFile = files.at(-1)?.path ?? logFilePath(layout.auditDir, 0);
    return {
      ok: false,
      file: lastFile,
      line: countLines(lastFile) + 1,
      seq: lastSeq + 1,
      reason: `the log ends at seq ${lastSeq} but the head record says ${head.lastSeq}: entries were removed from the end`,
    };
  }

  return { ok: true, entries: cursor.entries, files: files.length };
}

/** Returns the head, or a sentence saying why it cannot be used. */
function readHeadOrProblem(path: string, key: Buffer): ChainHead | string {
  try {
    return (
      readHead(path, key) ??
      'the head record is missing, so entries removed from the end would go unnoticed'
    );
  } catch (error) {
    if (isMcError(error)) {
      return 'the head record was altered or damaged';
    }
    throw error;
  }
}

function verifyFile(
  path: string,
  key: Buffer,
  head: ChainHead | undefined,
  cursor: ChainCursor,
): Failure | undefined {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop();

  for (const [index, line] of lines.entries()) {
    const problem = checkEntry(line, key, head, cursor);
    if (problem !== undefined) {
      return {
        ok: false,
        file: path,
        line: index + 1,
        seq: cursor.expectedSeq ?? 0,
        reason: problem,
      };
    }
  }

  if (last !== undefined && last !== '') {
    const seq = cursor.expectedSeq ?? 0;
    return {
      ok: false,
      file: path,
      line: lines.length + 1,
      seq,
      reason: 'the last line is incomplete',
    };
  }
  return undefined;
}

/** Checks one line and advances the cursor; returns why the line breaks the chain, if it does. */
function checkEntry(
  line: string,
  key: Buffer,
  head: ChainHead | undefined,
  cursor: ChainCursor,
): string | undefined {
  const record = parseObject(line);
  if (record === undefined) {
    return 'the line is not a JSON object';
  }

  const foreign = Object.keys(record).find((field) => !RECORD_FIELDS.has(field));
  if (foreign !== undefined) {
    return `the entry has a field that entries never have (${JSON.stringify(foreign.slice(0, 40))})`;
  }

  const { mac, ...fields } = record;
  const seq = fields.seq;
  if (!Number.isSafeInteger(seq) || typeof mac !== 'string') {
    return 'the entry lacks a valid seq or mac';
  }

  const expected = cursor.expectedSeq ?? (seq as number);
  if (seq !== expected) {
    return (seq as number) < expected
      ? `found seq ${seq} where ${expected} belongs: an entry was inserted, duplicated or moved`
      : `found seq ${seq} where ${expected} belongs: an entry was deleted or moved`;
  }

  // Without a head record the oldest entry's predecessor is unknown unless it is the very first.
  const previousMac = cursor.previousMac ?? (expected === 1 ? GENESIS_MAC : undefined);
  if (previousMac !== undefined && !macsEqual(computeEntryMac(key, previousMac, fields), mac)) {
    return 'the mac does not match: the entry was altered, or the entry before it was replaced';
  }

  if (head !== undefined && expected === head.lastSeq && !macsEqual(head.lastMac, mac)) {
    return 'the entry differs from the one the head record names as newest';
  }

  cursor.expectedSeq = expected + 1;
  cursor.previousMac = mac;
  cursor.entries += 1;
  return undefined;
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function countLines(path: string): number {
  try {
    return readFileSync(path, 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
