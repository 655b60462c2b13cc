/**
 * The handlers of the embedded Core's routes. Each one validates its query or body
 * (422), then its session id (400), then reads or writes the store and returns with the shapes of
 * `src/contract/schemas.ts`. None of them reproduces the deployed Core's defects.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { formatCoreDatetime, parseCoreDatetime } from '../contract/datetime.js';
import {
  BULK_DELETE_OLDER_THAN_DAYS,
  SESSION_HISTORY_LIMIT,
  SESSION_LIST_LIMIT,
  bulkSessionDeleteRequestSchema,
  memoryAddRequestSchema,
  type BulkSessionDeleteResponse,
  type MemoryAddResponse,
  type MemoryEntry,
  type SessionDeleteResponse,
  type SessionHistoryResponse,
  type SessionInfo,
  type SessionListResponse,
  type SessionStats,
} from '../contract/schemas.js';
import { sessionIdProblem } from '../contract/session-id.js';
import type { Clock } from '../util/clock.js';
import {
  memorySessionId,
  type CoreStore,
  type SessionSummary,
  type StoredMemory,
} from './store.js';
import {
  CoreHttpError,
  RequestValidationError,
  parseBody,
  queryInteger,
  type FieldProblem,
} from './validation.js';

/** The version `GET /health` reports. */
export const EMBEDDED_CORE_VERSION = '0.1.0-embedded';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export type CoreRouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface CoreRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  handler: CoreRouteHandler;
}

export interface RouteContext {
  store: CoreStore;
  clock: Clock;
}

type Query = Record<string, string | string[] | undefined>;

export function coreRoutes(context: RouteContext): CoreRoute[] {
  return [
    { method: 'GET', url: '/health', handler: async () => health(context) },
    {
      method: 'GET',
      url: '/v1/sessions',
      handler: async (request) => listSessions(context, request.query as Query),
    },
    { method: 'GET', url: '/v1/sessions/stats/summary', handler: async () => stats(context) },
    {
      method: 'POST',
      url: '/v1/sessions/bulk-delete',
      handler: async (request) => bulkDelete(context, request.body),
    },
    {
      method: 'GET',
      url: '/v1/sessions/:session_id',
      handler: async (request) =>
        sessionHistory(context, sessionIdParam(request), request.query as Query),
    },
    {
      method: 'DELETE',
      url: '/v1/sessions/:session_id',
      handler: async (request) => deleteSession(context, sessionIdParam(request)),
    },
    {
      method: 'POST',
      url: '/v1/memory/add',
      handler: async (request) => addMemory(context, request.body),
    },
  ];
}

function health(context: RouteContext): Record<string, unknown> {
  // Reading one row proves the database responds; a failure becomes the usual 500.
  context.store.totals();
  return {
    status: 'healthy',
    version: EMBEDDED_CORE_VERSION,
    timestamp: formatCoreDatetime(context.clock.now()),
    services: { database: 'healthy' },
  };
}

function listSessions(context: RouteContext, query: Query): SessionListResponse {
  const problems: FieldProblem[] = [];
  const limit =
    queryInteger(query, 'limit', SESSION_LIST_LIMIT, problems) ?? SESSION_LIST_LIMIT.default;
  const offset = queryInteger(query, 'offset', { min: 0 }, problems) ?? 0;
  const activeSinceHours = queryInteger(query, 'active_since_hours', { min: 1 }, problems);
  throwIfProblems(problems);

  const activeSince =
    activeSinceHours === undefined ? undefined : context.clock.now() - activeSinceHours * HOUR_MS;
  const page = context.store.listSessions({ limit, offset, activeSince });
  return { sessions: page.sessions.map(toSessionInfo), total: page.total, limit, offset };
}

function sessionHistory(
  context: RouteContext,
  sessionId: string,
  query: Query,
): SessionHistoryResponse {
  const problems: FieldProblem[] = [];
  const limit =
    queryInteger(query, 'limit', SESSION_HISTORY_LIMIT, problems) ?? SESSION_HISTORY_LIMIT.default;
  const offset = queryInteger(query, 'offset', { min: 0 }, problems) ?? 0;
  throwIfProblems(problems);
  const session = requireSession(context, sessionId);

  const messages = context.store.sessionHistory(sessionId, { limit, offset });
  return {
    session_id: sessionId,
    messages: messages.map(toMemoryEntry),
    total_messages: session.messageCount,
    session_duration_minutes: sessionDurationMinutes(session),
  };
}

function deleteSession(context: RouteContext, sessionId: string): SessionDeleteResponse {
  requireSession(context, sessionId);

  const memoriesDeleted = context.store.deleteSession(sessionId);
  return {
    success: true,
    session_id: sessionId,
    memories_deleted: memoriesDeleted,
    message: `Session ${sessionId} deleted (${memoriesDeleted} memories)`,
  };
}

function stats(context: RouteContext): SessionStats {
  const now = context.clock.now();
  const totals = context.store.totals();
  const average = totals.sessions === 0 ? 0 : totals.messages / totals.sessions;

  return {
    total_sessions: totals.sessions,
    total_messages: totals.messages,
    average_messages_per_session: Math.round(average * 100) / 100,
    active_sessions_24h: context.store.countSessionsActiveSince(now - DAY_MS),
    active_sessions_7d: context.store.countSessionsActiveSince(now - 7 * DAY_MS),
    timestamp: formatCoreDatetime(now),
  };
}

interface BulkPlan {
  targets: SessionSummary[];
  failed: { session_id: string; error: string }[];
  /** Valid ids that name no session: already gone, so they count as deleted with no memories. */
  absent: string[];
}

function bulkDelete(context: RouteContext, body: unknown): BulkSessionDeleteResponse {
  const started = context.clock.now();
  const request = parseBody(bulkSessionDeleteRequestSchema, requireBody(body));
  const dryRun = request.dry_run ?? false;
  const plan =
    request.session_ids === undefined || request.session_ids === null
      ? planByAge(context, request.older_than_days ?? BULK_DELETE_OLDER_THAN_DAYS.default)
      : planByIds(context, request.session_ids);

  const targetIds = plan.targets.map((session) => session.sessionId);
  const memoriesDeleted = dryRun
    ? plan.targets.reduce((sum, session) => sum + session.messageCount, 0)
    : context.store.deleteSessions(targetIds);
  const deletedIds = [...targetIds, ...plan.absent];
  return {
    success: plan.failed.length === 0,
    sessions_deleted: deletedIds.length,
    sessions_failed: plan.failed.length,
    memories_deleted: memoriesDeleted,
    dry_run: dryRun,
    deleted_session_ids: deletedIds,
    failed_session_ids: plan.failed,
    duration_ms: context.clock.now() - started,
    message: bulkMessage(dryRun, deletedIds.length, memoriesDeleted, plan.failed.length),
  };
}

// An empty `session_ids` list deletes nothing. NOTE: the deployed Core's code takes
// `[]` down its by-age path instead; an empty selection purging by age would be a trap.
function planByIds(context: RouteContext, sessionIds: string[]): BulkPlan {
  const plan: BulkPlan = { targets: [], failed: [], absent: [] };
  const unique = [...new Set(sessionIds)];
  const stored = context.store.getSessions(
    unique.filter((id) => sessionIdProblem(id) === undefined),
  );
  for (const sessionId of unique) {
    const problem = sessionIdProblem(sessionId);
    const session = stored.get(sessionId);
    if (problem !== undefined) {
      plan.failed.push({ session_id: sessionId, error: problem });
    } else if (session === undefined) {
      plan.absent.push(sessionId);
    } else {
      plan.targets.push(session);
    }
  }

  return plan;
}

function planByAge(context: RouteContext, olderThanDays: number): BulkPlan {
  const before = context.clock.now() - olderThanDays * DAY_MS;
  return { targets: context.store.sessionsInactiveSince(before), failed: [], absent: [] };
}

function bulkMessage(dryRun: boolean, sessions: number, memories: number, failed: number): string {
  const verb = dryRun ? 'Would delete' : 'Deleted';
  const failures = failed === 0 ? '' : `; ${failed} failed`;
  return `${verb} ${sessions} sessions (${memories} memories)${failures}`;
}

function addMemory(context: RouteContext, body: unknown): MemoryAddResponse {
  const request = parseBody(memoryAddRequestSchema, requireBody(body));
  const metadata = request.metadata ?? {};
  checkMemorySessionId(metadata);

  const timestamp =
    request.timestamp === undefined
      ? context.clock.now()
      : (parseCoreDatetime(request.timestamp) as number);
  const memoryId = context.store.addMemory({
    content: request.content,
    metadata,
    source: request.source ?? null,
    timestamp,
  });
  return { success: true, memory_id: memoryId, message: 'Memory added successfully' };
}

/** A chat interaction must name a session that the session routes can address. */
function checkMemorySessionId(metadata: Record<string, unknown>): void {
  const sessionId = memorySessionId(metadata);
  const problem = sessionId === undefined ? undefined : sessionIdProblem(sessionId);
  if (problem !== undefined) {
    throw new RequestValidationError([
      { field: 'body.metadata.session_id', message: problem, type: 'value_error' },
    ]);
  }
}

function sessionIdParam(request: FastifyRequest): string {
  const sessionId = (request.params as { session_id: string }).session_id;
  const problem = sessionIdProblem(sessionId);
  if (problem !== undefined) {
    throw new CoreHttpError(400, problem);
  }

  return sessionId;
}

function requireSession(context: RouteContext, sessionId: string): SessionSummary {
  const session = context.store.getSession(sessionId);
  if (session === undefined) {
    throw new CoreHttpError(404, `Session ${sessionId} not found`);
  }

  return session;
}

function requireBody(body: unknown): unknown {
  if (body === undefined) {
    throw new RequestValidationError([
      { field: 'body', message: 'Field required', type: 'missing' },
    ]);
  }

  return body;
}

function throwIfProblems(problems: FieldProblem[]): void {
  if (problems.length > 0) {
    throw new RequestValidationError(problems);
  }
}

function toSessionInfo(session: SessionSummary): SessionInfo {
  return {
    session_id: session.sessionId,
    created_at: formatCoreDatetime(session.createdAt),
    last_active: formatCoreDatetime(session.lastActive),
    message_count: session.messageCount,
    metadata: { sources: session.sources },
  };
}

function toMemoryEntry(memory: StoredMemory): MemoryEntry {
  return {
    id: memory.id,
    content: memory.content,
    metadata: memory.metadata,
    timestamp: formatCoreDatetime(memory.timestamp),
    source: memory.source,
  };
}

/** Minutes from the first to the last message, to 2 decimals; null for a single message. */
function sessionDurationMinutes(session: SessionSummary): number | null {
  if (session.messageCount < 2) {
    return null;
  }

  return Math.round(((session.lastActive - session.createdAt) / 60_000) * 100) / 100;
}
