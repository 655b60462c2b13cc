/**
 * Response bodies: size limit counted while streaming and after decompression,
 * decoding of gzip, deflate and br, and JSON parsing that cannot pollute prototypes.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

import { InvalidResponseError, ResponseTooLargeError } from '../errors/errors.js';

/** Bytes still allowed for the rest of one `request()` call, redirect bodies included. */
export interface ByteBudget {
  readonly limitBytes: number;
  remainingBytes: number;
}

// More stacked encodings than this is no real server, only a way to multiply work.
const MAX_CONTENT_CODINGS = 2;

function createDecoder(coding: string): NodeJS.ReadWriteStream | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      // NOTE: only zlib-wrapped deflate (RFC 9110) is decoded; a server that sends raw
      // deflate data gets InvalidResponseError.
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'identity':
      return undefined;
    default:
      throw new InvalidResponseError(`Unsupported Content-Encoding ${JSON.stringify(coding)}`);
  }
}

/** Builds the decoders for a `Content-Encoding` value, in the order the body must pass them. */
export function createDecoders(contentEncoding: string | undefined): NodeJS.ReadWriteStream[] {
  if (contentEncoding === undefined || contentEncoding.trim() === '') {
    return [];
  }

  const codings = contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  if (codings.length > MAX_CONTENT_CODINGS) {
    throw new InvalidResponseError(`Too many Content-Encoding layers (${codings.length})`);
  }

  // Codings are listed in the order they were applied, so they are undone last to first.
  return codings
    .reverse()
    .map(createDecoder)
    .filter((decoder): decoder is NodeJS.ReadWriteStream => decoder !== undefined);
}

/**
 * Throws `ResponseTooLargeError` when a declared `Content-Length` already exceeds the
 * budget, so nothing is downloaded. A missing or malformed length is left to the
 * streaming count.
 */
export function checkDeclaredLength(contentLength: string | undefined, budget: ByteBudget): void {
  if (contentLength === undefined || !/^\d+$/.test(contentLength)) {
    return;
  }

  if (Number(contentLength) > budget.remainingBytes) {
    throw new ResponseTooLargeError(budget.limitBytes);
  }
}

/** Collects `stream` into one buffer, failing as soon as the collected size passes the budget. */
function collectWithinBudget(stream: Readable, budget: ByteBudget): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];

    stream.on('data', (chunk: Buffer) => {
      if (chunk.length > budget.remainingBytes) {
        budget.remainingBytes = 0;
        // Destroying the stream stops the download, or the decompression feeding it, at once.
        stream.destroy(new ResponseTooLargeError(budget.limitBytes));
        return;
      }

      budget.remainingBytes -= chunk.length;
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  });
}

function describeDecodingFailure(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new InvalidResponseError(`Response body could not be decompressed (${code})`, {
      cause: { name: (error as Error).name, code, message: (error as Error).message },
    });
  }

  return error as Error;
}

/**
 * Reads `body` through the decoders, counting decoded bytes against `budget`. The
 * streams are destroyed the moment the count passes the budget, which stops both the
 * download and the decompression.
 */
export async function readBody(
  body: Readable,
  contentEncoding: string | undefined,
  budget: ByteBudget,
): Promise<Buffer> {
  const decoders = createDecoders(contentEncoding);

  // The common case, a plain body, skips `pipeline`: it costs several microtasks and an
  // AbortController per call, a measurable share of a keep-alive request on loopback.
  if (decoders.length === 0) {
    return collectWithinBudget(body, budget);
  }

  const decoded = decoders[decoders.length - 1] as unknown as Readable;
  const piping = pipeline([body, ...decoders]).catch((error: unknown) => {
    decoded.destroy(describeDecodingFailure(error));
  });

  try {
    return await collectWithinBudget(decoded, budget);
  } catch (error) {
    // Stop the download too, not only the decoder that overflowed.
    body.destroy();
    throw describeDecodingFailure(error);
  } finally {
    await piping;
  }
}

const POLLUTING_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAY_POLLUTE = /__proto__|constructor|prototype|\\u/;

function dropPollutingKeys(this: unknown, key: string, value: unknown): unknown {
  return POLLUTING_KEYS.has(key) ? undefined : value;
}

/**
 * Parses JSON, dropping every `__proto__`, `constructor` and `prototype` key at any
 * depth, so later merging or spreading of the result cannot reach `Object.prototype`.
 * Throws `SyntaxError` for text that is not JSON.
 */
export function parseJsonSafely(text: string): unknown {
  // A key decodes to one of the three words only if the text spells it out or uses a \u
  // escape. Without either, the reviver would drop nothing, so plain parsing is equivalent.
  if (!MAY_POLLUTE.test(text)) {
    return JSON.parse(text) as unknown;
  }

  return JSON.parse(text, dropPollutingKeys) as unknown;
}
