import { describe, expect, it } from 'vitest';

import { describeFailure, EXIT_CODES, exitCodeOf } from '../../src/cli/failure.js';
import {
  AbortedError,
  AuditInvalidError,
  CircuitOpenError,
  ConfigError,
  ConfirmationRequiredError,
  CoreNotRunningError,
  CoreStartError,
  HeaderValidationError,
  HttpStatusError,
  InvalidResponseError,
  NetworkError,
  PartialFailureError,
  RedirectError,
  ResponseTooLargeError,
  RetryBudgetExceededError,
  SsrfViolationError,
  StateError,
  TimeoutError,
  UsageError,
} from '../../src/errors/errors.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const quiet = { now: NOW, verbose: false };

function httpError(
  status: number,
  extra: Partial<ConstructorParameters<typeof HttpStatusError>[0]> = {},
) {
  return new HttpStatusError({
    status,
    method: 'GET',
    url: 'http://127.0.0.1:8000/v1/sessions/abc',
    ...extra,
  });
}

function describeQuietly(error: unknown) {
  return describeFailure(error, quiet);
}

describe('describeFailure', () => {
  it('names other circuits by name', () => {
    expect(describeQuietly(new CircuitOpenError('health', NOW + 30_000)).message).toBe(
      'The health service is temporarily unavailable. Please try again in 30 seconds.',
    );
  });

  it('translates circuit breaker errors', () => {
    const result = describeQuietly(new CircuitOpenError('session-api', NOW + 8_200));

    expect(result.message).toBe(
      'Session API is temporarily unavailable. Please try again in 9 seconds.',
    );
    expect(result.exitCode).toBe(exitCodeOf('UNAVAILABLE'));
  });

  it('says at least 1 second for a circuit due now', () => {
    expect(describeQuietly(new CircuitOpenError('session-api', NOW - 500)).message).toBe(
      'Session API is temporarily unavailable. Please try again in 1 second.',
    );
  });

  it('translates SSRF violations', () => {
    const result = describeQuietly(
      new SsrfViolationError('metadata.internal', '169.254.169.254', 'link-local'),
    );

    expect(result.message).toBe(
      'Security violation: Invalid API URL configuration. mc refused to connect to metadata.internal (169.254.169.254): link-local.',
    );
    expect(result.exitCode).toBe(exitCodeOf('SECURITY'));
  });

  it('tells a missing route from a missing session', () => {
    const session = describeQuietly(
      new HttpStatusError({
        status: 404,
        method: 'GET',
        url: 'http://127.0.0.1:8000/v1/sessions/abc?limit=1',
      }),
    );
    const route = describeQuietly(
      new HttpStatusError({
        status: 404,
        method: 'GET',
        url: 'http://127.0.0.1:8000/prefix/v1/sessions/stats/summary',
      }),
    );

    expect(session.message).toBe('Session not found. It may have been deleted or expired.');
    expect(route.message).toBe(
      'MasterClaw Core has no route for /prefix/v1/sessions/stats/summary (404). Check that core.url points to MasterClaw Core.',
    );
    expect(route.exitCode).toBe(exitCodeOf('NOT_FOUND'));
  });

  it('translates ECONNREFUSED', () => {
    const result = describeQuietly(
      new NetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000'),
    );

    expect(result.message).toBe('Cannot connect to MasterClaw Core. Is it running? (mc revive)');
    expect(result.exitCode).toBe(exitCodeOf('UNAVAILABLE'));
  });

  it('translates 404, 401, 403, 429 and 503 with the documented words', () => {
    const cases: [number, string, string][] = [
      [404, 'Session not found. It may have been deleted or expired.', 'NOT_FOUND'],
      [401, 'Authentication required. Check your API credentials.', 'AUTH'],
      [403, 'Access denied. You do not have permission to perform this action.', 'AUTH'],
      [429, 'Too many requests. Please wait a moment and try again.', 'RATE_LIMITED'],
      [
        503,
        'Service temporarily unavailable. Is MasterClaw Core running? (mc revive)',
        'UNAVAILABLE',
      ],
    ];

    for (const [status, message, exitName] of cases) {
      const result = describeQuietly(httpError(status));
      expect(result.message, String(status)).toBe(message);
      expect(result.exitCode, String(status)).toBe(exitCodeOf(exitName as never));
    }
  });

  it('names the wait of a 429 with Retry-After', () => {
    expect(describeQuietly(httpError(429, { retryAfterMs: 60_000 })).message).toBe(
      'Too many requests. Please try again in 60 seconds.',
    );
  });

  it('translates an exceeded retry budget', () => {
    const rateLimited = describeQuietly(
      new RetryBudgetExceededError(60_000, { cause: httpError(429) }),
    );
    const unavailable = describeQuietly(
      new RetryBudgetExceededError(45_500, { cause: httpError(503) }),
    );

    expect(rateLimited.message).toBe('Too many requests. Please try again in 60 seconds.');
    expect(rateLimited.exitCode).toBe(exitCodeOf('RATE_LIMITED'));
    expect(unavailable.message).toBe(
      'Service temporarily unavailable. Please try again in 46 seconds.',
    );
    expect(unavailable.exitCode).toBe(exitCodeOf('UNAVAILABLE'));
  });

  it('translates 400 and 500 with the Core message first', () => {
    expect(describeQuietly(httpError(400, { coreMessage: 'Title is too long' })).message).toBe(
      'MasterClaw Core rejected the request: Title is too long.',
    );
    expect(describeQuietly(httpError(400)).message).toBe(
      'MasterClaw Core rejected the request as invalid.',
    );
    expect(describeQuietly(httpError(500, { coreMessage: 'Internal server error' })).message).toBe(
      'MasterClaw Core failed with an internal error: Internal server error.',
    );
    expect(describeQuietly(httpError(500)).message).toBe(
      'MasterClaw Core failed with an internal error. Please try again later.',
    );
    expect(describeQuietly(httpError(500)).exitCode).toBe(exitCodeOf('UNAVAILABLE'));
    expect(describeQuietly(httpError(400)).exitCode).toBe(exitCodeOf('FAILURE'));
  });

  it('translates 502, 504 and 408', () => {
    for (const [status, pattern] of [
      [502, /^Bad gateway: .*MasterClaw Core/],
      [504, /^Gateway timeout: MasterClaw Core did not answer/],
      [408, /^MasterClaw Core timed out waiting for the request/],
    ] as const) {
      const result = describeQuietly(httpError(status));
      expect(result.message, String(status)).toMatch(pattern);
      expect(result.exitCode, String(status)).toBe(exitCodeOf('UNAVAILABLE'));
    }
  });

  it('names the invalid fields of a 422', () => {
    const result = describeQuietly(
      httpError(422, {
        coreMessage: 'Validation error',
        fieldErrors: [
          { field: 'query.limit', message: 'Input should be greater than or equal to 1' },
          { field: 'body.title', message: 'Field required' },
        ],
      }),
    );

    expect(result.message).toBe(
      'MasterClaw Core rejected the request. Invalid fields: query.limit, body.title.',
    );
    expect(describeQuietly(httpError(422, { coreMessage: 'Validation error' })).message).toBe(
      'MasterClaw Core rejected the request: Validation error.',
    );
  });

  it('translates other statuses by class', () => {
    expect(describeQuietly(httpError(409)).message).toBe(
      'MasterClaw Core rejected the request with HTTP 409.',
    );
    expect(describeQuietly(httpError(507)).exitCode).toBe(exitCodeOf('UNAVAILABLE'));
  });

  it('translates network codes', () => {
    const cases: [unknown, RegExp][] = [
      [
        new NetworkError('ECONNRESET', 'read ECONNRESET'),
        /^The connection to MasterClaw Core was reset/,
      ],
      [
        new NetworkError('ETIMEDOUT', 'connect ETIMEDOUT'),
        /^MasterClaw Core did not respond in time/,
      ],
      [new TimeoutError(10_000), /^MasterClaw Core did not respond in time/],
      [
        new NetworkError('ENOTFOUND', 'getaddrinfo ENOTFOUND core.local'),
        /^Cannot resolve the MasterClaw Core host name/,
      ],
      [new NetworkError('EPIPE', 'write EPIPE'), /closed while the request was being sent/],
      [new NetworkError('EHOSTUNREACH', 'unreachable'), /^A network error interrupted/],
    ];

    for (const [error, pattern] of cases) {
      const result = describeQuietly(error);
      expect(result.message, String(error)).toMatch(pattern);
      expect(result.exitCode, String(error)).toBe(exitCodeOf('UNAVAILABLE'));
    }
  });

  it('translates TLS certificate failures', () => {
    for (const code of [
      'CERT_HAS_EXPIRED',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      const result = describeQuietly(new NetworkError(code, code));
      expect(result.message, code).toMatch(
        /^Secure connection to MasterClaw Core failed: its TLS certificate is not trusted/,
      );
      expect(result.exitCode, code).toBe(exitCodeOf('SECURITY'));
    }
  });

  it('translates TLS handshake failures', () => {
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO']) {
      const result = describeQuietly(new NetworkError(code, code));
      expect(result.message, code).toMatch(/failed during the TLS handshake/);
      expect(result.exitCode, code).toBe(exitCodeOf('UNAVAILABLE'));
    }
  });

  it('translates response and transport errors', () => {
    expect(describeQuietly(new InvalidResponseError('body is not JSON')).message).toMatch(
      /^MasterClaw Core sent a response mc does not understand/,
    );
    expect(describeQuietly(new ResponseTooLargeError(10 * 1024 * 1024)).message).toBe(
      'The response from MasterClaw Core was too large (over 10 MiB) and was discarded.',
    );
    const header = describeQuietly(
      new HeaderValidationError('X-Correlation-ID', 'contains CR or LF'),
    );
    expect(header.message).toMatch(/^Security violation: a request header/);
    expect(header.exitCode).toBe(exitCodeOf('SECURITY'));
    expect(describeQuietly(new RedirectError('Too many redirects')).message).toMatch(
      /redirected the request too many times or to an invalid location/,
    );
  });

  it('translates command errors', () => {
    const usage = describeQuietly(new UsageError('Invalid session id "../x"'));
    expect(usage).toEqual({ message: 'Invalid session id "../x".', exitCode: 2, details: [] });

    const config = describeQuietly(
      new ConfigError('core.url must be an http(s) URL', '/home/u/.masterclaw/config.json'),
    );
    expect(config.message).toBe(
      'Invalid configuration in /home/u/.masterclaw/config.json: core.url must be an http(s) URL. Edit or remove the file to continue.',
    );
    expect(config.exitCode).toBe(exitCodeOf('CONFIG'));

    const declined = describeQuietly(
      new ConfirmationRequiredError('Deletion cancelled; nothing was deleted', true),
    );
    expect(declined.message).toBe('Deletion cancelled; nothing was deleted.');
    expect(declined.exitCode).toBe(exitCodeOf('CONFIRMATION_REFUSED'));

    const partial = describeQuietly(
      new PartialFailureError('Deleted 8 of 10 sessions; 2 failed.', 8, 2),
    );
    expect(partial).toMatchObject({
      message: 'Deleted 8 of 10 sessions; 2 failed.',
      exitCode: exitCodeOf('PARTIAL_FAILURE'),
    });
    expect(describeQuietly(new PartialFailureError('', 8, 2)).message).toBe(
      '2 of 10 items failed.',
    );

    expect(describeQuietly(new AbortedError())).toEqual({
      message: 'Interrupted.',
      exitCode: 130,
      details: [],
    });
  });

  it('translates Core and local state errors', () => {
    const notRunning = describeQuietly(
      new CoreNotRunningError(
        'mc cannot start the Core at http://10.0.0.5:8000 (set by MC_CORE_URL)',
      ),
    );
    expect(notRunning.message).toBe(
      'mc cannot start the Core at http://10.0.0.5:8000 (set by MC_CORE_URL).',
    );
    expect(notRunning.exitCode).toBe(exitCodeOf('UNAVAILABLE'));

    expect(describeQuietly(new CoreStartError('port 8000 is in use')).message).toBe(
      'MasterClaw Core failed to start: port 8000 is in use.',
    );

    const audit = describeQuietly(new AuditInvalidError('audit.log', 12, 'hash mismatch'));
    expect(audit.message).toBe(
      'Audit log verification failed: audit.log: entry 12: hash mismatch.',
    );
    expect(audit.exitCode).toBe(exitCodeOf('AUDIT_INVALID'));

    expect(describeQuietly(new StateError('journal is truncated')).message).toBe(
      'A local state file cannot be used: journal is truncated.',
    );
  });

  it('provides fallback for unknown errors', () => {
    const error = new TypeError(
      'Cannot read properties of undefined (reading "body") {"secret":"x"}',
    );
    const result = describeQuietly(error);

    expect(result.message).toBe(
      'An unexpected error occurred. Run the command again with --verbose for details.',
    );
    expect(result.exitCode).toBe(1);
    expect(describeQuietly('a string').exitCode).toBe(1);
    expect(describeQuietly(null).message).toMatch(/^An unexpected error occurred/);
  });

  it('translates a raw Node.js socket error', () => {
    const raw = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), {
      code: 'ECONNREFUSED',
    });

    expect(describeQuietly(raw).message).toBe(
      'Cannot connect to MasterClaw Core. Is it running? (mc revive)',
    );
  });

  it('strips control characters and masks credentials from Core text', () => {
    const result = describeQuietly(
      httpError(400, {
        coreMessage:
          'bad \u001b[31mred\u001b[0m at http://user:hunter2@127.0.0.1/x?api_key=abc123&page=2',
      }),
    );

    expect(result.message).not.toContain('\u001b');
    expect(result.message).not.toContain('hunter2');
    expect(result.message).not.toContain('abc123');
    expect(result.message).toContain('page=2');
  });

  it('caps long Core messages', () => {
    const result = describeQuietly(httpError(400, { coreMessage: 'x'.repeat(5000) }));

    expect(result.message.length).toBeLessThan(300);
  });

  it('never starts with the error prefix', () => {
    expect(describeQuietly(httpError(404)).message.startsWith('❌')).toBe(false);
  });
});

describe('describeFailure details', () => {
  it('is empty unless verbose', () => {
    expect(describeFailure(httpError(503), quiet, { attempts: 4 }).details).toEqual([]);
  });

  it('lists code, status, attempts and correlation id', () => {
    const { details } = describeFailure(
      httpError(503),
      { now: NOW, verbose: true },
      { attempts: 4, correlationId: 'req-42' },
    );

    expect(details).toContain('code: HTTP_ERROR');
    expect(details).toContain('HTTP status: 503');
    expect(details).toContain('attempts: 4');
    expect(details).toContain('correlation id: req-42');
  });

  it('lists the network code of a timeout', () => {
    const { details } = describeFailure(new TimeoutError(10_000), { now: NOW, verbose: true });

    expect(details).toContain('code: TIMEOUT');
    expect(details).toContain('network code: ETIMEDOUT');
  });

  it('never includes a stack trace or credential', () => {
    const cause = new Error('connect failed for http://admin:s3cret@127.0.0.1:8000/?token=t0ken');
    const error = new NetworkError('ECONNRESET', 'socket hang up', { cause });
    const { details } = describeFailure(error, { now: NOW, verbose: true });
    const text = details.join('\n');

    expect(details).toContain('network code: ECONNRESET');
    expect(text).toContain('cause: Error: connect failed');
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('t0ken');
  });
});

describe('EXIT_CODES', () => {
  it('has distinct codes and names', () => {
    expect(new Set(EXIT_CODES.map((entry) => entry.code)).size).toBe(EXIT_CODES.length);
    expect(new Set(EXIT_CODES.map((entry) => entry.name)).size).toBe(EXIT_CODES.length);
  });

  it('documents every code', () => {
    for (const entry of EXIT_CODES) {
      expect(entry.meaning.length, entry.name).toBeGreaterThan(10);
    }
  });

  it('fixes usage at 2 and interrupted at 130', () => {
    expect(exitCodeOf('USAGE')).toBe(2);
    expect(exitCodeOf('INTERRUPTED')).toBe(130);
    expect(exitCodeOf('FAILURE')).toBe(1);
  });

  it('gives each failure class its own code', () => {
    const classes = [
      'NOT_FOUND',
      'AUTH',
      'UNAVAILABLE',
      'RATE_LIMITED',
      'SECURITY',
      'PARTIAL_FAILURE',
      'CONFIRMATION_REFUSED',
    ] as const;

    expect(new Set(classes.map(exitCodeOf)).size).toBe(classes.length);
    for (const name of classes) {
      expect([0, 1, 2, 130], name).not.toContain(exitCodeOf(name));
    }
  });
});
