/**
 * Public types of the secure HTTP client. Every call to the Core, and every other
 * outbound request `mc` makes, goes through `createSecureClient` with these shapes.
 */
import type { buildConnector } from 'undici';

import type { Clock } from '../util/clock.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'HEAD';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute `http:` or `https:` URL. */
  url: string;
  /** Extra request headers. Names must be RFC 9110 tokens; values are never altered, only accepted or rejected. */
  headers?: Record<string, string>;
  /** Body sent as `application/json`. */
  json?: unknown;
  /** Deadline for the whole exchange (DNS, connect, headers, body, redirects). Defaults to the client's timeout. */
  timeoutMs?: number;
  /** Aborts the request; the client then throws `AbortedError`. */
  signal?: AbortSignal;
  /** Attempt number copied into the request record (1 for the first try). */
  attempt?: number;
  /** Sent as `X-Correlation-ID`; defaults to the client's id. */
  correlationId?: string;
}

export interface HttpResponse {
  status: number;
  /** Response headers with lower-case names; repeated headers are joined with `, `. */
  headers: Record<string, string>;
  /** The body parsed as JSON without prototype keys; `undefined` when empty or not JSON. */
  body: unknown;
  /** The decoded body as UTF-8 text, bounded by the size limit. */
  text: string;
  /** Final URL after redirects. */
  url: string;
  durationMs: number;
}

export type RequestOutcome =
  | 'ok'
  | 'http_error'
  | 'refused'
  | 'network_error'
  | 'timeout'
  | 'aborted'
  | 'too_large'
  | 'invalid';

/** One line of the request audit: emitted once per `request()` call, whatever its outcome. */
export interface RequestRecord {
  /** ISO 8601 time the request started. */
  time: string;
  correlationId: string;
  method: string;
  /** Requested URL without userinfo, with secret-looking query values masked. */
  url: string;
  /** Final status, when a response arrived. */
  status?: number;
  attempt: number;
  durationMs: number;
  outcome: RequestOutcome;
  /** `McError` code of the failure. */
  errorCode?: string;
  /** Host judged or contacted last. */
  host?: string;
  /** Address judged or contacted last. */
  address?: string;
  /** Reason for a refusal or failure, without secrets. */
  reason?: string;
}

/** One DNS answer. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Returns every address of `hostname`. Rejects with an error carrying a system `code` (`ENOTFOUND`...) on failure. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Opens the socket for undici. The client calls it with `hostname` replaced by the
 * address it judged and pinned, so a connector never resolves a name itself.
 */
export type Connector = buildConnector.connector;

export interface SecureClientOptions {
  /** Origin of the configured Core (`http://127.0.0.1:8080`); it alone gets the `core` egress policy. */
  coreOrigin: string;
  /** Sent as `X-Correlation-ID` unless a request names its own. */
  correlationId: string;
  /** Deadline of one request, redirects included. Default `DEFAULT_TIMEOUT_MS` (10 s), clamped to 1-60 s. */
  timeoutMs?: number;
  /** Maximum response body, counted after decompression and across redirects. Default `DEFAULT_MAX_RESPONSE_BYTES` (10 MB). */
  maxResponseBytes?: number;
  /** Maximum redirects followed. Default `DEFAULT_MAX_REDIRECTS` (5). */
  maxRedirects?: number;
  /** DNS resolver. Default: the system resolver (`dns.lookup`, all addresses) with a 5 s timeout. */
  resolver?: Resolver;
  /** Socket opener. Default: undici's connector. Tests inject a recording one. */
  connect?: Connector;
  /** Receives one record per request. */
  onRecord?: (record: RequestRecord) => void;
  /** Default: `systemClock`. */
  clock?: Clock;
}

export interface SecureClient {
  /** Sends the request, following redirects. Returns every status; throws `McError`s for refusals and failures. */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Destroys the connection pool; the client cannot be used afterwards. */
  close(): Promise<void>;
}
