/**
 * Typed calls to MasterClaw Core's session API. Each call goes through the resilience
 * wrapper (circuit breaker around retry) and then the secure HTTP client, and every response is checked against the contract's schema before it reaches a command.
 */
import type { z } from 'zod';

import {
  bulkSessionDeleteResponseSchema,
  memoryAddResponseSchema,
  sessionDeleteResponseSchema,
  sessionHistoryResponseSchema,
  sessionListResponseSchema,
  sessionStatsSchema,
  type BulkSessionDeleteRequest,
  type BulkSessionDeleteResponse,
  type MemoryAddRequest,
  type MemoryAddResponse,
  type SessionDeleteResponse,
  type SessionHistoryResponse,
  type SessionListResponse,
  type SessionStats,
} from '../contract/schemas.js';
import { sessionIdPathSegment, sessionIdProblem } from '../contract/session-id.js';
import { HttpStatusError, InvalidResponseError, UsageError } from '../errors/errors.js';
import type { HttpMethod, HttpRequest, HttpResponse } from '../http/types.js';
import type { Clock } from '../util/clock.js';
import { RateLimitGate } from './rate-limit-gate.js';
import { httpStatusError } from './status-error.js';
import { quote } from '../util/quote.js';

export interface Requester {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/**
 * Runs one logical call with retries and the circuit breaker. `idempotent` means the
 * call may be repeated after the server might have acted on it; `retryableStatuses`
 * narrows the statuses retried for this call.
 */
export type ResilientInvoker = <T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: { idempotent: boolean; retryableStatuses?: readonly number[] },
) => Promise<T>;

export interface CoreClientOptions {
  /** Base URL of the Core, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  apiKey?: string | undefined;
  requester: Requester;
  invoke: ResilientInvoker;
  clock: Clock;
}

export interface ListSessionsQuery {
  limit?: number;
  offset?: number;
  activeSinceHours?: number;
}

export interface HistoryQuery {
  limit?: number;
  offset?: number;
}

interface CallSpec<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  query?: Record<string, number | undefined>;
  json?: unknown;
  schema: S;
  idempotent: boolean;
  retryableStatuses?: readonly number[];
}

const STATS_RETRYABLE_STATUSES = [408, 429, 502, 503, 504] as const;

export class CoreClient {
  readonly baseUrl: string;
  readonly #options: CoreClientOptions;
  readonly #rateLimit: RateLimitGate;

  constructor(options: CoreClientOptions) {
    this.#options = options;
    this.#rateLimit = new RateLimitGate(options.clock);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async listSessions(query: ListSessionsQuery = {}): Promise<SessionListResponse> {
    return this.#call({
      method: 'GET',
      path: '/v1/sessions',
      query: {
        limit: query.limit,
        offset: query.offset,
        active_since_hours: query.activeSinceHours,
      },
      schema: sessionListResponseSchema,
      idempotent: true,
    });
  }

  async getHistory(sessionId: string, query: HistoryQuery = {}): Promise<SessionHistoryResponse> {
    const history = await this.#call({
      method: 'GET',
      path: `/v1/sessions/${checkedSegment(sessionId)}`,
      query: { limit: query.limit, offset: query.offset },
      schema: sessionHistoryResponseSchema,
      idempotent: true,
    });
    if (history.session_id !== sessionId) {
      throw new InvalidResponseError(
        `GET /v1/sessions/{id} returned the history of another session than ${quoteId(sessionId)}`,
      );
    }

    return history;
  }

  /**
   * Returns whether the Core stores any message of the session. Deployed Cores may respond to an
   * unknown id with 200 and no messages instead of 404, so both mean "no".
   */
  async hasSession(sessionId: string): Promise<boolean> {
    try {
      return (await this.getHistory(sessionId, { limit: 1 })).total_messages > 0;
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) {
        return false;
      }
      throw error;
    }
  }

  async deleteSession(sessionId: string): Promise<SessionDeleteResponse> {
    return this.#call({
      method: 'DELETE',
      path: `/v1/sessions/${checkedSegment(sessionId)}`,
      schema: sessionDeleteResponseSchema,
      idempotent: true,
    });
  }

  /**
   * Deployed Cores respond to this route with a deterministic 500, so a 500 here is not
   * retried: the caller falls back to computing the figures from the session list.
   */
  async getStats(): Promise<SessionStats> {
    return this.#call({
      method: 'GET',
      path: '/v1/sessions/stats/summary',
      schema: sessionStatsSchema,
      idempotent: true,
      retryableStatuses: STATS_RETRYABLE_STATUSES,
    });
  }

  /**
   * Deleting an explicit list of ids can be repeated safely (a second run deletes
   * nothing more), so that form is retried; deletion by age is not, because a retry
   * could remove sessions that aged past the cut-off in between.
   */
  async bulkDelete(request: BulkSessionDeleteRequest): Promise<BulkSessionDeleteResponse> {
    for (const id of request.session_ids ?? []) {
      checkedSegment(id);
    }

    return this.#call({
      method: 'POST',
      path: '/v1/sessions/bulk-delete',
      json: request,
      schema: bulkSessionDeleteResponseSchema,
      idempotent: request.session_ids !== undefined && request.session_ids !== null,
    });
  }

  async addMemory(entry: MemoryAddRequest): Promise<MemoryAddResponse> {
    return this.#call({
      method: 'POST',
      path: '/v1/memory/add',
      json: entry,
      schema: memoryAddResponseSchema,
      idempotent: false,
    });
  }

  async #call<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.infer<S>> {
    const url = this.#url(spec.path, spec.query);

    return this.#options.invoke(
      async (attempt, signal) => {
        await this.#rateLimit.pass(signal);
        const response = await this.#options.requester.request({
          method: spec.method,
          url,
          headers: this.#headers(),
          json: spec.json,
          signal,
          attempt,
        });
        this.#rateLimit.observe(response.headers);
        return this.#parse(spec, url, response);
      },
      { idempotent: spec.idempotent, retryableStatuses: spec.retryableStatuses },
    );
  }

  #parse<S extends z.ZodType>(spec: CallSpec<S>, url: string, response: HttpResponse): z.infer<S> {
    if (response.status >= 400) {
      const secrets = this.#options.apiKey === undefined ? [] : [this.#options.apiKey];
      throw httpStatusError(spec.method, url, response, this.#options.clock.now(), secrets);
    }

    const result = spec.schema.safeParse(response.body);
    if (!result.success) {
      const where = result.error.issues[0]?.path.join('.') || 'body';
      throw new InvalidResponseError(
        `${spec.method} ${spec.path} responded ${response.status} with a body that does not match the contract (${where})`,
      );
    }

    return result.data;
  }

  #url(path: string, query: Record<string, number | undefined> = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) {
        url.searchParams.set(name, String(value));
      }
    }

    return url.toString();
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#options.apiKey !== undefined) {
      headers['x-api-key'] = this.#options.apiKey;
    }

    return headers;
  }
}

/** Rejects a malformed id before any request is made, then encodes it for the path. */
function checkedSegment(sessionId: string): string {
  const problem = sessionIdProblem(sessionId);
  if (problem !== undefined) {
    throw new UsageError(`Invalid session ID ${quoteId(sessionId)}: ${problem}`);
  }

  return sessionIdPathSegment(sessionId);
}

/** Quotes an id for a message: escaped, so control characters cannot reach the terminal, and short. */
export function quoteId(sessionId: string): string {
  return quote(sessionId, 80);
}
