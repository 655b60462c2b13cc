/**
 * Generated sessions for demos and benchmarks. Rows go straight into `memories` and
 * `sessions` with prepared statements, because the per-memory summary update of
 * `addMemory` would make 100,000 sessions take minutes instead of seconds.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

import { CHAT_INTERACTION_TYPE } from '../contract/schemas.js';
import type { Random } from '../util/clock.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** Sessions older than this many days are stale, the default age of `bulk-delete`. */
export const STALE_AFTER_DAYS = 30;

/** The oldest a generated session can be. */
const OLDEST_SESSION_DAYS = 365;

/**
 * Gap kept on both sides of the stale line, so a session generated as fresh (or stale)
 * is still classified that way by a clean-up that runs hours later.
 */
const FRESH_MARGIN_MS = DAY_MS;

/** Maximum gap between two messages of a generated session. */
const MAX_MESSAGE_GAP_MS = 15 * MINUTE_MS;

const SOURCES = ['chat', 'api', 'discord'];
const QUESTIONS = [
  'How do I rotate the API key?',
  'Summarise yesterday’s deployment notes.',
  'What is the status of the backup job?',
  'Remind me to renew the certificate.',
  'Which services restarted overnight?',
];
const REPLIES = [
  'Here is what I found in the logs.',
  'Done. I added it to your task list.',
  'The job finished without errors.',
  'Two services restarted after the update.',
  'You can do that from the settings page.',
];

export interface SeedOptions {
  /** Number of sessions to create. */
  sessions: number;
  /** Messages (memories) in each session. */
  messages: number;
  /** Fraction of sessions, 0 to 1, whose last activity is older than `STALE_AFTER_DAYS`. */
  staleRatio: number;
  /** Uniform numbers in [0, 1); a seeded one makes the content and dates repeatable. */
  random: Random;
  /** Epoch milliseconds that "older than 30 days" is measured from. */
  now: number;
}

export interface SeedSummary {
  sessions: number;
  staleSessions: number;
  memories: number;
  sessionIds: string[];
}

/** Inserts the sessions; the caller runs this inside a transaction. */
export function seedSessions(db: Database.Database, options: SeedOptions): SeedSummary {
  const insertMemory = db.prepare(
    `INSERT INTO memories (id, session_id, type, content, metadata, source, timestamp)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (session_id, created_at, last_active, message_count, sources)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const staleSessions = Math.round(options.sessions * options.staleRatio);
  const batch = `seed-${options.now.toString(36)}-${randomUUID().slice(0, 8)}`;
  const sessionIds: string[] = [];

  for (let index = 0; index < options.sessions; index++) {
    const sessionId = `${batch}-${index}`;
    const lastActive = pickLastActive(index < staleSessions, options);
    const times = messageTimes(lastActive, options.messages, options.random);
    const sources = new Set<string>();

    for (const timestamp of times) {
      const source = pick(SOURCES, options.random);
      sources.add(source);
      const metadata = JSON.stringify({ session_id: sessionId, type: CHAT_INTERACTION_TYPE });
      const content = `User: ${pick(QUESTIONS, options.random)}\nAssistant: ${pick(REPLIES, options.random)}`;
      insertMemory.run(
        randomUUID(),
        sessionId,
        CHAT_INTERACTION_TYPE,
        content,
        metadata,
        source,
        timestamp,
      );
    }

    insertSession.run(sessionId, times[0], lastActive, times.length, JSON.stringify([...sources]));
    sessionIds.push(sessionId);
  }

  return {
    sessions: options.sessions,
    staleSessions,
    memories: options.sessions * options.messages,
    sessionIds,
  };
}

/** A last-activity time: stale ones between 31 and 365 days ago, fresh ones within the last 29 days. */
function pickLastActive(stale: boolean, options: SeedOptions): number {
  const staleLine = options.now - STALE_AFTER_DAYS * DAY_MS;
  if (stale) {
    const oldest = options.now - OLDEST_SESSION_DAYS * DAY_MS;
    const newest = staleLine - FRESH_MARGIN_MS;
    return Math.floor(oldest + options.random() * (newest - oldest));
  }

  const oldest = staleLine + FRESH_MARGIN_MS;
  return Math.floor(oldest + options.random() * (options.now - oldest));
}

/** Message times ending at `lastActive`, oldest first, a random gap apart. */
function messageTimes(lastActive: number, count: number, random: Random): number[] {
  const times = [lastActive];
  for (let index = 1; index < count; index++) {
    const previous = times[times.length - 1] as number;
    times.push(previous - 1 - Math.floor(random() * MAX_MESSAGE_GAP_MS));
  }

  return times.reverse();
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * A seeded generator of uniform numbers in [0, 1) (mulberry32), so `mc core seed
 * --random-seed` produces the same content and dates every time.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
