/**
 * The error classes of `mc`. Every failure that reaches the command line is one of
 * these, with a stable string `code`; `src/cli/failure.ts` turns the code into the
 * user's sentence and exit code. Detection goes through `isMcError` and the `code`,
 * not `instanceof` alone, so it survives two copies of this module in one process.
 *
 * No error built here may hold a credential: not in its message, its fields or its
 * `cause`. Code that wraps a third-party error keeps a copy reduced to its name,
 * code and message as the cause, never the original object with its request options.
 */

const MC_ERROR_BRAND = Symbol.for('masterclaw-tools.McError');

export type McErrorCode =
  | 'USAGE_ERROR'
  | 'CONFIG_INVALID'
  | 'CONFIRMATION_REQUIRED'
  | 'ABORTED'
  | 'SSRF_VIOLATION'
  | 'HEADER_VALIDATION_FAILED'
  | 'RESPONSE_TOO_LARGE'
  | 'REDIRECT_FAILED'
  | 'TIMEOUT'
  | 'NETWORK_ERROR'
  | 'HTTP_ERROR'
  | 'INVALID_RESPONSE'
  | 'CIRCUIT_OPEN'
  | 'RETRY_BUDGET_EXCEEDED'
  | 'PARTIAL_FAILURE'
  | 'CORE_NOT_RUNNING'
  | 'CORE_START_FAILED'
  | 'AUDIT_INVALID'
  | 'STATE_INVALID';

export interface McErrorOptions {
  cause?: unknown;
}

export class McError extends Error {
  readonly [MC_ERROR_BRAND] = true;
  readonly code: McErrorCode;

  constructor(code: McErrorCode, message: string, options: McErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'McError';
  }
}

export function isMcError(value: unknown): value is McError {
  return typeof value === 'object' && value !== null && MC_ERROR_BRAND in value;
}

export function hasCode<C extends McErrorCode>(
  value: unknown,
  code: C,
): value is McError & { code: C } {
  return isMcError(value) && value.code === code;
}

/** A command line that cannot be run as given: bad flag value, malformed id, missing argument. */
export class UsageError extends McError {
  constructor(message: string) {
    super('USAGE_ERROR', message);
    this.name = 'UsageError';
  }
}

/** A configuration file or value that does not pass the schema. `path` is the file, when there is one. */
export class ConfigError extends McError {
  readonly path: string | undefined;

  constructor(message: string, path?: string, options: McErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** A destructive command that needs `--yes` (no terminal) or that the user declined. */
export class ConfirmationRequiredError extends McError {
  readonly declined: boolean;

  constructor(message: string, declined = false) {
    super('CONFIRMATION_REQUIRED', message);
    this.name = 'ConfirmationRequiredError';
    this.declined = declined;
  }
}

/** The command was interrupted (SIGINT) or aborted through its signal. */
export class AbortedError extends McError {
  constructor(message = 'Interrupted.', options: McErrorOptions = {}) {
    super('ABORTED', message, options);
    this.name = 'AbortedError';
  }
}

/** A destination that the egress policy does not allow. Names the host and the address judged. */
export class SsrfViolationError extends McError {
  readonly host: string;
  readonly address: string | undefined;
  readonly reason: string;

  constructor(host: string, address: string | undefined, reason: string) {
    const where = address === undefined ? host : `${host} (${address})`;
    super('SSRF_VIOLATION', `Request to ${where} refused: ${reason}`);
    this.name = 'SsrfViolationError';
    this.host = host;
    this.address = address;
    this.reason = reason;
  }
}

/** A header name or value that could inject or smuggle; nothing was sent. */
export class HeaderValidationError extends McError {
  readonly header: string;

  constructor(header: string, reason: string) {
    super('HEADER_VALIDATION_FAILED', `Header ${JSON.stringify(header)} rejected: ${reason}`);
    this.name = 'HeaderValidationError';
    this.header = header;
  }
}

/** A response body over the size limit, counted after decompression. */
export class ResponseTooLargeError extends McError {
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super('RESPONSE_TOO_LARGE', `Response body exceeds the limit of ${limitBytes} bytes`);
    this.name = 'ResponseTooLargeError';
    this.limitBytes = limitBytes;
  }
}

/** Too many redirects, a redirect loop, or a redirect without a usable `Location`. */
export class RedirectError extends McError {
  constructor(message: string) {
    super('REDIRECT_FAILED', message);
    this.name = 'RedirectError';
  }
}

/** No complete response within the timeout (connect, headers and body together). */
export class TimeoutError extends McError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: McErrorOptions = {}) {
    super('TIMEOUT', `No response within ${timeoutMs} ms`, options);
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A failure below HTTP: `networkCode` is the system or TLS code (`ECONNREFUSED`,
 * `ECONNRESET`, `ETIMEDOUT`, `EPIPE`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, ...).
 */
export class NetworkError extends McError {
  readonly networkCode: string;

  constructor(networkCode: string, message: string, options: McErrorOptions = {}) {
    super('NETWORK_ERROR', message, options);
    this.name = 'NetworkError';
    this.networkCode = networkCode;
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** An HTTP answer with a status of 400 or more. `coreMessage` is read from `error`, `detail` or `message`. */
export class HttpStatusError extends McError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly coreMessage: string | undefined;
  readonly fieldErrors: FieldError[];
  /** Delay the server asked for with `Retry-After`, already validated; undefined when absent or junk. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    status: number;
    method: string;
    url: string;
    coreMessage?: string | undefined;
    fieldErrors?: FieldError[];
    retryAfterMs?: number | undefined;
  }) {
    super('HTTP_ERROR', `${init.method} ${init.url} answered ${init.status}`);
    this.name = 'HttpStatusError';
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.coreMessage = init.coreMessage;
    this.fieldErrors = init.fieldErrors ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** A body that is not the JSON the contract promises. */
export class InvalidResponseError extends McError {
  constructor(message: string, options: McErrorOptions = {}) {
    super('INVALID_RESPONSE', message, options);
    this.name = 'InvalidResponseError';
  }
}

/** The circuit is open: the call was not made. `retryAt` is the epoch millisecond of the next probe. */
export class CircuitOpenError extends McError {
  readonly circuit: string;
  readonly retryAt: number;

  constructor(circuit: string, retryAt: number) {
    super('CIRCUIT_OPEN', `Circuit ${circuit} is open until ${new Date(retryAt).toISOString()}`);
    this.name = 'CircuitOpenError';
    this.circuit = circuit;
    this.retryAt = retryAt;
  }
}

/**
 * The server asked for a wait (`Retry-After`) longer than the command's retry budget,
 * so the command stops instead of waiting. `waitMs` is what the server asked for.
 */
export class RetryBudgetExceededError extends McError {
  readonly waitMs: number;

  constructor(waitMs: number, options: McErrorOptions = {}) {
    super('RETRY_BUDGET_EXCEEDED', `Server asked to wait ${Math.ceil(waitMs / 1000)} s`, options);
    this.name = 'RetryBudgetExceededError';
    this.waitMs = waitMs;
  }
}

/** A bulk operation in which some items failed and others succeeded. */
export class PartialFailureError extends McError {
  readonly succeeded: number;
  readonly failed: number;

  constructor(message: string, succeeded: number, failed: number) {
    super('PARTIAL_FAILURE', message);
    this.name = 'PartialFailureError';
    this.succeeded = succeeded;
    this.failed = failed;
  }
}

/** The embedded Core is not running where the command expected it. */
export class CoreNotRunningError extends McError {
  constructor(message: string) {
    super('CORE_NOT_RUNNING', message);
    this.name = 'CoreNotRunningError';
  }
}

/** The embedded Core did not come up. */
export class CoreStartError extends McError {
  constructor(message: string, options: McErrorOptions = {}) {
    super('CORE_START_FAILED', message, options);
    this.name = 'CoreStartError';
  }
}

/** A local state file (circuit state, journal) that cannot be used as it is. */
export class StateError extends McError {
  constructor(message: string, options: McErrorOptions = {}) {
    super('STATE_INVALID', message, options);
    this.name = 'StateError';
  }
}

/** The audit log failed verification; `entry` is the 1-based line where the chain broke. */
export class AuditInvalidError extends McError {
  readonly file: string;
  readonly entry: number;

  constructor(file: string, entry: number, reason: string) {
    super('AUDIT_INVALID', `${file}: entry ${entry}: ${reason}`);
    this.name = 'AuditInvalidError';
    this.file = file;
    this.entry = entry;
  }
}
