/**
 * The embedded Core as a fastify instance: the routes of `routes.ts` plus what the
 * deployed Core does around them (request ids, optional API key and rate limit, its
 * 307/404/405/422/500 bodies). The caller decides where it listens.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';

import { systemClock, type Clock } from '../util/clock.js';
import {
  SlidingWindowRateLimiter,
  type RateLimitDecision,
  type RateLimitOptions,
} from './rate-limit.js';
import { coreRoutes, type CoreRoute } from './routes.js';
import type { CoreStore } from './store.js';
import { CoreHttpError, RequestValidationError, type FieldProblem } from './validation.js';

export const API_KEY_HEADER = 'x-api-key';
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest path parameter routed to a handler; longer ones get fastify's 414. */
const MAX_PATH_PARAMETER_LENGTH = 4_096;

/** Request ids a client may choose; anything else is replaced, so a header never reflects junk. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CoreLoggerOptions {
  /** Destination of the JSON log lines. */
  stream: NodeJS.WritableStream;
  /** Pino level; default `info`. */
  level?: string;
}

export interface CoreAppOptions {
  store: CoreStore;
  /** When set, every route requires this value in `X-API-Key`. Default: no key. */
  apiKey?: string | undefined;
  /** Per-client sliding-window limit. Default: none, so benchmarks can page through large stores. */
  rateLimit?: RateLimitOptions | undefined;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: no logging. */
  logger?: CoreLoggerOptions | undefined;
}

/** Builds the app without listening; throws `RangeError` for an empty API key or a bad rate limit. */
export function createCoreApp(options: CoreAppOptions): FastifyInstance {
  checkAppOptions(options);
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: loggerOptions(options.logger),
    genReqId: requestIdFor,
    requestIdHeader: false,
    routerOptions: {
      // The Core's routes are case-sensitive and treat `/x/` apart from `/x` (it redirects).
      ignoreTrailingSlash: false,
      // fastify returns 414 for a path parameter over 100 characters; an over-long session
      // id must reach the handler, which rejects it with the Core's 400 and message.
      maxParamLength: MAX_PATH_PARAMETER_LENGTH,
    },
    frameworkErrors: answerMalformedUrl,
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  if (options.rateLimit !== undefined) {
    installRateLimit(app, new SlidingWindowRateLimiter(options.rateLimit, clock));
  }
  if (options.apiKey !== undefined) {
    installApiKeyCheck(app, options.apiKey);
  }

  const routes = coreRoutes({ store: options.store, clock });
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      // `/v1/sessions/` reaches the `:session_id` route with an empty id; the Core redirects it.
      handler: async (request, reply) =>
        hasTrailingSlash(request.url)
          ? answerUnrouted(routes, request, reply)
          : route.handler(request, reply),
    });
  }
  app.setNotFoundHandler((request, reply) => answerUnrouted(routes, request, reply));
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply));
  return app;
}

function checkAppOptions(options: CoreAppOptions): void {
  if (options.apiKey === '') {
    throw new RangeError('apiKey must not be empty; leave it undefined for no key');
  }

  const limit = options.rateLimit;
  if (limit !== undefined && !(Number.isInteger(limit.max) && limit.max > 0)) {
    throw new RangeError(`rateLimit.max must be a positive integer, got ${String(limit.max)}`);
  }
  if (limit !== undefined && !(Number.isInteger(limit.windowMs) && limit.windowMs > 0)) {
    throw new RangeError(
      `rateLimit.windowMs must be a positive integer, got ${String(limit.windowMs)}`,
    );
  }
}

function loggerOptions(logger: CoreLoggerOptions | undefined): object | false {
  if (logger === undefined) {
    return false;
  }

  return {
    level: logger.level ?? 'info',
    stream: logger.stream,
    redact: { paths: ['req.headers["x-api-key"]', 'headers["x-api-key"]'], censor: '[redacted]' },
  };
}

function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && REQUEST_ID_PATTERN.test(given)) {
    return given;
  }

  return randomUUID();
}

function installRateLimit(app: FastifyInstance, limiter: SlidingWindowRateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const decision = limiter.take(request.ip);
    setRateLimitHeaders(reply, limiter.limit, decision);
    if (decision.allowed) {
      return;
    }

    const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    reply.header('retry-after', String(retryAfterSeconds));
    return reply.code(429).send({
      error: 'Rate limit exceeded',
      code: 'RATE_LIMIT_EXCEEDED',
      limit: limiter.limit,
      window: `${Math.round(limiter.windowMs / 1000)} seconds`,
      retry_after: retryAfterSeconds,
    });
  });
}

function setRateLimitHeaders(
  reply: FastifyReply,
  limit: number,
  decision: RateLimitDecision,
): void {
  reply.header('x-ratelimit-limit', String(limit));
  reply.header('x-ratelimit-remaining', String(decision.remaining));
  reply.header('x-ratelimit-reset', String(Math.ceil(decision.resetAt / 1000)));
}

function installApiKeyCheck(app: FastifyInstance, apiKey: string): void {
  const expected = digest(apiKey);
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers[API_KEY_HEADER];
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (typeof given === 'string' && timingSafeEqual(digest(given), expected)) {
      return;
    }

    return reply.code(401).send({ error: 'Invalid or missing API key' });
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** 405 for a known path with another method, 307 for a known path plus a slash, else 404. */
function answerUnrouted(routes: CoreRoute[], request: FastifyRequest, reply: FastifyReply): void {
  const [path = '', query] = splitUrl(request.url);
  if (routes.some((route) => pathMatches(route.url, path))) {
    void reply.code(405).send({ error: 'Method Not Allowed', status_code: 405 });
    return;
  }

  const withoutSlash = path.replace(/\/+$/, '');
  if (withoutSlash !== path && routes.some((route) => pathMatches(route.url, withoutSlash))) {
    const location = query === undefined ? withoutSlash : `${withoutSlash}?${query}`;
    void reply.code(307).header('location', location).send();
    return;
  }

  void reply.code(404).send({ error: 'Not Found', status_code: 404 });
}

function hasTrailingSlash(url: string): boolean {
  const [path = ''] = splitUrl(url);
  return path.length > 1 && path.endsWith('/');
}

function splitUrl(url: string): [string, string | undefined] {
  const index = url.indexOf('?');
  return index === -1 ? [url, undefined] : [url.slice(0, index), url.slice(index + 1)];
}

/** Checks whether `path` fits the route pattern `url`, where a `:name` segment is any non-empty segment. */
function pathMatches(url: string, path: string): boolean {
  const expected = url.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) {
    return false;
  }

  return expected.every(
    (segment, index) =>
      segment === actual[index] || (segment.startsWith(':') && actual[index] !== ''),
  );
}

/**
 * Rejects a path that fastify cannot decode (`%zz`) with a 400. Fastify calls this before
 * any hook. NOTE: such a request skips the API key check and the rate limit, but it
 * reads and changes nothing.
 */
function answerMalformedUrl(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply
    .code(400)
    .header(REQUEST_ID_HEADER, request.id)
    .send({ error: `Invalid URL: ${error.message}`, status_code: 400 });
}

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof RequestValidationError) {
    void reply.code(422).send(validationBody(error.problems));
    return;
  }

  if (error instanceof CoreHttpError) {
    void reply.code(error.statusCode).send({ error: error.message, status_code: error.statusCode });
    return;
  }

  const bodyProblem = bodyParsingProblem(error);
  if (bodyProblem !== undefined) {
    void reply.code(422).send(validationBody([bodyProblem]));
    return;
  }

  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    void reply.code(error.statusCode).send({ error: error.message, status_code: error.statusCode });
    return;
  }

  request.log.error({ err: error }, 'unhandled error');
  void reply.code(500).send({ error: 'Internal server error', request_id: request.id });
}

function validationBody(problems: FieldProblem[]): object {
  return { error: 'Validation error', errors: problems };
}

/** Fastify's body-parsing failures, in the Core's 422 terms. */
function bodyParsingProblem(error: FastifyError): FieldProblem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { field: 'body', message: 'Field required', type: 'missing' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { field: 'body', message: 'JSON decode error', type: 'json_invalid' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        field: 'body',
        message: 'Input should be a valid dictionary or object to extract fields from',
        type: 'model_attributes_type',
      };
    default:
      return error instanceof SyntaxError && error.statusCode === 400
        ? { field: 'body', message: 'JSON decode error', type: 'json_invalid' }
        : undefined;
  }
}
