/**
 * Correlation IDs tie together every audit entry and verbose message of one `mc`
 * command. Each command gets one ID, either generated (`mc_<time>_<random>`) or taken
 * from `MC_CORRELATION_ID`, so a caller can follow its own ID through the audit log.
 * Sub-operations (each item of a bulk delete, for example) get child IDs derived
 * from the command's ID.
 *
 * Every ID, generated, supplied or derived, follows one rule: 1 to 64 characters
 * from `[A-Za-z0-9_-]`. IDs are safe to print, log and send as a header value.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';

import { UsageError } from '../errors/errors.js';
import type { Clock } from './clock.js';

export const CORRELATION_ID_MAX_LENGTH = 64;

export const CORRELATION_ID_ENV = 'MC_CORRELATION_ID';

const CORRELATION_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Random bytes in a generated ID: 6 bytes, 12 hex digits, so two commands in one millisecond differ. */
const RANDOM_PART_BYTES = 6;

export interface CreateCorrelationIdOptions {
  /** Environment that may set `MC_CORRELATION_ID`. */
  env: NodeJS.ProcessEnv;
  /** Supplies the time part of a generated ID. */
  clock: Pick<Clock, 'now'>;
  /** Source of the random part. Defaults to `crypto.randomBytes`. */
  randomBytes?: (size: number) => Uint8Array;
}

export function isValidCorrelationId(id: string): boolean {
  return (
    id.length >= 1 && id.length <= CORRELATION_ID_MAX_LENGTH && CORRELATION_ID_PATTERN.test(id)
  );
}

/**
 * Returns the command's correlation ID: `MC_CORRELATION_ID` when it is set, otherwise
 * `mc_<epoch ms in base 36>_<12 random hex digits>`.
 *
 * @throws UsageError when `MC_CORRELATION_ID` is set (even to an empty string) but breaks
 *   the rule. The message gives the length, never the value, because the variable may
 *   hold anything, terminal escape sequences included.
 */
export function createCorrelationId(options: CreateCorrelationIdOptions): string {
  const supplied = options.env[CORRELATION_ID_ENV];
  if (supplied !== undefined) {
    if (!isValidCorrelationId(supplied)) {
      throw new UsageError(
        `${CORRELATION_ID_ENV} is invalid: it must be 1 to ${CORRELATION_ID_MAX_LENGTH} characters ` +
          `from A-Z, a-z, 0-9, '_' and '-' (got ${supplied.length} characters). ` +
          `Unset it to let mc generate an ID.`,
      );
    }
    return supplied;
  }

  const randomBytes = options.randomBytes ?? cryptoRandomBytes;
  const time = Math.max(0, Math.trunc(options.clock.now())).toString(36);
  const random = Buffer.from(randomBytes(RANDOM_PART_BYTES)).toString('hex');

  return `mc_${time}_${random}`;
}

/**
 * Returns the ID of sub-operation `index` of `parent`: `<parent>-<index>`. When that
 * would exceed 64 characters (only possible with a long supplied parent ID), the end
 * of the parent is cut so the suffix survives; the start of the parent stays searchable.
 *
 * @throws RangeError when `parent` is not a valid ID or `index` is not a non-negative integer.
 */
export function childCorrelationId(parent: string, index: number): string {
  if (!isValidCorrelationId(parent)) {
    throw new RangeError(`Invalid parent correlation ID (length ${parent.length})`);
  }

  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`Child correlation index must be a non-negative integer, got ${index}`);
  }

  const suffix = `-${index}`;
  const room = CORRELATION_ID_MAX_LENGTH - suffix.length;

  return `${parent.slice(0, room)}${suffix}`;
}
