/** Assembly of the `HttpResponse` a caller receives from the raw, size-checked body. */
import { InvalidResponseError } from '../errors/errors.js';
import { parseJsonSafely } from './body.js';
import type { Hop } from './redirects.js';
import type { HttpResponse } from './types.js';

// `application/json`, `application/problem+json` and the like.
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) {
    return true;
  }

  const parameters = contentType.indexOf(';');
  const mediaType = (parameters === -1 ? contentType : contentType.slice(0, parameters))
    .trim()
    .toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * Parses the body when it is declared as JSON, or not declared at all. A declared JSON
 * body that does not parse throws `InvalidResponseError` on success statuses. On error
 * statuses the caller still gets the response, with `body` undefined and the raw `text`.
 */
function parseBody(status: number, contentType: string | undefined, text: string): unknown {
  if (text === '' || !isJsonMediaType(contentType)) {
    return undefined;
  }

  try {
    return parseJsonSafely(text);
  } catch (error) {
    if (contentType !== undefined && status < 300) {
      throw new InvalidResponseError(`Response declared as ${contentType} is not valid JSON`, {
        cause: { name: (error as Error).name, message: (error as Error).message },
      });
    }
    return undefined;
  }
}

export function buildResponse(
  status: number,
  headers: Record<string, string>,
  raw: Buffer,
  hop: Hop,
  durationMs: number,
): HttpResponse {
  const text = raw.toString('utf8');
  return {
    status,
    headers,
    body: parseBody(status, headers['content-type'], text),
    text,
    url: hop.url.href,
    durationMs,
  };
}
