/**
 * The secure HTTP client: every outbound request of `mc` goes through `request`, which
 * validates headers, judges and pins each destination, follows redirects itself, and
 * reads the body under a size limit and one deadline.
 */
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

import { SsrfViolationError, type McError } from '../errors/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { checkDeclaredLength, readBody, type ByteBudget } from './body.js';
import { Deadline } from './deadline.js';
import { Agent, sendRequest } from './undici.js';
import {
  CORRELATION_ID_HEADER,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_TIMEOUT_MS,
  MIN_TIMEOUT_MS,
} from './defaults.js';
import { outcomeOf, toMcError } from './failures.js';
import { validateHeaderValue, validateHeaders } from './headers.js';
import {
  createDefaultConnector,
  createPinnedConnector,
  type AddressPins,
} from './pinned-connector.js';
import { followRedirect, hopKey, isRedirectStatus, type Hop } from './redirects.js';
import { buildResponse } from './response.js';
import { systemResolver } from './resolve.js';
import { sanitizeUrlForLog } from './sanitize-url.js';
import {
  judgeAnswers,
  judgeWithoutDns,
  requireAllowed,
  resolveHost,
  type DestinationVerdict,
} from './ssrf/destination.js';
import { normaliseHostName, type EgressPolicy } from './ssrf/policy.js';
import type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  RequestOutcome,
  RequestRecord,
  Resolver,
  SecureClient,
  SecureClientOptions,
} from './types.js';

interface ClientSettings {
  coreOrigin: string;
  correlationId: string;
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  resolver: Resolver;
  clock: Clock;
  onRecord: ((record: RequestRecord) => void) | undefined;
}

/** Clamps a timeout into the allowed 1-60 s window. */
export function clampTimeout(ms: number): number {
  return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, ms));
}

function requireNonNegativeInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative integer, got ${value}`);
  }

  return value;
}

function normaliseOptions(options: SecureClientOptions): ClientSettings {
  let core: URL;
  try {
    core = new URL(options.coreOrigin);
  } catch {
    throw new RangeError(
      `coreOrigin must be an absolute URL, got ${JSON.stringify(options.coreOrigin)}`,
    );
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs)) {
    throw new RangeError(`timeoutMs must be a finite number, got ${timeoutMs}`);
  }

  return {
    coreOrigin: core.origin,
    correlationId: options.correlationId,
    timeoutMs: clampTimeout(timeoutMs),
    maxResponseBytes: requireNonNegativeInteger(
      'maxResponseBytes',
      options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ),
    maxRedirects: requireNonNegativeInteger(
      'maxRedirects',
      options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    ),
    resolver: options.resolver ?? systemResolver,
    clock: options.clock ?? systemClock,
    onRecord: options.onRecord,
  };
}

const HTTP_METHODS: ReadonlySet<string> = new Set<HttpMethod>([
  'GET',
  'POST',
  'DELETE',
  'PUT',
  'PATCH',
  'HEAD',
]);

function outcomeOfStatus(status: number | undefined): RequestOutcome {
  return status !== undefined && status >= 400 ? 'http_error' : 'ok';
}

function parseRequestUrl(rawUrl: string): URL {
  try {
    return new URL(rawUrl);
  } catch {
    throw new SsrfViolationError(
      sanitizeUrlForLog(rawUrl),
      undefined,
      'deny:invalid-url (not a valid absolute URL)',
    );
  }
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) {
      flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }

  return flat;
}

/** Mutable state of one `request()` call, read by its record. */
interface Exchange {
  /** Parsed request URL; undefined when the URL did not parse. */
  requestUrl?: URL;
  status?: number;
  host?: string;
  address?: string;
}

/**
 * Creates the client every outbound request of `mc` goes through. One client keeps one
 * keep-alive pool per egress policy; `close()` destroys both.
 */
export function createSecureClient(options: SecureClientOptions): SecureClient {
  const settings = normaliseOptions(options);
  const connect = options.connect ?? createDefaultConnector();

  // Separate pools per policy, so a connection judged under the Core's wider policy is
  // never reused for a destination judged under the public one.
  const pins: Record<EgressPolicy, AddressPins> = { core: new Map(), public: new Map() };
  const agents: Record<EgressPolicy, UndiciAgent> = {
    core: new Agent({ connect: createPinnedConnector('core', pins.core, connect) }),
    public: new Agent({ connect: createPinnedConnector('public', pins.public, connect) }),
  };

  // The Core's policy covers a chain only while every hop so far stayed on the Core's origin.
  function policyFor(url: URL, stayedOnCore: boolean): EgressPolicy {
    return stayedOnCore && url.origin === settings.coreOrigin ? 'core' : 'public';
  }

  // IP literals (the usual Core) are judged without awaiting anything; only names wait for DNS.
  async function judgeHop(
    hop: Hop,
    policy: EgressPolicy,
    deadline: Deadline,
  ): Promise<DestinationVerdict> {
    const judgement = judgeWithoutDns(hop.url, policy);
    if ('verdict' in judgement) {
      return judgement.verdict;
    }

    const answers = await deadline.race(resolveHost(judgement.resolve, settings.resolver));
    return judgeAnswers(judgement.resolve, answers, policy);
  }

  async function sendHop(hop: Hop, policy: EgressPolicy, deadline: Deadline, exchange: Exchange) {
    exchange.host = normaliseHostName(hop.url.hostname);
    exchange.address = undefined;
    const destination = requireAllowed(await judgeHop(hop, policy, deadline));
    exchange.address = destination.address;
    pins[policy].set(destination.host, destination.address);

    return sendRequest(agents[policy], {
      origin: hop.url.origin,
      path: hop.url.pathname + hop.url.search,
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      signal: deadline,
    });
  }

  async function exchangeWithRedirects(
    firstHop: Hop,
    deadline: Deadline,
    exchange: Exchange,
  ): Promise<HttpResponse> {
    const started = settings.clock.now();
    const budget: ByteBudget = {
      limitBytes: settings.maxResponseBytes,
      remainingBytes: settings.maxResponseBytes,
    };
    const visited = new Set([hopKey(firstHop)]);
    let hop = firstHop;
    let stayedOnCore = true;

    for (;;) {
      const policy = policyFor(hop.url, stayedOnCore);
      stayedOnCore = policy === 'core';
      const response = await sendHop(hop, policy, deadline, exchange);
      exchange.status = response.statusCode;
      const headers = flattenHeaders(response.headers);

      if (isRedirectStatus(response.statusCode)) {
        // The redirect's own body counts against the same budget, then the next hop is judged from scratch.
        checkDeclaredLength(headers['content-length'], budget);
        await readBody(response.body, headers['content-encoding'], budget);
        hop = followRedirect(
          hop,
          response.statusCode,
          headers.location,
          visited,
          settings.maxRedirects,
        );
        continue;
      }

      checkDeclaredLength(headers['content-length'], budget);
      const raw = await readBody(response.body, headers['content-encoding'], budget);
      return buildResponse(response.statusCode, headers, raw, hop, settings.clock.now() - started);
    }
  }

  function buildFirstHop(request: HttpRequest): Hop {
    const url = parseRequestUrl(request.url);
    const headers = validateHeaders(request.headers, 2);
    const correlationId = request.correlationId ?? settings.correlationId;
    validateHeaderValue(CORRELATION_ID_HEADER, correlationId);
    headers[CORRELATION_ID_HEADER] = correlationId;

    let body: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    }

    return { method: request.method, url, headers, body };
  }

  function emitRecord(
    request: HttpRequest,
    started: number,
    exchange: Exchange,
    error: McError | undefined,
  ): void {
    if (settings.onRecord === undefined) {
      return;
    }

    const record: RequestRecord = {
      time: new Date(started).toISOString(),
      correlationId: request.correlationId ?? settings.correlationId,
      method: request.method,
      url: sanitizeUrlForLog(exchange.requestUrl ?? request.url),
      attempt: request.attempt ?? 1,
      durationMs: settings.clock.now() - started,
      outcome: error === undefined ? outcomeOfStatus(exchange.status) : outcomeOf(error),
    };
    if (exchange.status !== undefined) record.status = exchange.status;
    if (error !== undefined) record.errorCode = error.code;

    // A refusal names the destination it judged, which may be a hop never contacted.
    const refused = error instanceof SsrfViolationError ? error : undefined;
    const host = refused?.host ?? exchange.host;
    const address = refused === undefined ? exchange.address : refused.address;
    if (host !== undefined) record.host = host;
    if (address !== undefined) record.address = address;
    if (error !== undefined) record.reason = refused?.reason ?? error.message;

    settings.onRecord(record);
  }

  async function request(request: HttpRequest): Promise<HttpResponse> {
    const started = settings.clock.now();
    const exchange: Exchange = {};
    const timeoutMs =
      request.timeoutMs === undefined ? settings.timeoutMs : clampTimeout(request.timeoutMs);
    if (Number.isNaN(timeoutMs)) {
      throw new RangeError(`timeoutMs must be a number of milliseconds, got ${request.timeoutMs}`);
    }

    if (!HTTP_METHODS.has(request.method)) {
      throw new RangeError(
        `method must be one of ${[...HTTP_METHODS].join(', ')}, got ${JSON.stringify(request.method)}`,
      );
    }

    // One deadline for DNS, connect, headers, body and every redirect.
    const deadline = new Deadline(timeoutMs, request.signal);

    try {
      const firstHop = buildFirstHop(request);
      exchange.requestUrl = firstHop.url;
      const response = await exchangeWithRedirects(firstHop, deadline, exchange);
      emitRecord(request, started, exchange, undefined);
      return response;
    } catch (error) {
      const failure = toMcError(error, {
        deadline,
        description: `${request.method} ${sanitizeUrlForLog(request.url)}`,
      });
      emitRecord(request, started, exchange, failure);
      throw failure;
    } finally {
      deadline.dispose();
    }
  }

  return {
    request,
    async close() {
      await Promise.all([agents.core.destroy(), agents.public.destroy()]);
    },
  };
}
