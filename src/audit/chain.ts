/**
 * The keyed hash chain behind the audit log. Each entry's `mac` is
 * HMAC-SHA256(key, previous mac + "\n" + canonical JSON of the entry without `mac`),
 * so changing, removing, inserting or reordering an entry breaks the chain at that
 * entry. The first entry ever written chains to the empty string.
 *
 * The head record (`audit.head.json`) stores, under its own MAC, the first and last
 * `seq` still in the log, the mac the first entry chains to, and the last entry's mac.
 * It lets verify notice entries cut from either end, which the chain alone cannot show.
 *
 * NOTE: anyone who can read the key file can rewrite the whole log and head record into a
 * new valid chain, and someone who saved an old copy of the head record can put it
 * back after cutting newer entries, so an entry appended after that copy can be
 * removed unnoticed. Only a copy of the head kept off this machine would catch either.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { openSync, closeSync, readFileSync, writeSync, fsyncSync } from 'node:fs';

import { StateError } from '../errors/errors.js';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../util/private-files.js';

const KEY_BYTES = 32;

const KEY_PATTERN = /^[0-9a-f]{64}$/;

const MAC_PATTERN = /^[0-9a-f]{64}$/;

/** The mac the first entry of a new log chains to. */
export const GENESIS_MAC = '';

export interface ChainHead {
  /** `seq` of the oldest entry still on disk; 1 until rotation drops the oldest file. */
  firstSeq: number;
  /** The mac the oldest entry on disk chains to: empty at first, then the last mac of the dropped file. */
  anchorMac: string;
  /** `seq` of the newest entry; 0 when the log is empty. */
  lastSeq: number;
  /** Mac of the newest entry, or `anchorMac` when the log is empty. */
  lastMac: string;
}

/** JSON with object keys sorted, so the same entry always hashes to the same bytes. */
export function canonicalJson(value: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    sorted[key] = value[key];
  }
  return JSON.stringify(sorted);
}

export function computeEntryMac(
  key: Buffer,
  previousMac: string,
  entry: Record<string, unknown>,
): string {
  return createHmac('sha256', key)
    .update(`${previousMac}\n${canonicalJson(entry)}`)
    .digest('hex');
}

function computeHeadMac(key: Buffer, head: ChainHead): string {
  const text = `head\n${head.firstSeq}\n${head.anchorMac}\n${head.lastSeq}\n${head.lastMac}`;
  return createHmac('sha256', key).update(text).digest('hex');
}

/** Compares two hex macs in constant time. */
export function macsEqual(expected: string, actual: unknown): boolean {
  if (typeof actual !== 'string' || actual.length !== expected.length) {
    return false;
  }
  return timingSafeEqual(Buffer.from(expected), Buffer.from(actual));
}

/** Reads the key from `path`, or undefined when the file does not exist. */
export function readKey(path: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }

  if (!KEY_PATTERN.test(text)) {
    throw new StateError(
      `Audit key file ${path} is not 64 hex digits; the log cannot be verified with it`,
    );
  }
  return Buffer.from(text, 'hex');
}

/**
 * Returns the key in `path`, creating it (32 random bytes, hex, mode 0600) when missing.
 * Callers hold the audit lock, and `wx` keeps a racing process from replacing a key.
 */
export function readOrCreateKey(path: string): Buffer {
  const existing = readKey(path);
  if (existing !== undefined) {
    return existing;
  }

  const key = randomBytes(KEY_BYTES);
  const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, `${key.toString('hex')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

/**
 * Reads the head record. Returns undefined when the file does not exist.
 *
 * @throws StateError when the record is malformed or its MAC does not match.
 */
export function readHead(path: string, key: Buffer): ChainHead | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StateError(`Audit head record ${path} is not valid JSON`);
  }

  const head = parseHead(parsed);
  const record = parsed as { mac?: unknown };
  if (head === undefined || !macsEqual(computeHeadMac(key, head), record.mac)) {
    throw new StateError(`Audit head record ${path} was altered or damaged`);
  }
  return head;
}

function parseHead(value: unknown): ChainHead | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }

  const { firstSeq, anchorMac, lastSeq, lastMac } = value as Record<string, unknown>;
  const validSeqs =
    Number.isSafeInteger(firstSeq) && Number.isSafeInteger(lastSeq) && (firstSeq as number) >= 1;
  const validMacs = isChainMac(anchorMac) && isChainMac(lastMac);

  return validSeqs && validMacs
    ? ({ firstSeq, anchorMac, lastSeq, lastMac } as ChainHead)
    : undefined;
}

function isChainMac(value: unknown): value is string {
  return value === GENESIS_MAC || (typeof value === 'string' && MAC_PATTERN.test(value));
}

export function writeHead(path: string, key: Buffer, head: ChainHead): void {
  const record = { ...head, mac: computeHeadMac(key, head) };
  writeFileAtomic(path, `${JSON.stringify(record)}\n`);
}
