/**
 * Times for people. The Core's datetimes are UTC without an offset; they are parsed
 * as UTC (src/contract/datetime.ts) and shown either relative to now or as a UTC clock
 * time with its zone written out, so the output is the same in every `TZ`.
 */
import { parseCoreDatetime } from '../../contract/datetime.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** "just now", "5 minutes ago", "3 hours ago", "12 days ago"; "in 2 minutes" for a clock that is behind. */
export function formatRelative(epochMs: number, now: number): string {
  const difference = now - epochMs;
  const magnitude = Math.abs(difference);
  if (magnitude < MINUTE_MS) {
    return 'just now';
  }

  const phrase = describeSpan(magnitude);
  return difference >= 0 ? `${phrase} ago` : `in ${phrase}`;
}

function describeSpan(spanMs: number): string {
  if (spanMs < HOUR_MS) {
    return plural(Math.floor(spanMs / MINUTE_MS), 'minute');
  }

  if (spanMs < DAY_MS) {
    return plural(Math.floor(spanMs / HOUR_MS), 'hour');
  }

  return plural(Math.floor(spanMs / DAY_MS), 'day');
}

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** "2026-03-01 12:30:05 UTC". */
export function formatUtc(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Formats a Core datetime for a table: relative on a terminal, the UTC clock time otherwise. */
export function formatCoreTime(text: string, now: number, relative: boolean): string {
  const epochMs = parseCoreDatetime(text);
  if (epochMs === undefined) {
    return '?';
  }

  return relative ? formatRelative(epochMs, now) : formatUtc(epochMs);
}

/** "42 minutes", "3.5 hours", "2 days" for a duration in minutes. */
export function formatDurationMinutes(minutes: number): string {
  if (minutes < 60) {
    return plural(Math.round(minutes), 'minute');
  }

  if (minutes < 24 * 60) {
    return `${(minutes / 60).toFixed(1)} hours`;
  }

  return `${(minutes / (24 * 60)).toFixed(1)} days`;
}
