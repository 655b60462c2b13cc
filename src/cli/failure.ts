/**
 * The one place where an error becomes the output for the user: a sentence, an exit
 * code and, for `--verbose`, a few technical lines. Errors are recognised by their stable
 * `code` (see `src/errors/errors.ts`). The sentence never contains a stack trace, a
 * response body or a credential. The CLI adds the "❌ " prefix.
 */
import { hasCode, isMcError, type McError } from '../errors/errors.js';

export interface ExitCodeEntry {
  name: string;
  code: number;
  meaning: string;
}

/** Every exit code of `mc`, for the README and for scripts that branch on them. */
export const EXIT_CODES = [
  { name: 'SUCCESS', code: 0, meaning: 'The command did what was requested.' },
  { name: 'FAILURE', code: 1, meaning: 'A failure with no more specific code below.' },
  {
    name: 'USAGE',
    code: 2,
    meaning: 'Invalid command line: unknown flag, bad value, malformed id.',
  },
  { name: 'CONFIG', code: 3, meaning: 'The configuration file or an override is invalid.' },
  {
    name: 'AUTH',
    code: 4,
    meaning: 'MasterClaw Core rejected the credentials (401) or the permission (403).',
  },
  {
    name: 'NOT_FOUND',
    code: 5,
    meaning: 'The session or route does not exist on MasterClaw Core (404).',
  },
  {
    name: 'UNAVAILABLE',
    code: 6,
    meaning:
      'MasterClaw Core could not be reached or is failing: not running, connection error, timeout, 5xx answer, or circuit open.',
  },
  {
    name: 'RATE_LIMITED',
    code: 7,
    meaning: 'MasterClaw Core rate-limited the requests (429); the message names the wait.',
  },
  {
    name: 'SECURITY',
    code: 8,
    meaning:
      'A security check stopped the request: forbidden destination (SSRF), invalid header, or untrusted TLS certificate.',
  },
  {
    name: 'PARTIAL_FAILURE',
    code: 9,
    meaning: 'A bulk operation finished with some items done and some failed.',
  },
  {
    name: 'CONFIRMATION_REFUSED',
    code: 10,
    meaning:
      'A destructive command was declined, or needs --yes because no terminal can confirm it.',
  },
  { name: 'AUDIT_INVALID', code: 11, meaning: 'The audit log failed verification.' },
  { name: 'INTERRUPTED', code: 130, meaning: 'Interrupted by Ctrl-C (SIGINT) or SIGTERM.' },
] as const satisfies readonly ExitCodeEntry[];

export type ExitCodeName = (typeof EXIT_CODES)[number]['name'];

/** Returns the numeric exit code named `name`. */
export function exitCodeOf(name: ExitCodeName): number {
  const entry = EXIT_CODES.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    throw new RangeError(`unknown exit code name ${JSON.stringify(name)}`);
  }

  return entry.code;
}

export interface FailureDescription {
  /** One or two sentences for stderr, without the "❌ " prefix. */
  message: string;
  exitCode: number;
  /** Technical lines for `--verbose`; empty unless `verbose` was set. */
  details: string[];
}

export interface DescribeFailureOptions {
  /** Epoch milliseconds, to turn a circuit's `retryAt` into a wait. */
  now: number;
  verbose: boolean;
}

/** Facts the caller knows about the failed call, listed in the details. */
export interface FailureContext {
  attempts?: number;
  correlationId?: string;
}

const SESSION_API_CIRCUIT = 'session-api';

/** Reading names for circuits, used in the circuit-open sentence. */
const CIRCUIT_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  [SESSION_API_CIRCUIT]: 'Session API',
};

/** Network codes of certificates that are expired, self-signed, for another host, or not verifiable. */
const TLS_CERTIFICATE_CODE =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|ERR_TLS_CERT|HOSTNAME_MISMATCH$)/;

/** Network codes of a TLS handshake that failed before any certificate was judged. */
const TLS_HANDSHAKE_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;

/** Maximum length of text from the Core or a cause quoted to the user. */
const MAX_QUOTED_LENGTH = 200;

/** Turns `error` into the user's sentence, the exit code and, when verbose, the details. */
export function describeFailure(
  error: unknown,
  options: DescribeFailureOptions,
  context: FailureContext = {},
): FailureDescription {
  const { message, exitCode } = translate(error, options.now);
  const details = options.verbose ? describeDetails(error, context) : [];

  return { message, exitCode, details };
}

type Translation = { message: string; exitCode: number };

function translate(error: unknown, now: number): Translation {
  if (!isMcError(error)) {
    return translateForeignError(error);
  }

  switch (error.code) {
    case 'USAGE_ERROR':
      return { message: asSentence(error.message), exitCode: exitCodeOf('USAGE') };
    case 'CONFIG_INVALID':
      return translateConfigError(error);
    case 'CONFIRMATION_REQUIRED':
      return { message: asSentence(error.message), exitCode: exitCodeOf('CONFIRMATION_REFUSED') };
    case 'ABORTED':
      return { message: describeInterruption(error), exitCode: exitCodeOf('INTERRUPTED') };
    case 'SSRF_VIOLATION':
      return security(
        `Security violation: Invalid API URL configuration. ${describeRefusal(error)}`,
      );
    case 'HEADER_VALIDATION_FAILED':
      return security(
        'Security violation: a request header contained forbidden characters, so nothing was sent.',
      );
    case 'RESPONSE_TOO_LARGE':
      return translateResponseTooLarge(error);
    case 'REDIRECT_FAILED':
      return failure(
        'MasterClaw Core redirected the request too many times or to an invalid location. Check core.url in your configuration.',
      );
    case 'TIMEOUT':
      return translateNetworkCode('ETIMEDOUT');
    case 'NETWORK_ERROR':
      return translateNetworkCode(fieldOf(error, 'networkCode', 'string') ?? '');
    case 'HTTP_ERROR':
      return translateHttpError(error);
    case 'INVALID_RESPONSE':
      return failure(
        `MasterClaw Core sent a response mc does not understand (${sanitize(error.message)}). Check that core.url points to MasterClaw Core.`,
      );
    case 'CIRCUIT_OPEN':
      return translateCircuitOpen(error, now);
    case 'RETRY_BUDGET_EXCEEDED':
      return translateRetryBudgetExceeded(error);
    case 'PARTIAL_FAILURE':
      return translatePartialFailure(error);
    case 'CORE_NOT_RUNNING':
      return unavailable(asSentence(error.message));
    case 'CORE_START_FAILED':
      return failure(`MasterClaw Core failed to start: ${asSentence(error.message)}`);
    case 'AUDIT_INVALID':
      return {
        message: `Audit log verification failed: ${asSentence(error.message)}`,
        exitCode: exitCodeOf('AUDIT_INVALID'),
      };
    case 'STATE_INVALID':
      return failure(`A local state file cannot be used: ${asSentence(error.message)}`);
  }
}

function translateHttpError(error: McError): Translation {
  const status = fieldOf(error, 'status', 'number') ?? 0;
  const coreMessage = fieldOf(error, 'coreMessage', 'string');

  switch (status) {
    case 400:
      return failure(
        coreMessage === undefined
          ? 'MasterClaw Core rejected the request as invalid.'
          : `MasterClaw Core rejected the request: ${asSentence(coreMessage)}`,
      );
    case 401:
      return auth('Authentication required. Check your API credentials.');
    case 403:
      return auth('Access denied. You do not have permission to perform this action.');
    case 404:
      return { message: describeNotFound(error), exitCode: exitCodeOf('NOT_FOUND') };
    case 408:
      return unavailable('MasterClaw Core timed out waiting for the request. Please try again.');
    case 422:
      return failure(translateValidationError(error, coreMessage));
    case 429:
      return translateRateLimit(fieldOf(error, 'retryAfterMs', 'number'));
    case 500:
      return unavailable(
        coreMessage === undefined
          ? 'MasterClaw Core failed with an internal error. Please try again later.'
          : `MasterClaw Core failed with an internal error: ${asSentence(coreMessage)}`,
      );
    case 502:
      return unavailable(
        'Bad gateway: the proxy in front of MasterClaw Core got no valid answer. Please try again in a moment.',
      );
    case 503:
      return unavailable(
        'Service temporarily unavailable. Is MasterClaw Core running? (mc revive)',
      );
    case 504:
      return unavailable(
        'Gateway timeout: MasterClaw Core did not answer the proxy in time. Please try again in a moment.',
      );
  }

  if (status >= 500) {
    return unavailable(`MasterClaw Core failed with HTTP ${status}. Please try again later.`);
  }

  return failure(
    coreMessage === undefined
      ? `MasterClaw Core rejected the request with HTTP ${status}.`
      : `MasterClaw Core rejected the request with HTTP ${status}: ${asSentence(coreMessage)}`,
  );
}

function translateValidationError(error: McError, coreMessage: string | undefined): string {
  const fieldErrors =
    'fieldErrors' in error && Array.isArray(error.fieldErrors) ? error.fieldErrors : [];
  const fields = fieldErrors
    .map((entry: unknown) =>
      typeof entry === 'object' && entry !== null && 'field' in entry ? String(entry.field) : '',
    )
    .filter((field) => field !== '');

  if (fields.length > 0) {
    return `MasterClaw Core rejected the request. Invalid fields: ${asSentence([...new Set(fields)].join(', '))}`;
  }

  return coreMessage === undefined
    ? 'MasterClaw Core rejected the request as invalid.'
    : `MasterClaw Core rejected the request: ${asSentence(coreMessage)}`;
}

function translateRateLimit(retryAfterMs: number | undefined): Translation {
  if (retryAfterMs === undefined || retryAfterMs <= 0) {
    return rateLimited('Too many requests. Please wait a moment and try again.');
  }

  return rateLimited(`Too many requests. Please try again in ${secondsPhrase(retryAfterMs)}.`);
}

function translateRetryBudgetExceeded(error: McError): Translation {
  const wait = secondsPhrase(fieldOf(error, 'waitMs', 'number') ?? 0);
  const causeStatus = fieldOf(error.cause, 'status', 'number');

  if (causeStatus === undefined || causeStatus === 429) {
    return rateLimited(`Too many requests. Please try again in ${wait}.`);
  }

  return unavailable(`Service temporarily unavailable. Please try again in ${wait}.`);
}

function translateCircuitOpen(error: McError, now: number): Translation {
  const circuit = fieldOf(error, 'circuit', 'string') ?? '';
  const retryAt = fieldOf(error, 'retryAt', 'number') ?? now;
  const service = CIRCUIT_DISPLAY_NAMES[circuit] ?? `The ${circuit} service`;

  return unavailable(
    `${service} is temporarily unavailable. Please try again in ${secondsPhrase(retryAt - now)}.`,
  );
}

function translateNetworkCode(networkCode: string): Translation {
  switch (networkCode) {
    case 'ECONNREFUSED':
      return unavailable('Cannot connect to MasterClaw Core. Is it running? (mc revive)');
    case 'ECONNRESET':
      return unavailable('The connection to MasterClaw Core was reset. Please try again.');
    case 'ETIMEDOUT':
      return unavailable(
        'MasterClaw Core did not respond in time. Please try again, and check that it is running (mc revive).',
      );
    case 'ENOTFOUND':
      return unavailable(
        'Cannot resolve the MasterClaw Core host name. Check core.url in your configuration.',
      );
    case 'EPIPE':
      return unavailable(
        'The connection to MasterClaw Core closed while the request was being sent. Please try again.',
      );
  }

  if (TLS_CERTIFICATE_CODE.test(networkCode)) {
    return security(
      "Secure connection to MasterClaw Core failed: its TLS certificate is not trusted. Check core.url and the Core's certificate.",
    );
  }

  if (TLS_HANDSHAKE_CODE.test(networkCode)) {
    return unavailable(
      'Secure connection to MasterClaw Core failed during the TLS handshake. Check that the Core serves https at core.url, or use an http: URL.',
    );
  }

  return unavailable(
    'A network error interrupted the connection to MasterClaw Core. Please try again.',
  );
}

/** Describes what an interruption left undone, when the code that caught it recorded that. */
function describeInterruption(error: McError): string {
  return error.message.startsWith('Interrupted') ? asSentence(error.message) : 'Interrupted.';
}

/** Names the refused destination and why, since a redirect can cause it as well as the URL. */
function describeRefusal(error: McError): string {
  const host = fieldOf(error, 'host', 'string') ?? 'the destination';
  const address = fieldOf(error, 'address', 'string');
  const reason = fieldOf(error, 'reason', 'string')?.replace(/^deny:/, '');
  const where = address === undefined || address === host ? host : `${host} (${address})`;

  return asSentence(
    `mc refused to connect to ${sanitize(where)}${reason === undefined ? '' : `: ${sanitize(reason)}`}`,
  );
}

/** Describes a 404: on a session's own route the session is gone; on any other route the Core URL is wrong. */
function describeNotFound(error: McError): string {
  const url = fieldOf(error, 'url', 'string') ?? '';
  const path = url.startsWith('/') ? url : safePathOf(url);
  if (
    /\/v1\/sessions\/(?!stats\/|bulk-delete)[^/?]+(?:\?.*)?$/.test(path) ||
    path === '/v1/sessions/{id}'
  ) {
    return 'Session not found. It may have been deleted or expired.';
  }

  return `MasterClaw Core has no route for ${sanitize(path.replace(/\?.*$/, ''))} (404). Check that core.url points to MasterClaw Core.`;
}

function safePathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

function translateConfigError(error: McError): Translation {
  const path = fieldOf(error, 'path', 'string');
  if (path === undefined) {
    return { message: asSentence(error.message), exitCode: exitCodeOf('CONFIG') };
  }

  return {
    message: `Invalid configuration in ${path}: ${asSentence(error.message)} Edit or remove the file to continue.`,
    exitCode: exitCodeOf('CONFIG'),
  };
}

function translateResponseTooLarge(error: McError): Translation {
  const limitBytes = fieldOf(error, 'limitBytes', 'number');
  const limit = limitBytes === undefined ? '' : ` (over ${formatBytes(limitBytes)})`;

  return failure(`The response from MasterClaw Core was too large${limit} and was discarded.`);
}

function translatePartialFailure(error: McError): Translation {
  const succeeded = fieldOf(error, 'succeeded', 'number') ?? 0;
  const failed = fieldOf(error, 'failed', 'number') ?? 0;
  const message =
    error.message.trim() === ''
      ? `${failed} of ${succeeded + failed} items failed.`
      : asSentence(error.message);

  return { message, exitCode: exitCodeOf('PARTIAL_FAILURE') };
}

// Errors that escaped the wrapping in src/http still carry a Node.js system code.
function translateForeignError(error: unknown): Translation {
  const code = fieldOf(error, 'code', 'string');
  if (code !== undefined && /^E[A-Z]+$/.test(code)) {
    return translateNetworkCode(code);
  }

  return failure('An unexpected error occurred. Run the command again with --verbose for details.');
}

function describeDetails(error: unknown, context: FailureContext): string[] {
  const details: string[] = [];
  const code = isMcError(error) ? error.code : fieldOf(error, 'code', 'string');
  const status = fieldOf(error, 'status', 'number');
  const networkCode = hasCode(error, 'TIMEOUT')
    ? 'ETIMEDOUT'
    : fieldOf(error, 'networkCode', 'string');

  if (code !== undefined) details.push(`code: ${sanitize(code)}`);
  if (status !== undefined) details.push(`HTTP status: ${status}`);
  if (networkCode !== undefined) details.push(`network code: ${sanitize(networkCode)}`);
  if (context.attempts !== undefined) details.push(`attempts: ${context.attempts}`);
  if (context.correlationId !== undefined)
    details.push(`correlation id: ${sanitize(context.correlationId)}`);

  details.push(`error: ${describeCause(error)}`);
  if (isMcError(error) && error.cause !== undefined) {
    details.push(`cause: ${describeCause(error.cause)}`);
  }

  return details;
}

/** Causes are errors, or the reduced `{ name, code, message }` copies the HTTP layer keeps. */
function describeCause(value: unknown): string {
  if (typeof value !== 'object' || value === null) {
    return typeof value;
  }

  const { name, code, message } = value as { name?: unknown; code?: unknown; message?: unknown };
  const parts = [name, code, message].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length === 0 ? 'unknown' : sanitize(parts.join(': '));
}

function failure(message: string): Translation {
  return { message, exitCode: exitCodeOf('FAILURE') };
}

function unavailable(message: string): Translation {
  return { message, exitCode: exitCodeOf('UNAVAILABLE') };
}

function auth(message: string): Translation {
  return { message, exitCode: exitCodeOf('AUTH') };
}

function rateLimited(message: string): Translation {
  return { message, exitCode: exitCodeOf('RATE_LIMITED') };
}

function security(message: string): Translation {
  return { message, exitCode: exitCodeOf('SECURITY') };
}

function fieldOf(value: unknown, field: string, type: 'string'): string | undefined;
function fieldOf(value: unknown, field: string, type: 'number'): number | undefined;
function fieldOf(
  value: unknown,
  field: string,
  type: 'string' | 'number',
): string | number | undefined {
  if (typeof value !== 'object' || value === null || !(field in value)) {
    return undefined;
  }

  const entry: unknown = (value as Record<string, unknown>)[field];

  return typeof entry === type && (type === 'string' || Number.isFinite(entry))
    ? (entry as string | number)
    : undefined;
}

function secondsPhrase(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));

  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
  }

  return `${bytes} bytes`;
}

function asSentence(text: string): string {
  const cleaned = sanitize(text);

  return /[.!?…]$/.test(cleaned) ? cleaned : `${cleaned}.`;
}

/**
 * Makes text from the Core or an error safe to print: control characters (which could
 * drive the terminal) removed, URL credentials and secret-looking query values masked,
 * and length capped.
 */
function sanitize(text: string): string {
  const printable = text
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .trim();
  const masked = printable
    .replace(/\/\/[^/\s@]+@/g, '//***@')
    .replace(/([?&][^=&\s]*(?:key|token|secret|password|auth)[^=&\s]*=)[^&\s]*/gi, '$1***');
  const capped =
    masked.length > MAX_QUOTED_LENGTH ? `${masked.slice(0, MAX_QUOTED_LENGTH - 1)}…` : masked;

  return capped;
}
