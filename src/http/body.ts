/**
 * Response bodies: size limit counted while streaming and after decompression,
 * decoding of gzip, deflate and br, and JSON parsing that cannot pollute prototypes.
 */
import { Writable, type Readable } from 'node:stream';
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

/**
 * Reads `body` through the decoders, counting decoded bytes against `budget`. The
 * pipeline is destroyed the moment the count passes the budget, which stops both the
 * download and the decompression.
 */
export async function readBody(
  body: Readable,
  contentEncoding: string | undefined,
  budget: ByteBudget,
): Promise<Buffer> {
  const decoders = createDecoders(contentEncoding);
  const chunks: Buffer[] = [];

  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunk.length > budget.remainingBytes) {
        budget.remainingBytes = 0;
        callback(new ResponseTooLargeError(budget.limitBytes));
        return;
      }

      budget.remainingBytes -= chunk.length;
      chunks.push(chunk);
      callback();
    },
  });

  try {
    await pipeline([body, ...decoders, sink]);
  } catch (error) {
    if (error instanceof ResponseTooLargeError) {
      throw error;
    }

    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new InvalidResponseError(`Response body could not be decompressed (${code})`, {
        cause: { name: (error as Error).name, code, message: (error as Error).message },
      });
    }
    throw error;
  }

  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const POLLUTING_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function dropPollutingKeys(this: unknown, key: string, value: unknown): unknown {
  return POLLUTING_KEYS.has(key) ? undefined : value;
}

/**
 * Parses JSON, dropping every `__proto__`, `constructor` and `prototype` key at any
 * depth, so later merging or spreading of the result cannot reach `Object.prototype`.
 * Throws `SyntaxError` for text that is not JSON.
 */
export function parseJsonSafely(text: string): unknown {
  // A key can only decode to one of the three words if the text spells it out or uses a
  // \u escape; without either, the reviver would drop nothing, so plain parsing is equivalent.
  const mayPollute = text.includes('\\u') || [...POLLUTING_KEYS].some((key) => text.includes(key));
  if (!mayPollute) {
    return JSON.parse(text) as unknown;
  }

  return JSON.parse(text, dropPollutingKeys) as unknown;
}
