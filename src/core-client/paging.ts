/**
 * Walking every page of a listing. A Core's `total` is not trusted to end the walk:
 * deployed Cores compute it from a window of their newest memories,
 * so the walk goes on until a page comes back empty, and sessions are de-duplicated
 * by id because a page may repeat what an earlier one showed.
 */
import {
  SESSION_HISTORY_LIMIT,
  SESSION_LIST_LIMIT,
  type MemoryEntry,
  type SessionInfo,
} from '../contract/schemas.js';
import { InvalidResponseError } from '../errors/errors.js';
import type { CoreClient } from './client.js';

/**
 * Maximum number of sessions one walk returns. Since `total` is not trusted, this is what stops
 * a Core that invents new sessions on every page; no real store comes near it.
 */
export const MAX_WALK_SESSIONS = 10_000_000;

/**
 * An offset far past any real store. A deployed Core returns its true total and
 * no rows for it, which is the only way to learn how many sessions it stores.
 */
const TRUE_TOTAL_PROBE_OFFSET = 1_000_000_000;

export interface SessionWalk {
  /** Distinct sessions returned so far. */
  seen: number;
  /** Rows that repeated a session already returned. */
  duplicates: number;
  pages: number;
}

export interface WalkSessionsOptions {
  pageSize?: number;
  activeSinceHours?: number;
  /** Called once per page, after its new sessions were yielded. */
  onPage?: (walk: Readonly<SessionWalk>) => void;
}

/** Yields every session the Core shows, once each, in the Core's order. */
export async function* walkSessions(
  client: CoreClient,
  options: WalkSessionsOptions = {},
): AsyncGenerator<SessionInfo, SessionWalk> {
  const pageSize = options.pageSize ?? SESSION_LIST_LIMIT.max;
  const seenIds = new Set<string>();
  const walk: SessionWalk = { seen: 0, duplicates: 0, pages: 0 };
  let offset = 0;

  for (;;) {
    const page = await client.listSessions({
      limit: pageSize,
      offset,
      activeSinceHours: options.activeSinceHours,
    });
    walk.pages += 1;
    if (page.sessions.length === 0) {
      return walk;
    }

    const seenBefore = walk.seen;
    for (const session of page.sessions) {
      if (seenIds.has(session.session_id)) {
        walk.duplicates += 1;
        continue;
      }
      seenIds.add(session.session_id);
      walk.seen += 1;
      yield session;
    }

    // A page with nothing new means the Core repeats itself; paging on would never end.
    if (walk.seen === seenBefore) {
      throw new InvalidResponseError(
        `The Core returned only sessions it had already listed at offset ${offset}; stopped paging after ${walk.seen} sessions.`,
      );
    }
    if (walk.seen > MAX_WALK_SESSIONS) {
      throw new InvalidResponseError(
        `The Core listed more than ${MAX_WALK_SESSIONS} sessions; stopped paging.`,
      );
    }

    offset += page.sessions.length;
    options.onPage?.(walk);
  }
}

/** Fetches the number of sessions the Core stores, asked in the way that defeats the window defect. */
export async function fetchTrueTotal(
  client: CoreClient,
  activeSinceHours?: number,
): Promise<number> {
  const probe = await client.listSessions({
    limit: 1,
    offset: TRUE_TOTAL_PROBE_OFFSET,
    activeSinceHours,
  });

  return probe.total;
}

export interface MessageWalk {
  totalMessages: number;
  durationMinutes: number | null;
}

/** Yields every message of a session, oldest first, page by page. */
export async function* walkMessages(
  client: CoreClient,
  sessionId: string,
  pageSize: number = SESSION_HISTORY_LIMIT.max,
): AsyncGenerator<MemoryEntry, MessageWalk> {
  let offset = 0;
  let summary: MessageWalk = { totalMessages: 0, durationMinutes: null };

  for (;;) {
    const page = await client.getHistory(sessionId, { limit: pageSize, offset });
    summary = {
      totalMessages: page.total_messages,
      durationMinutes: page.session_duration_minutes,
    };
    if (page.messages.length === 0) {
      return summary;
    }

    yield* page.messages;
    offset += page.messages.length;
    if (offset >= page.total_messages) {
      return summary;
    }
  }
}
