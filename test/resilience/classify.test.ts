import { describe, expect, it } from 'vitest';

import {
  AbortedError,
  HttpStatusError,
  InvalidResponseError,
  NetworkError,
  TimeoutError,
  UsageError,
} from '../../src/errors/errors.js';
import {
  isRetryableError,
  isServiceFailure,
  isUndeliveredRequestError,
} from '../../src/resilience/classify.js';
import { DEFAULT_RETRY_POLICY } from '../../src/resilience/retry-policy.js';

function httpError(status: number): HttpStatusError {
  return new HttpStatusError({ status, method: 'GET', url: 'http://127.0.0.1:8000/v1/sessions' });
}

describe('isRetryableError', () => {
  it('detects retryable HTTP status codes', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(isRetryableError(httpError(status), DEFAULT_RETRY_POLICY), String(status)).toBe(true);
    }
  });

  it('detects non-retryable HTTP status codes', () => {
    for (const status of [400, 401, 403, 404, 405, 409, 413, 422, 501, 505]) {
      expect(isRetryableError(httpError(status), DEFAULT_RETRY_POLICY), String(status)).toBe(false);
    }
  });

  it('detects retryable network codes', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND']) {
      expect(isRetryableError(new NetworkError(code, code), DEFAULT_RETRY_POLICY), code).toBe(true);
    }
    expect(isRetryableError(new TimeoutError(10_000), DEFAULT_RETRY_POLICY)).toBe(true);
  });

  it('detects non-retryable network codes', () => {
    for (const code of ['CERT_HAS_EXPIRED', 'EACCES', 'EAI_AGAIN', '']) {
      expect(isRetryableError(new NetworkError(code, code), DEFAULT_RETRY_POLICY), code).toBe(
        false,
      );
    }
  });

  it('never retries unknown errors', () => {
    const lookalike = Object.assign(new Error('boom'), { code: 'ECONNRESET', status: 503 });

    expect(isRetryableError(lookalike, DEFAULT_RETRY_POLICY)).toBe(false);
    expect(isRetryableError(new InvalidResponseError('bad JSON'), DEFAULT_RETRY_POLICY)).toBe(
      false,
    );
    expect(isRetryableError(new UsageError('bad flag'), DEFAULT_RETRY_POLICY)).toBe(false);
    expect(isRetryableError('string', DEFAULT_RETRY_POLICY)).toBe(false);
    expect(isRetryableError(undefined, DEFAULT_RETRY_POLICY)).toBe(false);
  });
});

describe('isUndeliveredRequestError', () => {
  it('accepts only errors before delivery', () => {
    expect(isUndeliveredRequestError(new NetworkError('ECONNREFUSED', 'refused'))).toBe(true);
    expect(isUndeliveredRequestError(new NetworkError('ENOTFOUND', 'no host'))).toBe(true);
    expect(isUndeliveredRequestError(new NetworkError('ECONNRESET', 'reset'))).toBe(false);
    expect(isUndeliveredRequestError(new TimeoutError(1000))).toBe(false);
    expect(isUndeliveredRequestError(httpError(503))).toBe(false);
  });
});

describe('isServiceFailure', () => {
  it('counts 5xx, 408, network errors and timeouts', () => {
    for (const error of [
      httpError(500),
      httpError(501),
      httpError(503),
      httpError(408),
      new NetworkError('ECONNREFUSED', 'refused'),
      new TimeoutError(1000),
    ]) {
      expect(isServiceFailure(error), error.message).toBe(true);
    }
  });

  it('ignores 4xx, usage errors and aborts', () => {
    for (const error of [
      httpError(400),
      httpError(401),
      httpError(404),
      httpError(422),
      httpError(429),
      new UsageError('bad'),
      new AbortedError(),
      new Error('unknown'),
    ]) {
      expect(isServiceFailure(error), error.message).toBe(false);
    }
  });
});
