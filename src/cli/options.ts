/**
 * Checks of option values. Commander hands every value over as text; these turn it
 * into a number or fail with a UsageError that names the option, before any request.
 */
import { UsageError } from '../errors/errors.js';
import { quote } from '../util/quote.js';

export interface IntegerRange {
  min: number;
  max: number;
}

export function parseIntegerOption(flag: string, text: string, range: IntegerRange): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new UsageError(`Invalid value for ${flag}: expected a whole number, got ${quote(text)}`);
  }

  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(
      `Invalid value for ${flag}: ${trimmed} is out of range (${range.min} to ${range.max}).`,
    );
  }

  return value;
}

export function parseOptionalInteger(
  flag: string,
  text: string | undefined,
  range: IntegerRange,
): number | undefined {
  return text === undefined ? undefined : parseIntegerOption(flag, text, range);
}

export interface PageOptions {
  limit: number;
  offset: number;
  all: boolean;
}

/**
 * Parses `-n/--limit`, `--offset` and `--all`, which every paged command shares.
 * `--all` reads every page, so it takes neither of the other two.
 */
export function parsePageOptions(
  raw: { limit?: string; offset?: string; all?: boolean },
  limitRange: IntegerRange,
  defaultLimit: number,
  items: string,
): PageOptions {
  if (raw.all === true && (raw.limit !== undefined || raw.offset !== undefined)) {
    throw new UsageError(`--all reads every ${items}; it takes neither --limit nor --offset`);
  }

  return {
    limit: parseIntegerOption('--limit', raw.limit ?? String(defaultLimit), limitRange),
    offset: parseIntegerOption('--offset', raw.offset ?? '0', {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    }),
    all: raw.all === true,
  };
}

/** Parses a fraction from 0 to 1, such as `0.3`. */
export function parseRatioOption(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*(?:0|1|0?\.\d+|[01]\.0*)\s*$/.test(text) || value < 0 || value > 1) {
    throw new UsageError(
      `Invalid value for ${flag}: expected a number from 0 to 1, got ${quote(text)}`,
    );
  }

  return value;
}

export function parseChoice<T extends string>(
  flag: string,
  text: string,
  choices: readonly T[],
): T {
  if ((choices as readonly string[]).includes(text)) {
    return text as T;
  }

  throw new UsageError(
    `Invalid value for ${flag}: expected one of ${choices.join(', ')}, got ${quote(text)}`,
  );
}
