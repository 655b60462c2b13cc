/**
 * The embedded Core's storage: one SQLite file in WAL mode. Memories are the rows the
 * API adds; `sessions` contains one summary row per session (first and last timestamp,
 * message count, sources), kept in step with `memories` inside the same transaction,
 * so listing, counting and ageing sessions read an index instead of every memory.
 * `session_totals` holds the two counts that stats and the list total need, kept by
 * triggers on `sessions`.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';

import { PRIVATE_FILE_MODE } from '../util/private-files.js';

import { CHAT_INTERACTION_TYPE } from '../contract/schemas.js';
import { seedSessions, type SeedOptions, type SeedSummary } from './seed.js';

export type { SeedOptions, SeedSummary } from './seed.js';

/** Version of the schema below, stored in `PRAGMA user_version`. */
const SCHEMA_VERSION = 1;

/** How long a writer waits for another connection's lock (the seed command and the server share the file). */
const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS memories (
  id TEXT NOT NULL,
  session_id TEXT,
  type TEXT,
  content TEXT NOT NULL,
  metadata TEXT NOT NULL,
  source TEXT,
  timestamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_by_session ON memories (session_id, timestamp)
  WHERE session_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  last_active INTEGER NOT NULL,
  message_count INTEGER NOT NULL,
  sources TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_last_active ON sessions (last_active DESC, session_id);

CREATE TABLE IF NOT EXISTS session_totals (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sessions INTEGER NOT NULL,
  messages INTEGER NOT NULL
);
INSERT OR IGNORE INTO session_totals (id, sessions, messages) VALUES (1, 0, 0);

CREATE TRIGGER IF NOT EXISTS session_totals_insert AFTER INSERT ON sessions BEGIN
  UPDATE session_totals SET sessions = sessions + 1, messages = messages + NEW.message_count;
END;
CREATE TRIGGER IF NOT EXISTS session_totals_update AFTER UPDATE OF message_count ON sessions BEGIN
  UPDATE session_totals SET messages = messages + NEW.message_count - OLD.message_count;
END;
CREATE TRIGGER IF NOT EXISTS session_totals_delete AFTER DELETE ON sessions BEGIN
  UPDATE session_totals SET sessions = sessions - 1, messages = messages - OLD.message_count;
END;
`;

/**
 * Every query the API runs, by name, so a test can check each plan with
 * `EXPLAIN QUERY PLAN`. Parameters are named so the plans can be explained without values.
 *
 * The list queries page over the covering index first and read full rows only for the
 * page: with a plain `SELECT * ... OFFSET`, SQLite would look up the table row of every
 * skipped session too, so a page deep into 100,000 sessions would cost 20 times as much.
 * `CROSS JOIN` makes SQLite keep the page as the outer loop, whatever its statistics say.
 */
export const STORE_QUERIES = {
  insertMemory: `INSERT INTO memories (id, session_id, type, content, metadata, source, timestamp)
    VALUES (@id, @sessionId, @type, @content, @metadata, @source, @timestamp)`,
  getSession: `SELECT * FROM sessions WHERE session_id = @sessionId`,
  getSessions: `SELECT * FROM sessions WHERE session_id IN (SELECT value FROM json_each(@sessionIds))`,
  insertSession: `INSERT INTO sessions (session_id, created_at, last_active, message_count, sources)
    VALUES (@sessionId, @createdAt, @lastActive, @messageCount, @sources)`,
  updateSession: `UPDATE sessions SET created_at = @createdAt, last_active = @lastActive,
    message_count = @messageCount, sources = @sources WHERE session_id = @sessionId`,
  listSessions: `SELECT sessions.* FROM (
      SELECT session_id FROM sessions ORDER BY last_active DESC, session_id LIMIT @limit OFFSET @offset
    ) AS page CROSS JOIN sessions ON sessions.session_id = page.session_id
    ORDER BY sessions.last_active DESC, sessions.session_id`,
  listSessionsActiveSince: `SELECT sessions.* FROM (
      SELECT session_id FROM sessions WHERE last_active >= @since
      ORDER BY last_active DESC, session_id LIMIT @limit OFFSET @offset
    ) AS page CROSS JOIN sessions ON sessions.session_id = page.session_id
    ORDER BY sessions.last_active DESC, sessions.session_id`,
  countSessionsActiveSince: `SELECT count(*) AS count FROM sessions WHERE last_active >= @since`,
  totals: `SELECT sessions, messages FROM session_totals WHERE id = 1`,
  sessionHistory: `SELECT * FROM memories WHERE session_id = @sessionId
    ORDER BY timestamp, rowid LIMIT @limit OFFSET @offset`,
  deleteSessionMemories: `DELETE FROM memories WHERE session_id = @sessionId`,
  deleteSession: `DELETE FROM sessions WHERE session_id = @sessionId`,
  deleteSessionsMemories: `DELETE FROM memories
    WHERE session_id IN (SELECT value FROM json_each(@sessionIds))`,
  deleteSessions: `DELETE FROM sessions WHERE session_id IN (SELECT value FROM json_each(@sessionIds))`,
  sessionsInactiveSince: `SELECT * FROM sessions WHERE last_active < @before
    ORDER BY last_active DESC, session_id`,
} as const;

export type StoreQueryName = keyof typeof STORE_QUERIES;

/** A memory as the store keeps it; times are epoch milliseconds. */
export interface StoredMemory {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
  source: string | null;
  timestamp: number;
}

/** A new memory: `metadata.session_id` and `metadata.type` decide whether it joins a session. */
export interface NewMemory {
  content: string;
  metadata: Record<string, unknown>;
  source: string | null;
  timestamp: number;
}

/** The summary of one session; times are epoch milliseconds. */
export interface SessionSummary {
  sessionId: string;
  createdAt: number;
  lastActive: number;
  messageCount: number;
  sources: string[];
}

export interface SessionPage {
  sessions: SessionSummary[];
  total: number;
}

export interface StoreTotals {
  sessions: number;
  messages: number;
}

interface SessionRow {
  session_id: string;
  created_at: number;
  last_active: number;
  message_count: number;
  sources: string;
}

interface MemoryRow {
  id: string;
  content: string;
  metadata: string;
  source: string | null;
  timestamp: number;
}

/** Returns the session a memory belongs to: its `metadata.session_id` when it is a chat interaction. */
export function memorySessionId(metadata: Record<string, unknown>): string | undefined {
  const sessionId = metadata.session_id;
  if (metadata.type !== CHAT_INTERACTION_TYPE || typeof sessionId !== 'string') {
    return undefined;
  }

  return sessionId;
}

export class CoreStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<StoreQueryName, Database.Statement>();

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  /** Prepares each query once: preparing costs more than running the small ones. */
  private statement(name: StoreQueryName): Database.Statement {
    let statement = this.statements.get(name);
    if (statement === undefined) {
      statement = this.db.prepare(STORE_QUERIES[name]);
      this.statements.set(name, statement);
    }

    return statement;
  }

  /** Opens (and creates when missing) the database at `path`. */
  static open(path: string): CoreStore {
    // SQLite gives its -wal and -shm files the database file's mode, so creating the
    // file first with 0600 keeps all three private whatever the umask.
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db);
    return new CoreStore(path, db);
  }

  close(): void {
    this.db.close();
  }

  /** Stores a memory and updates its session's summary; returns the new memory id. */
  addMemory(memory: NewMemory): string {
    const id = randomUUID();
    const sessionId = memorySessionId(memory.metadata);

    this.db.transaction(() => {
      this.statement('insertMemory').run({
        id,
        sessionId: sessionId ?? null,
        type: typeof memory.metadata.type === 'string' ? memory.metadata.type : null,
        content: memory.content,
        metadata: JSON.stringify(memory.metadata),
        source: memory.source,
        timestamp: memory.timestamp,
      });
      if (sessionId !== undefined) {
        this.recordSessionMessage(sessionId, memory);
      }
    })();

    return id;
  }

  getSession(sessionId: string): SessionSummary | undefined {
    const row = this.statement('getSession').get({ sessionId }) as SessionRow | undefined;
    return row === undefined ? undefined : toSessionSummary(row);
  }

  /** Reads the sessions among `sessionIds` that exist, in one query, keyed by id. */
  getSessions(sessionIds: readonly string[]): Map<string, SessionSummary> {
    const rows = this.statement('getSessions').all({
      sessionIds: JSON.stringify(sessionIds),
    }) as SessionRow[];
    return new Map(rows.map((row) => [row.session_id, toSessionSummary(row)]));
  }

  /** Reads a page of sessions, most recently active first; `activeSince` keeps those active at or after it. */
  listSessions(page: { limit: number; offset: number; activeSince?: number }): SessionPage {
    const { limit, offset, activeSince } = page;
    if (activeSince === undefined) {
      const rows = this.statement('listSessions').all({ limit, offset }) as SessionRow[];
      return { sessions: rows.map(toSessionSummary), total: this.totals().sessions };
    }

    const rows = this.statement('listSessionsActiveSince').all({
      since: activeSince,
      limit,
      offset,
    }) as SessionRow[];
    return {
      sessions: rows.map(toSessionSummary),
      total: this.countSessionsActiveSince(activeSince),
    };
  }

  countSessionsActiveSince(since: number): number {
    const row = this.statement('countSessionsActiveSince').get({ since }) as {
      count: number;
    };
    return row.count;
  }

  totals(): StoreTotals {
    return this.statement('totals').get() as StoreTotals;
  }

  /** Reads a page of a session's memories, oldest first. */
  sessionHistory(sessionId: string, page: { limit: number; offset: number }): StoredMemory[] {
    const rows = this.statement('sessionHistory').all({ sessionId, ...page }) as MemoryRow[];
    return rows.map(toStoredMemory);
  }

  /** Sessions whose last activity is before `before`, most recent first. */
  sessionsInactiveSince(before: number): SessionSummary[] {
    const rows = this.statement('sessionsInactiveSince').all({ before }) as SessionRow[];
    return rows.map(toSessionSummary);
  }

  /** Deletes a session and its memories in one transaction; returns how many memories went. */
  deleteSession(sessionId: string): number {
    return this.db.transaction(() => this.deleteSessionRows(sessionId))();
  }

  /**
   * Deletes several sessions in one transaction, with one statement per table instead
   * of two per session; returns how many memories went.
   */
  deleteSessions(sessionIds: readonly string[]): number {
    const parameters = { sessionIds: JSON.stringify(sessionIds) };
    return this.db.transaction(() => {
      const deleted = this.statement('deleteSessionsMemories').run(parameters).changes;
      this.statement('deleteSessions').run(parameters);
      return deleted;
    })();
  }

  /** Fills the store with generated sessions in one transaction. */
  seed(options: SeedOptions): SeedSummary {
    return this.db.transaction(() => seedSessions(this.db, options))();
  }

  /** Returns the `EXPLAIN QUERY PLAN` details of one of `STORE_QUERIES`. */
  explainQuery(name: StoreQueryName): string[] {
    const rows = this.db
      .prepare(`EXPLAIN QUERY PLAN ${STORE_QUERIES[name]}`)
      .all(explainParameters(STORE_QUERIES[name])) as { detail: string }[];
    return rows.map((row) => row.detail);
  }

  private recordSessionMessage(sessionId: string, memory: NewMemory): void {
    const existing = this.getSession(sessionId);
    if (existing === undefined) {
      this.statement('insertSession').run({
        sessionId,
        createdAt: memory.timestamp,
        lastActive: memory.timestamp,
        messageCount: 1,
        sources: JSON.stringify(memory.source === null ? [] : [memory.source]),
      });
      return;
    }

    const sources = existing.sources;
    if (memory.source !== null && !sources.includes(memory.source)) {
      sources.push(memory.source);
    }
    this.statement('updateSession').run({
      sessionId,
      createdAt: Math.min(existing.createdAt, memory.timestamp),
      lastActive: Math.max(existing.lastActive, memory.timestamp),
      messageCount: existing.messageCount + 1,
      sources: JSON.stringify(sources),
    });
  }

  private deleteSessionRows(sessionId: string): number {
    const deleted = this.statement('deleteSessionMemories').run({ sessionId }).changes;
    this.statement('deleteSession').run({ sessionId });
    return deleted;
  }
}

/** Opens the database read-only, for `mc core status`; undefined when the file does not exist. */
export function readStoreTotals(path: string): StoreTotals | undefined {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return undefined;
  }

  try {
    return db.prepare(STORE_QUERIES.totals).get() as StoreTotals;
  } finally {
    db.close();
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `Database schema version ${version} is newer than this Core understands (${SCHEMA_VERSION})`,
    );
  }

  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function toSessionSummary(row: SessionRow): SessionSummary {
  return {
    sessionId: row.session_id,
    createdAt: row.created_at,
    lastActive: row.last_active,
    messageCount: row.message_count,
    sources: JSON.parse(row.sources) as string[],
  };
}

function toStoredMemory(row: MemoryRow): StoredMemory {
  return {
    id: row.id,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    source: row.source,
    timestamp: row.timestamp,
  };
}

/** Placeholder values for the named parameters of `sql`, so its plan can be explained. */
function explainParameters(sql: string): Record<string, number> {
  const names = [...sql.matchAll(/@(\w+)/g)].map((match) => match[1] as string);
  return Object.fromEntries(names.map((name) => [name, 0]));
}
