/**
 * Datetimes as the Core writes them: ISO 8601 in UTC with no offset, the way pydantic
 * serialises a naive value (`2026-03-01T12:30:05.123456`, or without the fraction when
 * it is zero). A value without an offset is UTC whatever the local time zone, so it
 * must never reach `new Date(string)` as it is: that would read it as local time.
 */

const CORE_DATETIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a Core datetime to epoch milliseconds; returns undefined for anything else. */
export function parseCoreDatetime(text: string): number | undefined {
  const match = CORE_DATETIME_PATTERN.exec(text);
  if (match === null) {
    return undefined;
  }

  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const milliseconds = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    milliseconds,
  );
  if (Number.isNaN(utc)) {
    return undefined;
  }

  return utc - offsetMilliseconds(offset);
}

function offsetMilliseconds(offset: string | undefined): number {
  if (offset === undefined || offset === 'Z') {
    return 0;
  }

  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  return sign * (hours * 60 + minutes) * 60_000;
}

/** Formats epoch milliseconds the way the Core does: naive UTC with microseconds. */
export function formatCoreDatetime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 23)}000`;
}
