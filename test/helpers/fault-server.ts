/**
 * A loopback HTTP server whose response to each request follows a script, for testing how
 * the client copes with failing servers: error statuses, connection resets, stalls,
 * slow bodies, rate limits, oversized and compressed-bomb bodies, redirects. Request n
 * (counting from 0) gets step n of the script; requests past its end get the fallback.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createBrotliCompress, createDeflate, createGzip, type Gzip } from 'node:zlib';

type Headers = Record<string, string | string[]>;

/** Responds with a status and an optional body. `action` may be left out. */
export interface RespondStep {
  action?: 'respond';
  status: number;
  /** Sent as JSON with `Content-Type: application/json` unless `headers` sets one. */
  json?: unknown;
  /** Sent as is; ignored when `json` is set. Default: empty. */
  body?: string | Uint8Array;
  headers?: Headers;
}

/** Destroys the connection without a complete response. */
export interface ResetStep {
  action: 'reset';
  /** Send the status line, headers and part of the body before the reset. Default: false. */
  afterHeaders?: boolean;
}

/** Sends no response until the client gives up or the server closes. */
export interface StallStep {
  action: 'stall';
  /** Send status 200 and headers first, then stall the body. Default: false. */
  sendHeaders?: boolean;
}

/** Sends a body a few bytes at a time. */
export interface DripStep {
  action: 'drip';
  /** Default: 200. */
  status?: number;
  body: string | Uint8Array;
  /** Bytes per write. Default: 1. */
  chunkBytes?: number;
  /** Pause between writes, in milliseconds. Default: 10. */
  intervalMs?: number;
  /** Declare the full `Content-Length` up front. Default: true. */
  declareLength?: boolean;
  headers?: Headers;
}

/** Responds 429 (or another status) with `Retry-After`. */
export interface RateLimitStep {
  action: 'rateLimit';
  /** `Retry-After` value: seconds, or an HTTP date as a string. Default: 1. */
  retryAfter?: number | string;
  /** Default: 429. */
  status?: number;
  /** Default: the Core's 429 body with `retry_after` set to `retryAfter` when it is a number. */
  json?: unknown;
  headers?: Headers;
}

/** Sends a valid JSON body of exactly `bytes` bytes (at least 14), streamed with backpressure. */
export interface OversizeStep {
  action: 'oversize';
  bytes: number;
  /** Declare `Content-Length`; otherwise the body is chunked. Default: true. */
  declareLength?: boolean;
  /** Default: 200. */
  status?: number;
}

/** Sends a small compressed body that expands to `decompressedBytes` bytes of valid JSON. */
export interface CompressionBombStep {
  action: 'compressionBomb';
  decompressedBytes: number;
  /** `Content-Encoding` used. Default: `'gzip'`. */
  encoding?: 'gzip' | 'deflate' | 'br';
  /** Default: 200. */
  status?: number;
}

/** Redirects to `location`. */
export interface RedirectStep {
  action: 'redirect';
  location: string;
  /** Default: 302. */
  status?: number;
  headers?: Headers;
}

/** Hands the raw request and response to the test. */
export interface CustomStep {
  action: 'custom';
  handle(request: IncomingMessage, response: ServerResponse, recorded: FaultRequest): void;
}

export type FaultStep =
  | RespondStep
  | ResetStep
  | StallStep
  | DripStep
  | RateLimitStep
  | OversizeStep
  | CompressionBombStep
  | RedirectStep
  | CustomStep;

/** A list of steps, one per request, or a function that picks the step for request `index`. */
export type FaultScript =
  readonly FaultStep[] | ((request: FaultRequest, index: number) => FaultStep);

export interface FaultServerOptions {
  /** Step for requests past the end of a list script. Default: 500 with a JSON body saying the script ran out. */
  fallback?: FaultStep;
}

/** One request as the fault server received it. */
export interface FaultRequest {
  method: string;
  /** Request target as sent: path and query. */
  url: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** Script index served, or -1 when the fallback served it. */
  step: number;
}

export interface FaultServer {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Every request received, oldest first. */
  requests: FaultRequest[];
  /** Number of requests received. */
  readonly count: number;
  /** Stops the server and destroys every open connection, stalled ones included. */
  close(): Promise<void>;
}

const DEFAULT_FALLBACK: FaultStep = {
  status: 500,
  json: { error: 'Fault server script has no step for this request' },
};
const DEFAULT_DRIP_CHUNK_BYTES = 1;
const DEFAULT_DRIP_INTERVAL_MS = 10;
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const DEFAULT_REDIRECT_STATUS = 302;
const STREAM_CHUNK_BYTES = 64 * 1024;
/** `{"padding":"` and `"}` around the filler of generated bodies. */
const PADDED_JSON_OVERHEAD = 14;

/** Starts a fault server on 127.0.0.1 with a free port. */
export async function startFaultServer(
  script: FaultScript,
  options: FaultServerOptions = {},
): Promise<FaultServer> {
  const fallback = options.fallback ?? DEFAULT_FALLBACK;
  const requests: FaultRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((request, response) => {
    void handleRequest(request, response, { script, fallback, requests });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get count() {
      return requests.length;
    },
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ScriptState {
  script: FaultScript;
  fallback: FaultStep;
  requests: FaultRequest[];
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  state: ScriptState,
): Promise<void> {
  // Steps are assigned on arrival, before the body is read, so order follows arrival.
  const index = state.requests.length;
  const recorded: FaultRequest = {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    headers: lowerCaseHeaders(request),
    body: '',
    step: index,
  };
  state.requests.push(recorded);

  recorded.body = await readBody(request);
  const step = pickStep(state, recorded, index);
  await runStep(step, request, response, recorded);
}

function pickStep(state: ScriptState, recorded: FaultRequest, index: number): FaultStep {
  if (typeof state.script === 'function') {
    return state.script(recorded, index);
  }

  const step = state.script[index];
  if (step === undefined) {
    recorded.step = -1;
    return state.fallback;
  }
  return step;
}

async function runStep(
  step: FaultStep,
  request: IncomingMessage,
  response: ServerResponse,
  recorded: FaultRequest,
): Promise<void> {
  switch (step.action) {
    case undefined:
    case 'respond':
      return respond(response, step);
    case 'reset':
      return reset(response, step);
    case 'stall':
      return stall(response, step);
    case 'drip':
      return drip(response, step);
    case 'rateLimit':
      return rateLimit(response, step);
    case 'oversize':
      return oversize(response, step);
    case 'compressionBomb':
      return compressionBomb(response, step);
    case 'redirect':
      response.writeHead(step.status ?? DEFAULT_REDIRECT_STATUS, {
        ...step.headers,
        location: step.location,
        'content-length': '0',
      });
      response.end();
      return;
    case 'custom':
      return step.handle(request, response, recorded);
  }
}

function respond(response: ServerResponse, step: RespondStep): void {
  const headers = lowerCaseKeys(step.headers);
  let payload: string | Uint8Array = step.body ?? '';
  if (step.json !== undefined) {
    payload = JSON.stringify(step.json);
    headers['content-type'] ??= 'application/json';
  }

  headers['content-length'] ??= String(Buffer.byteLength(payload));
  response.writeHead(step.status, headers);
  response.end(payload);
}

function reset(response: ServerResponse, step: ResetStep): void {
  const socket = response.socket;
  if (step.afterHeaders !== true) {
    socket?.destroy();
    return;
  }

  // The reset waits for the partial body to be flushed, so the client does see it.
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
  response.write('{"partial":', () => socket?.destroy());
}

function stall(response: ServerResponse, step: StallStep): void {
  if (step.sendHeaders === true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.flushHeaders();
  }
}

async function drip(response: ServerResponse, step: DripStep): Promise<void> {
  const payload = Buffer.from(step.body);
  const chunkBytes = step.chunkBytes ?? DEFAULT_DRIP_CHUNK_BYTES;
  const intervalMs = step.intervalMs ?? DEFAULT_DRIP_INTERVAL_MS;
  const headers: Headers = { ...step.headers };
  if (step.declareLength !== false) {
    headers['content-length'] = String(payload.length);
  }
  response.writeHead(step.status ?? 200, headers);
  response.flushHeaders();

  for (let start = 0; start < payload.length; start += chunkBytes) {
    if (response.destroyed) {
      return;
    }
    response.write(payload.subarray(start, start + chunkBytes));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  response.end();
}

function rateLimit(response: ServerResponse, step: RateLimitStep): void {
  const retryAfter = step.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS;
  const json = step.json ?? {
    error: 'Rate limit exceeded',
    code: 'RATE_LIMIT_EXCEEDED',
    ...(typeof retryAfter === 'number' ? { retry_after: retryAfter } : {}),
  };
  respond(response, {
    status: step.status ?? 429,
    json,
    headers: { ...step.headers, 'retry-after': String(retryAfter) },
  });
}

async function oversize(response: ServerResponse, step: OversizeStep): Promise<void> {
  const fillerBytes = Math.max(0, step.bytes - PADDED_JSON_OVERHEAD);
  const headers: Headers = { 'content-type': 'application/json' };
  if (step.declareLength !== false) {
    headers['content-length'] = String(fillerBytes + PADDED_JSON_OVERHEAD);
  }
  response.writeHead(step.status ?? 200, headers);

  for (const chunk of paddedJsonChunks(fillerBytes)) {
    if (response.destroyed) {
      return;
    }
    if (!response.write(chunk)) {
      await waitForDrainOrClose(response);
    }
  }
  if (!response.destroyed) {
    response.end();
  }
}

async function compressionBomb(response: ServerResponse, step: CompressionBombStep): Promise<void> {
  const encoding = step.encoding ?? 'gzip';
  const compressed = await compressedPaddedJson(step.decompressedBytes, encoding);
  response.writeHead(step.status ?? 200, {
    'content-type': 'application/json',
    'content-encoding': encoding,
    'content-length': String(compressed.length),
  });
  response.end(compressed);
}

const compressedBodies = new Map<string, Promise<Buffer>>();

/** Compresses the padded JSON body in chunks, so a large bomb never sits in memory whole. */
function compressedPaddedJson(
  decompressedBytes: number,
  encoding: 'gzip' | 'deflate' | 'br',
): Promise<Buffer> {
  const key = `${encoding}:${decompressedBytes}`;
  const cached = compressedBodies.get(key);
  if (cached !== undefined) {
    return cached;
  }

  const compressing = compressStream(
    encoding === 'gzip'
      ? createGzip()
      : encoding === 'deflate'
        ? createDeflate()
        : createBrotliCompress(),
    paddedJsonChunks(Math.max(0, decompressedBytes - PADDED_JSON_OVERHEAD)),
  );
  compressedBodies.set(key, compressing);
  return compressing;
}

async function compressStream(
  compressor: Gzip | ReturnType<typeof createBrotliCompress> | ReturnType<typeof createDeflate>,
  chunks: Iterable<Buffer>,
): Promise<Buffer> {
  const output: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => output.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    compressor.on('end', resolve);
    compressor.on('error', reject);
  });

  for (const chunk of chunks) {
    if (!compressor.write(chunk)) {
      await new Promise((resolve) => compressor.once('drain', resolve));
    }
  }
  compressor.end();
  await finished;
  return Buffer.concat(output);
}

/** Yields `{"padding":"aaa…"}` with `fillerBytes` filler bytes, in bounded chunks. */
function* paddedJsonChunks(fillerBytes: number): Generator<Buffer> {
  yield Buffer.from('{"padding":"');
  const filler = Buffer.alloc(STREAM_CHUNK_BYTES, 'a');
  for (let left = fillerBytes; left > 0; left -= STREAM_CHUNK_BYTES) {
    yield left >= STREAM_CHUNK_BYTES ? filler : filler.subarray(0, left);
  }
  yield Buffer.from('"}');
}

function waitForDrainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function lowerCaseKeys(headers: Headers = {}): Headers {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return headers;
}
