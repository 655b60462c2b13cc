/**
 * Translation of whatever a request threw into the `McError` thrown to the caller, and of
 * that error into the outcome of the request record.
 */
import { isMcError, NetworkError, type McError } from '../errors/errors.js';
import type { RequestOutcome } from './types.js';

/** Name, code and message of an error: what may be kept as a cause, never the request options. */
export interface ReducedError {
  name: string;
  code: string | undefined;
  message: string;
}

export function reduceError(error: unknown): ReducedError {
  if (!(error instanceof Error)) {
    return { name: 'Error', code: undefined, message: String(error) };
  }

  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    code: typeof code === 'string' ? code : undefined,
    message: error.message,
  };
}

// undici's own codes, for failures that have no system code underneath.
const UNDICI_CODE_TO_NETWORK_CODE: Record<string, string> = {
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_HEADERS_TIMEOUT: 'ETIMEDOUT',
  UND_ERR_BODY_TIMEOUT: 'ETIMEDOUT',
};

// System codes (`ECONNREFUSED`) and OpenSSL certificate codes (`CERT_HAS_EXPIRED`,
// `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_...`).
const SYSTEM_CODE =
  /^(E[A-Z0-9]+|ERR_TLS_[A-Z0-9_]+|ERR_SSL_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)$/;

/** Finds the most specific network code in `error` and its `cause` chain. */
export function findNetworkCode(error: unknown): string {
  let fallback: string | undefined;

  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SYSTEM_CODE.test(code)) {
      return code;
    }

    if (typeof code === 'string' && fallback === undefined) {
      fallback = UNDICI_CODE_TO_NETWORK_CODE[code] ?? code;
    }
    current = current.cause;
  }

  return fallback ?? 'UNKNOWN';
}

export interface FailureContext {
  /** The request's deadline; once aborted, its reason is the error whatever undici threw. */
  deadline: { aborted: boolean; reason: McError | undefined };
  /** Method and sanitised URL, for the message. */
  description: string;
}

/** Turns anything thrown during a request into an `McError`. */
export function toMcError(error: unknown, context: FailureContext): McError {
  if (context.deadline.aborted && context.deadline.reason !== undefined) {
    return context.deadline.reason;
  }

  if (isMcError(error)) {
    return error;
  }

  const networkCode = findNetworkCode(error);
  return new NetworkError(networkCode, `${context.description} failed: ${networkCode}`, {
    cause: reduceError(error),
  });
}

const OUTCOME_BY_CODE: Partial<Record<McError['code'], RequestOutcome>> = {
  SSRF_VIOLATION: 'refused',
  HEADER_VALIDATION_FAILED: 'invalid',
  REDIRECT_FAILED: 'invalid',
  INVALID_RESPONSE: 'invalid',
  RESPONSE_TOO_LARGE: 'too_large',
  TIMEOUT: 'timeout',
  ABORTED: 'aborted',
  NETWORK_ERROR: 'network_error',
};

export function outcomeOf(error: McError): RequestOutcome {
  return OUTCOME_BY_CODE[error.code] ?? 'network_error';
}
