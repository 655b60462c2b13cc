/**
 * A test fixture that behaves like the MasterClaw Core deployed today, defects included,
 * so client tests can prove that `mc` survives it. It is a real HTTP server on
 * 127.0.0.1 with the Core's routes, shapes and error bodies, holding its memories in an
 * array. Each defect has its own switch and is on by default; the embedded Core in
 * `src/server` is the correct implementation and shares none of this code.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { formatCoreDatetime, parseCoreDatetime } from '../../src/contract/datetime.js';
import {
  BULK_DELETE_OLDER_THAN_DAYS,
  CHAT_INTERACTION_TYPE,
  SESSION_HISTORY_LIMIT,
  SESSION_LIST_LIMIT,
  bulkSessionDeleteRequestSchema,
  memoryAddRequestSchema,
  type BulkSessionDeleteResponse,
  type SessionDeleteResponse,
  type SessionHistoryResponse,
  type SessionInfo,
  type SessionListResponse,
  type SessionStats,
} from '../../src/contract/schemas.js';
import { sessionIdProblem } from '../../src/contract/session-id.js';

/** Sliding-window rate limit per client address, counted before routing. */
export interface DeployedCoreRateLimit {
  /** Requests allowed per window, failed ones included. Default: 60. */
  limit?: number;
  /** Window length in milliseconds. Default: 60_000. */
  windowMs?: number;
}

/** Switches of the fixture. Every defect of the deployed Core is on unless stated. */
export interface DeployedCoreOptions {
  /** Current time in epoch milliseconds, for stored times, activity windows and the rate limit. Default: `Date.now`. */
  now?: () => number;
  /** `GET /health` returns 500 because the Core's response model rejects the handler's return value. Default: true. */
  healthFails?: boolean;
  /** `GET /v1/sessions/stats/summary` returns 500. Default: true. */
  statsFails?: boolean;
  /** `POST /v1/sessions/bulk-delete` without `session_ids` (or with `[]`) returns 500, dry run included. Default: true. */
  bulkDeleteWithoutIdsFails?: boolean;
  /** `GET /v1/sessions` groups only the newest `limit + offset` memories into sessions. Default: true. */
  listFromMemoryWindow?: boolean;
  /** Deleting an unknown session succeeds with 0 memories deleted, alone or in a bulk delete, instead of 404 or a failure entry. Default: true. */
  deleteUnknownSucceeds?: boolean;
  /** Most memories of one session that history and deletion look at (the newest ones); `null` for no cap. Default: 1000. */
  sessionMemoryCap?: number | null;
  /** `POST /v1/memory/add` ignores `id` and `timestamp` and stores the current time. Default: true. */
  memoryAddIgnoresIdAndTimestamp?: boolean;
  /** The storage backend finds no session: every history request returns 404 and the list is empty. Default: false. */
  emptyBackend?: boolean;
  /** Whether `POST /v1/sessions/bulk-delete` exists, or which status an older Core without it returns. Default: `'present'`. */
  bulkRoute?: 'present' | 'missing404' | 'missing405';
  /** Rate limit, or `false` for none. Default: 60 requests per 60 s. */
  rateLimit?: DeployedCoreRateLimit | false;
  /** API key expected in `X-API-Key`. Default: none. */
  apiKey?: string;
  /** Routes on which `apiKey` is checked; the deployed Core checks it on none. Default: `'none'`. */
  apiKeyRoutes?: 'none' | 'all';
  /** `version` reported by a healthy `/health`. Default: `'1.0.0'`. */
  version?: string;
}

/** A memory as the fixture stores it. */
export interface StoredMemory {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
  /** Naive UTC datetime, as the Core writes it. */
  timestamp: string;
  source: string | null;
}

/** One request as the fixture received it. */
export interface RecordedRequest {
  method: string;
  /** Path as sent, still percent-encoded, without the query. */
  path: string;
  /** Decoded query parameters; the last value wins for a repeated name, as the handlers see it. */
  query: Record<string, string>;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
  /** Status of the response; 0 until the response is written. */
  status: number;
  /** Fixture clock at arrival, in epoch milliseconds. */
  receivedAt: number;
}

/** Lists the session ids that deletion requests named, in order: DELETE paths and bulk-delete bodies. */
export function deletedSessionIds(requests: readonly RecordedRequest[]): string[] {
  return requests.flatMap((request) => {
    if (request.method === 'DELETE' && request.path.startsWith('/v1/sessions/')) {
      return [decodeURIComponent(request.path.slice('/v1/sessions/'.length))];
    }
    if (request.method === 'POST' && request.path === '/v1/sessions/bulk-delete') {
      return (request.body as { session_ids?: string[] } | undefined)?.session_ids ?? [];
    }
    return [];
  });
}

/** Counts how often deletion requests named each session id. */
export function deletionCounts(requests: readonly RecordedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of deletedSessionIds(requests)) {
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** How `addSessions` lays out generated sessions. Session 0 is the newest. */
export interface SessionSeed {
  /** Number of sessions. */
  count: number;
  /** Memories per session. Default: 1. */
  messagesPerSession?: number;
  /** Prefix of the session ids, which are `<prefix>-<index padded to 4 digits>`. Default: `'session'`. */
  idPrefix?: string;
  /** `last_active` of session 0, in epoch milliseconds. Default: the fixture clock's now. */
  newestLastActive?: number;
  /** Gap between the `last_active` of consecutive sessions, in milliseconds. Default: 1 hour. */
  sessionIntervalMs?: number;
  /** Gap between consecutive memories of one session, in milliseconds. Default: 1 minute. */
  messageIntervalMs?: number;
  /** `source` of every memory. Default: `'chat'`. */
  source?: string;
}

/** A session that `addSessions` created, as the correct Core would describe it. */
export interface SeededSession {
  sessionId: string;
  createdAt: string;
  lastActive: string;
  messageCount: number;
}

export interface DeployedCore {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** The stored memories; tests may read and change them directly. */
  memories: StoredMemory[];
  /** Stores generated chat sessions and returns them newest first. */
  addSessions(seed: SessionSeed): SeededSession[];
  /** Stops the server and destroys open connections. */
  close(): Promise<void>;
}

const DEFAULT_RATE_LIMIT: Required<DeployedCoreRateLimit> = { limit: 60, windowMs: 60_000 };

const DEFAULT_OPTIONS = {
  now: Date.now,
  healthFails: true,
  statsFails: true,
  bulkDeleteWithoutIdsFails: true,
  listFromMemoryWindow: true,
  deleteUnknownSucceeds: true,
  sessionMemoryCap: 1000,
  memoryAddIgnoresIdAndTimestamp: true,
  emptyBackend: false,
  bulkRoute: 'present',
  rateLimit: DEFAULT_RATE_LIMIT,
  apiKey: undefined,
  apiKeyRoutes: 'none',
  version: '1.0.0',
} satisfies DeployedCoreOptions;

const DEFAULT_SEED = {
  messagesPerSession: 1,
  idPrefix: 'session',
  sessionIntervalMs: 60 * 60_000,
  messageIntervalMs: 60_000,
  source: 'chat',
} as const;

type ResolvedOptions = Omit<Required<DeployedCoreOptions>, 'apiKey' | 'rateLimit'> & {
  apiKey: string | undefined;
  rateLimit: Required<DeployedCoreRateLimit> | false;
};

function resolveOptions(options: DeployedCoreOptions): ResolvedOptions {
  const merged = { ...DEFAULT_OPTIONS, ...withoutUndefined(options) };
  const rateLimit =
    merged.rateLimit === false
      ? false
      : { ...DEFAULT_RATE_LIMIT, ...withoutUndefined(merged.rateLimit) };
  return { ...merged, rateLimit };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}

// ---------------------------------------------------------------------------
// Replies and errors in the Core's shapes

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One entry of the Core's 422 body, named the way pydantic names it. */
interface ValidationIssue {
  field: string;
  message: string;
  type: string;
}

/** Thrown by a handler to produce `{"error": message, "status_code": status}`. */
class HandlerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown where the deployed Core raises an exception that no handler catches. */
class UncaughtCoreError extends Error {}

class ValidationFailure extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super('Validation error');
  }
}

function handlerErrorReply(status: number, message: string): Reply {
  return { status, body: { error: message, status_code: status } };
}

function internalErrorReply(requestId: string): Reply {
  return { status: 500, body: { error: 'Internal server error', request_id: requestId } };
}

function validationReply(issues: ValidationIssue[]): Reply {
  return { status: 422, body: { error: 'Validation error', errors: issues } };
}

// ---------------------------------------------------------------------------
// Query and body validation with pydantic's wording

interface IntegerRule {
  default?: number;
  min?: number;
  max?: number;
}

function readIntegerQuery(
  query: URLSearchParams,
  name: string,
  rule: IntegerRule,
  issues: ValidationIssue[],
): number | undefined {
  const text = query.get(name);
  if (text === null) {
    return rule.default;
  }

  const field = `query.${name}`;
  if (!/^\s*[+-]?\d+\s*$/.test(text)) {
    issues.push({
      field,
      message: 'Input should be a valid integer, unable to parse string as an integer',
      type: 'int_parsing',
    });
    return undefined;
  }

  const value = Number(text.trim());
  if (rule.min !== undefined && value < rule.min) {
    issues.push({
      field,
      message: `Input should be greater than or equal to ${rule.min}`,
      type: 'greater_than_equal',
    });
  } else if (rule.max !== undefined && value > rule.max) {
    issues.push({
      field,
      message: `Input should be less than or equal to ${rule.max}`,
      type: 'less_than_equal',
    });
  }
  return value;
}

interface SchemaLike<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly ZodIssueLike[] } };
}

interface ZodIssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  expected?: unknown;
  minimum?: unknown;
  maximum?: unknown;
}

const PYDANTIC_TYPE_ERRORS: Record<string, { type: string; message: string }> = {
  string: { type: 'string_type', message: 'Input should be a valid string' },
  number: { type: 'int_type', message: 'Input should be a valid integer' },
  int: {
    type: 'int_from_float',
    message: 'Input should be a valid integer, got a number with a fractional part',
  },
  boolean: { type: 'bool_type', message: 'Input should be a valid boolean' },
  array: { type: 'list_type', message: 'Input should be a valid list' },
  object: {
    type: 'model_attributes_type',
    message: 'Input should be a valid dictionary or object to extract fields from',
  },
  record: { type: 'dict_type', message: 'Input should be a valid dictionary' },
};

function parseJsonBody<T>(rawBody: string, schema: SchemaLike<T>): T {
  if (rawBody.trim() === '') {
    throw new ValidationFailure([{ field: 'body', message: 'Field required', type: 'missing' }]);
  }

  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    throw new ValidationFailure([
      { field: 'body', message: 'JSON decode error', type: 'json_invalid' },
    ]);
  }

  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationFailure(result.error.issues.map((issue) => toPydanticIssue(issue, value)));
  }
  return result.data;
}

function toPydanticIssue(issue: ZodIssueLike, input: unknown): ValidationIssue {
  const field = ['body', ...issue.path.map(String)].join('.');

  if (issue.code === 'invalid_type' && valueAtPath(input, issue.path) === undefined) {
    return { field, message: 'Field required', type: 'missing' };
  }

  if (issue.code === 'invalid_type') {
    const known = PYDANTIC_TYPE_ERRORS[String(issue.expected)];
    return { field, ...(known ?? { type: 'type_error', message: issue.message }) };
  }

  if (issue.code === 'too_small') {
    const message = `Input should be greater than or equal to ${String(issue.minimum)}`;
    return { field, message, type: 'greater_than_equal' };
  }

  if (issue.code === 'too_big') {
    const message = `Input should be less than or equal to ${String(issue.maximum)}`;
    return { field, message, type: 'less_than_equal' };
  }

  // The only refinement in the request schemas is the datetime check.
  return { field, message: 'Input should be a valid datetime', type: 'datetime_parsing' };
}

function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function requireSessionId(id: string): void {
  const problem = sessionIdProblem(id);
  if (problem !== undefined) {
    throw new HandlerError(400, problem);
  }
}

// ---------------------------------------------------------------------------
// The memory store and the session views built from it

class MemoryStore {
  readonly memories: StoredMemory[] = [];

  constructor(private readonly options: ResolvedOptions) {}

  /** Chat memories, newest first (ties keep insertion order); none when the backend is empty. */
  chatMemoriesNewestFirst(): StoredMemory[] {
    if (this.options.emptyBackend) {
      return [];
    }

    const chat = this.memories.filter(isChatMemory);
    return chat
      .map((memory, index) => ({ memory, index, time: timeOf(memory) }))
      .sort((a, b) => b.time - a.time || a.index - b.index)
      .map((entry) => entry.memory);
  }

  /** Returns the memories of one session that the Core looks at (capped, the newest ones), oldest first. */
  sessionMemories(sessionId: string): StoredMemory[] {
    const newestFirst = this.chatMemoriesNewestFirst().filter(
      (memory) => memory.metadata['session_id'] === sessionId,
    );
    const cap = this.options.sessionMemoryCap;
    const seen = cap === null ? newestFirst : newestFirst.slice(0, cap);
    return seen.reverse();
  }

  remove(doomed: readonly StoredMemory[]): void {
    const doomedSet = new Set(doomed);
    let keptCount = 0;
    for (const memory of this.memories) {
      if (!doomedSet.has(memory)) {
        this.memories[keptCount] = memory;
        keptCount += 1;
      }
    }
    this.memories.length = keptCount;
  }
}

function isChatMemory(memory: StoredMemory): boolean {
  return (
    memory.metadata['type'] === CHAT_INTERACTION_TYPE &&
    typeof memory.metadata['session_id'] === 'string'
  );
}

function timeOf(memory: StoredMemory): number {
  return parseCoreDatetime(memory.timestamp) ?? 0;
}

interface SessionSummary {
  sessionId: string;
  first: StoredMemory;
  last: StoredMemory;
  count: number;
  sources: string[];
}

/** Groups memories into sessions, newest `last_active` first. */
function summarizeSessions(memories: readonly StoredMemory[]): SessionSummary[] {
  const byId = new Map<string, SessionSummary>();
  for (const memory of memories) {
    const sessionId = memory.metadata['session_id'] as string;
    const summary = byId.get(sessionId);
    if (summary === undefined) {
      byId.set(sessionId, { sessionId, first: memory, last: memory, count: 1, sources: [] });
    } else {
      summary.count += 1;
      summary.first = timeOf(memory) < timeOf(summary.first) ? memory : summary.first;
      summary.last = timeOf(memory) > timeOf(summary.last) ? memory : summary.last;
    }

    const current = byId.get(sessionId);
    if (
      current !== undefined &&
      memory.source !== null &&
      !current.sources.includes(memory.source)
    ) {
      current.sources.push(memory.source);
    }
  }

  return [...byId.values()].sort((a, b) => timeOf(b.last) - timeOf(a.last));
}

function toSessionInfo(summary: SessionSummary): SessionInfo {
  return {
    session_id: summary.sessionId,
    created_at: summary.first.timestamp,
    last_active: summary.last.timestamp,
    message_count: summary.count,
    metadata: { sources: summary.sources },
  };
}

// ---------------------------------------------------------------------------
// Route handlers

interface RouteContext {
  query: URLSearchParams;
  rawBody: string;
  parsedBody: unknown;
  sessionId: string;
  requestId: string;
}

type RouteHandler = (context: RouteContext) => Reply;

class CoreHandlers {
  constructor(
    private readonly store: MemoryStore,
    private readonly options: ResolvedOptions,
  ) {}

  health = (): Reply => {
    if (this.options.healthFails) {
      throw new UncaughtCoreError('response model rejected the health answer');
    }

    const body = {
      status: 'healthy',
      version: this.options.version,
      timestamp: formatCoreDatetime(this.options.now()),
      services: { memory_store: 'healthy' },
    };
    return { status: 200, body };
  };

  listSessions = ({ query }: RouteContext): Reply => {
    const issues: ValidationIssue[] = [];
    const limit = readIntegerQuery(query, 'limit', SESSION_LIST_LIMIT, issues) as number;
    const offset = readIntegerQuery(query, 'offset', { default: 0, min: 0 }, issues) as number;
    const activeSinceHours = readIntegerQuery(query, 'active_since_hours', {}, issues);
    if (issues.length > 0) {
      throw new ValidationFailure(issues);
    }

    const newestFirst = this.store.chatMemoriesNewestFirst();
    // The deployed Core fetches `limit + offset` memories and groups only those.
    const seen = this.options.listFromMemoryWindow
      ? newestFirst.slice(0, limit + offset)
      : newestFirst;
    const sessions = this.filterActive(summarizeSessions(seen), activeSinceHours);

    const body: SessionListResponse = {
      sessions: sessions.slice(offset, offset + limit).map(toSessionInfo),
      total: sessions.length,
      limit,
      offset,
    };
    return { status: 200, body };
  };

  sessionHistory = ({ query, sessionId }: RouteContext): Reply => {
    const issues: ValidationIssue[] = [];
    const limit = readIntegerQuery(query, 'limit', SESSION_HISTORY_LIMIT, issues) as number;
    const offset = readIntegerQuery(query, 'offset', { default: 0, min: 0 }, issues) as number;
    if (issues.length > 0) {
      throw new ValidationFailure(issues);
    }

    requireSessionId(sessionId);
    const memories = this.store.sessionMemories(sessionId);
    if (memories.length === 0) {
      throw new HandlerError(404, `Session ${sessionId} not found`);
    }

    const body: SessionHistoryResponse = {
      session_id: sessionId,
      messages: memories.slice(offset, offset + limit),
      total_messages: memories.length,
      session_duration_minutes: durationMinutes(memories),
    };
    return { status: 200, body };
  };

  deleteSession = ({ sessionId }: RouteContext): Reply => {
    requireSessionId(sessionId);
    const memories = this.store.sessionMemories(sessionId);
    if (memories.length === 0 && !this.options.deleteUnknownSucceeds) {
      throw new HandlerError(404, `Session ${sessionId} not found`);
    }

    this.store.remove(memories);
    const body: SessionDeleteResponse = {
      success: true,
      session_id: sessionId,
      memories_deleted: memories.length,
      message: `Deleted ${memories.length} memories from session ${sessionId}`,
    };
    return { status: 200, body };
  };

  sessionStats = (): Reply => {
    if (this.options.statsFails) {
      throw new UncaughtCoreError('stats handler called the list handler with wrong arguments');
    }

    const sessions = summarizeSessions(this.store.chatMemoriesNewestFirst());
    const totalMessages = sessions.reduce((sum, session) => sum + session.count, 0);
    const average = sessions.length === 0 ? 0 : totalMessages / sessions.length;
    const body: SessionStats = {
      total_sessions: sessions.length,
      total_messages: totalMessages,
      average_messages_per_session: Math.round(average * 100) / 100,
      active_sessions_24h: this.filterActive(sessions, 24).length,
      active_sessions_7d: this.filterActive(sessions, 24 * 7).length,
      timestamp: formatCoreDatetime(this.options.now()),
    };
    return { status: 200, body };
  };

  bulkDelete = ({ rawBody }: RouteContext): Reply => {
    const startedAt = this.options.now();
    const request = parseJsonBody(rawBody, bulkSessionDeleteRequestSchema);
    const dryRun = request.dry_run ?? false;
    const explicitIds = request.session_ids ?? [];
    if (explicitIds.length === 0 && this.options.bulkDeleteWithoutIdsFails) {
      throw new UncaughtCoreError('bulk delete called the list handler with wrong arguments');
    }

    const olderThanDays = request.older_than_days ?? BULK_DELETE_OLDER_THAN_DAYS.default;
    const targetIds = explicitIds.length > 0 ? explicitIds : this.idsOlderThan(olderThanDays);
    const outcome = this.deleteEach(targetIds, dryRun);

    const deletedCount = outcome.deleted.length;
    const verb = dryRun ? 'Would delete' : 'Deleted';
    const body: BulkSessionDeleteResponse = {
      // NOTE: what the deployed Core sets here when some ids fail is not documented.
      success: outcome.failed.length === 0,
      sessions_deleted: deletedCount,
      sessions_failed: outcome.failed.length,
      memories_deleted: outcome.memoriesDeleted,
      dry_run: dryRun,
      deleted_session_ids: outcome.deleted,
      failed_session_ids: outcome.failed,
      duration_ms: this.options.now() - startedAt,
      message: `${verb} ${deletedCount} sessions (${outcome.memoriesDeleted} memories)`,
    };
    return { status: 200, body };
  };

  addMemory = ({ rawBody, parsedBody }: RouteContext): Reply => {
    const request = parseJsonBody(rawBody, memoryAddRequestSchema);
    const ignoreGiven = this.options.memoryAddIgnoresIdAndTimestamp;
    const givenId = (parsedBody as Record<string, unknown>)['id'];
    const id = !ignoreGiven && typeof givenId === 'string' ? givenId : randomUUID();
    const timestamp =
      !ignoreGiven && request.timestamp !== undefined
        ? request.timestamp
        : formatCoreDatetime(this.options.now());

    this.store.memories.push({
      id,
      content: request.content,
      metadata: request.metadata ?? {},
      timestamp,
      source: request.source ?? null,
    });
    return {
      status: 200,
      body: { success: true, memory_id: id, message: 'Memory added successfully' },
    };
  };

  private filterActive(
    sessions: SessionSummary[],
    activeSinceHours: number | undefined,
  ): SessionSummary[] {
    if (activeSinceHours === undefined) {
      return sessions;
    }

    const cutoff = this.options.now() - activeSinceHours * 3_600_000;
    return sessions.filter((session) => timeOf(session.last) >= cutoff);
  }

  private idsOlderThan(days: number): string[] {
    const cutoff = this.options.now() - days * 86_400_000;
    return summarizeSessions(this.store.chatMemoriesNewestFirst())
      .filter((session) => timeOf(session.last) < cutoff)
      .map((session) => session.sessionId);
  }

  private deleteEach(ids: readonly string[], dryRun: boolean) {
    const deleted: string[] = [];
    const failed: { session_id: string; error: string }[] = [];
    let memoriesDeleted = 0;

    for (const id of ids) {
      const problem = sessionIdProblem(id);
      if (problem !== undefined) {
        failed.push({ session_id: id, error: problem });
        continue;
      }

      const memories = this.store.sessionMemories(id);
      if (memories.length === 0 && !this.options.deleteUnknownSucceeds) {
        failed.push({ session_id: id, error: `Session ${id} not found` });
        continue;
      }

      if (!dryRun) {
        this.store.remove(memories);
      }
      deleted.push(id);
      memoriesDeleted += memories.length;
    }

    return { deleted, failed, memoriesDeleted };
  }
}

function durationMinutes(oldestFirst: readonly StoredMemory[]): number | null {
  const first = oldestFirst[0];
  const last = oldestFirst[oldestFirst.length - 1];
  if (oldestFirst.length < 2 || first === undefined || last === undefined) {
    return null;
  }
  return (timeOf(last) - timeOf(first)) / 60_000;
}

// ---------------------------------------------------------------------------
// Routing, as Starlette matches paths: full match, then path-only match (405), then
// the trailing-slash redirect, then 404.

interface Route {
  method: string;
  /** Path segments; `{session_id}` matches any one non-empty segment. */
  segments: string[];
  handle: RouteHandler;
}

const SESSION_ID_SEGMENT = '{session_id}';

function buildRoutes(handlers: CoreHandlers, options: ResolvedOptions): Route[] {
  const route = (method: string, path: string, handle: RouteHandler): Route => ({
    method,
    segments: path.split('/').slice(1),
    handle,
  });

  const routes = [
    route('GET', '/health', handlers.health),
    route('GET', '/v1/sessions', handlers.listSessions),
    route('GET', '/v1/sessions/stats/summary', handlers.sessionStats),
  ];
  if (options.bulkRoute === 'present') {
    routes.push(route('POST', '/v1/sessions/bulk-delete', handlers.bulkDelete));
  }
  // Without the route, the POST reaches `/v1/sessions/{session_id}`, which allows only
  // GET and DELETE, so the router returns 405 (`missing404` is handled before routing).
  routes.push(
    route('GET', `/v1/sessions/${SESSION_ID_SEGMENT}`, handlers.sessionHistory),
    route('DELETE', `/v1/sessions/${SESSION_ID_SEGMENT}`, handlers.deleteSession),
    route('POST', '/v1/memory/add', handlers.addMemory),
  );
  return routes;
}

type RouteMatch =
  | { kind: 'found'; route: Route; sessionId: string }
  | { kind: 'methodNotAllowed' }
  | { kind: 'redirect'; path: string }
  | { kind: 'notFound' };

function matchRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch {
  const segments = rawPath.split('/').slice(1).map(decodeSegment);
  const pathMatches = routes
    .map((route) => ({ route, sessionId: matchSegments(route.segments, segments) }))
    .filter(
      (candidate): candidate is { route: Route; sessionId: string } =>
        candidate.sessionId !== undefined,
    );

  const full = pathMatches.find((candidate) => candidate.route.method === method);
  if (full !== undefined) {
    return { kind: 'found', ...full };
  }

  if (pathMatches.length > 0) {
    return { kind: 'methodNotAllowed' };
  }

  const withoutSlash = rawPath.replace(/\/+$/, '');
  if (withoutSlash !== rawPath && withoutSlash !== '') {
    const redirected = matchRoute(routes, method, withoutSlash);
    if (redirected.kind === 'found' || redirected.kind === 'methodNotAllowed') {
      return { kind: 'redirect', path: withoutSlash };
    }
  }

  return { kind: 'notFound' };
}

/** Returns the session id segment ('' when the route has none), or undefined on no match. */
function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): string | undefined {
  if (pattern.length !== segments.length) {
    return undefined;
  }

  let sessionId = '';
  for (const [index, expected] of pattern.entries()) {
    const actual = segments[index] ?? '';
    if (expected === SESSION_ID_SEGMENT && actual !== '') {
      sessionId = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return sessionId;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ---------------------------------------------------------------------------
// Middleware: rate limit and API key, applied before routing like the Core's

class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly rule: Required<DeployedCoreRateLimit>,
    private readonly now: () => number,
  ) {}

  /** Counts a request from `client`; returns the rate-limit headers and whether it is allowed. */
  admit(client: string): { allowed: boolean; headers: Record<string, string> } {
    const now = this.now();
    const recent = (this.hits.get(client) ?? []).filter((time) => now - time < this.rule.windowMs);
    const allowed = recent.length < this.rule.limit;
    if (allowed) {
      recent.push(now);
    }
    this.hits.set(client, recent);

    const oldest = recent[0] ?? now;
    const headers = {
      'x-ratelimit-limit': String(this.rule.limit),
      'x-ratelimit-remaining': String(Math.max(0, this.rule.limit - recent.length)),
      'x-ratelimit-reset': String(Math.ceil((oldest + this.rule.windowMs) / 1000)),
    };
    return { allowed, headers };
  }

  rejection(): Reply {
    const windowSeconds = Math.ceil(this.rule.windowMs / 1000);
    return {
      status: 429,
      headers: { 'retry-after': String(windowSeconds) },
      body: {
        error: 'Rate limit exceeded',
        code: 'RATE_LIMIT_EXCEEDED',
        limit: this.rule.limit,
        window: `${windowSeconds} seconds`,
        retry_after: windowSeconds,
      },
    };
  }
}

// ---------------------------------------------------------------------------
// The server

/** Starts the fixture on 127.0.0.1 with a free port. */
export async function startDeployedCore(options: DeployedCoreOptions = {}): Promise<DeployedCore> {
  const resolved = resolveOptions(options);
  const store = new MemoryStore(resolved);
  const routes = buildRoutes(new CoreHandlers(store, resolved), resolved);
  const limiter =
    resolved.rateLimit === false
      ? undefined
      : new SlidingWindowLimiter(resolved.rateLimit, resolved.now);
  const requests: RecordedRequest[] = [];

  const server = createServer((request, response) => {
    void serveRequest(request, response, { resolved, routes, limiter, requests });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    memories: store.memories,
    addSessions: (seed) => addSessions(store.memories, seed, resolved.now()),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ServerState {
  resolved: ResolvedOptions;
  routes: Route[];
  limiter: SlidingWindowLimiter | undefined;
  requests: RecordedRequest[];
}

async function serveRequest(
  request: IncomingMessage,
  response: ServerResponse,
  state: ServerState,
): Promise<void> {
  const rawBody = await readBody(request);
  const record = recordRequest(request, rawBody, state.resolved.now());
  state.requests.push(record);

  const requestId = headerValue(request, 'x-request-id') ?? randomUUID();
  const reply = answer(request, rawBody, record, requestId, state);
  record.status = reply.status;
  writeReply(response, reply, requestId);
}

function answer(
  request: IncomingMessage,
  rawBody: string,
  record: RecordedRequest,
  requestId: string,
  state: ServerState,
): Reply {
  const admission = state.limiter?.admit(request.socket.remoteAddress ?? 'unknown');
  const rateHeaders = admission?.headers ?? {};
  if (admission !== undefined && !admission.allowed && state.limiter !== undefined) {
    const rejection = state.limiter.rejection();
    return { ...rejection, headers: { ...rateHeaders, ...rejection.headers } };
  }

  const reply = authorizeAndRoute(request, rawBody, record, requestId, state);
  return { ...reply, headers: { ...rateHeaders, ...reply.headers } };
}

function authorizeAndRoute(
  request: IncomingMessage,
  rawBody: string,
  record: RecordedRequest,
  requestId: string,
  state: ServerState,
): Reply {
  const { apiKey, apiKeyRoutes } = state.resolved;
  if (apiKey !== undefined && apiKeyRoutes === 'all' && record.headers['x-api-key'] !== apiKey) {
    return { status: 401, body: { error: 'Invalid or missing API key' } };
  }

  if (isMissingBulkRoute(record, state.resolved)) {
    return handlerErrorReply(404, 'Not Found');
  }

  const match = matchRoute(state.routes, record.method, record.path);
  if (match.kind === 'methodNotAllowed') {
    return handlerErrorReply(405, 'Method Not Allowed');
  }
  if (match.kind === 'notFound') {
    return handlerErrorReply(404, 'Not Found');
  }
  if (match.kind === 'redirect') {
    const query = new URLSearchParams(record.query).toString();
    const host = request.headers.host ?? '127.0.0.1';
    const location = `http://${host}${match.path}${query === '' ? '' : `?${query}`}`;
    return { status: 307, headers: { location } };
  }

  const context: RouteContext = {
    query: new URLSearchParams(record.query),
    rawBody,
    parsedBody: record.body,
    sessionId: match.sessionId,
    requestId,
  };
  return runHandler(match.route.handle, context);
}

/** Tells whether an older Core (or a proxy in front of it) must return 404 for this bulk-delete request. */
function isMissingBulkRoute(record: RecordedRequest, options: ResolvedOptions): boolean {
  return (
    options.bulkRoute === 'missing404' &&
    record.method === 'POST' &&
    record.path.replace(/\/+$/, '') === '/v1/sessions/bulk-delete'
  );
}

function runHandler(handle: RouteHandler, context: RouteContext): Reply {
  try {
    return handle(context);
  } catch (error) {
    if (error instanceof HandlerError) {
      return handlerErrorReply(error.status, error.message);
    }
    if (error instanceof ValidationFailure) {
      return validationReply(error.issues);
    }
    return internalErrorReply(context.requestId);
  }
}

function writeReply(response: ServerResponse, reply: Reply, requestId: string): void {
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  const headers: Record<string, string> = {
    ...reply.headers,
    'x-request-id': requestId,
    'content-length': String(Buffer.byteLength(payload)),
  };
  if (reply.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  response.writeHead(reply.status, headers);
  response.end(payload);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function recordRequest(request: IncomingMessage, rawBody: string, now: number): RecordedRequest {
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? '' : target.slice(queryStart + 1);

  return {
    method: request.method ?? 'GET',
    path,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers: lowerCaseHeaders(request),
    body: parseRecordedBody(rawBody),
    status: 0,
    receivedAt: now,
  };
}

function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return headers;
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseRecordedBody(rawBody: string): unknown {
  if (rawBody === '') {
    return undefined;
  }
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    return rawBody;
  }
}

// ---------------------------------------------------------------------------
// Test data

function addSessions(memories: StoredMemory[], seed: SessionSeed, now: number): SeededSession[] {
  const settings = { ...DEFAULT_SEED, ...withoutUndefined(seed) };
  const newest = seed.newestLastActive ?? now;
  const width = Math.max(4, String(seed.count - 1).length);
  const seeded: SeededSession[] = [];

  for (let index = 0; index < seed.count; index += 1) {
    const sessionId = `${settings.idPrefix}-${String(index).padStart(width, '0')}`;
    const lastActive = newest - index * settings.sessionIntervalMs;
    const count = settings.messagesPerSession;
    const createdAt = lastActive - (count - 1) * settings.messageIntervalMs;

    for (let message = 0; message < count; message += 1) {
      memories.push({
        id: `${sessionId}-m${message}`,
        content: `User: message ${message} of ${sessionId}\nAssistant: reply ${message}`,
        metadata: { session_id: sessionId, type: CHAT_INTERACTION_TYPE },
        timestamp: formatCoreDatetime(createdAt + message * settings.messageIntervalMs),
        source: settings.source,
      });
    }

    seeded.push({
      sessionId,
      createdAt: formatCoreDatetime(createdAt),
      lastActive: formatCoreDatetime(lastActive),
      messageCount: count,
    });
  }
  return seeded;
}
