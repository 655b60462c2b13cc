/**
 * Turns an HTTP response with a status of 400 or more into an `HttpStatusError`, reading the Core's
 * message in the order the Core's contract gives: `error`, then `detail`, then `message`.
 * A raw body never reaches the user, so anything that is not a short string is dropped.
 */
import { errorBodySchema } from '../contract/schemas.js';
import { HttpStatusError, type FieldError } from '../errors/errors.js';
import type { HttpResponse } from '../http/types.js';
import { parseRetryAfter } from '../resilience/retry-after.js';

/** Longest Core message shown to the user; longer ones are cut, since they are probably not meant for people. */
const MAX_CORE_MESSAGE_LENGTH = 300;

/**
 * `secrets` are masked wherever they appear in the Core's text: a Core that echoes the
 * API key in an error must not get it printed.
 */
export function httpStatusError(
  method: string,
  url: string,
  response: HttpResponse,
  now: number,
  secrets: readonly string[] = [],
): HttpStatusError {
  const body = errorBodySchema.safeParse(response.body);
  const fields = body.success ? body.data : {};
  const mask = (text: string) => maskSecrets(text, secrets);
  const coreMessage = firstMessage([fields.error, fields.detail, fields.message]);

  return new HttpStatusError({
    status: response.status,
    method,
    url,
    coreMessage: coreMessage === undefined ? undefined : mask(coreMessage),
    fieldErrors: fieldErrors(fields.errors, fields.detail).map((error) => ({
      field: mask(error.field),
      message: mask(error.message),
    })),
    retryAfterMs: parseRetryAfter(response.headers['retry-after'], now),
  });
}

function maskSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (masked, secret) => (secret === '' ? masked : masked.split(secret).join('****')),
    text,
  );
}

function firstMessage(candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && candidate.trim() !== '') {
      return candidate.length > MAX_CORE_MESSAGE_LENGTH
        ? `${candidate.slice(0, MAX_CORE_MESSAGE_LENGTH)}…`
        : candidate;
    }
  }

  return undefined;
}

/** Field errors from today's Core (`errors`) or from FastAPI's default body (`detail` as a list). */
function fieldErrors(
  errors: Array<{ field: string; message: string }> | undefined,
  detail: unknown,
): FieldError[] {
  if (errors !== undefined) {
    return errors.map(({ field, message }) => ({ field, message }));
  }

  if (!Array.isArray(detail)) {
    return [];
  }

  return detail.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) {
      return [];
    }
    const { loc, msg } = item as { loc?: unknown; msg?: unknown };
    if (!Array.isArray(loc) || typeof msg !== 'string') {
      return [];
    }
    return [{ field: loc.join('.'), message: msg }];
  });
}
