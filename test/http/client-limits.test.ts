/**
 * Size limits, timeouts, aborts and network failures of the client, against real
 * loopback servers that misbehave on purpose.
 */
import { gzipSync } from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import { createSecureClient } from '../../src/http/index.js';
import type { RequestRecord, SecureClient, SecureClientOptions } from '../../src/http/types.js';
import { closedPort, recordingConnector, startServer, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
const clients: SecureClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function client(core: TestServer, options: Partial<SecureClientOptions> = {}): SecureClient {
  const created = createSecureClient({
    coreOrigin: core.origin,
    correlationId: 'corr-limits',
    ...options,
  });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const MB = 1024 * 1024;

describe('secure client body limit', () => {
  it('stops a gzip bomb at the limit', async () => {
    // 64 MB of zeros compress to about 64 KB, far below the limit before decoding.
    const bomb = gzipSync(Buffer.alloc(64 * MB));
    const core = await serve((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': bomb.length,
      });
      response.end(bomb);
    });
    const records: RequestRecord[] = [];
    const http = client(core, { onRecord: (record) => records.push(record) });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/bomb` }));

    expect(bomb.length).toBeLessThan(MB);
    expect(hasCode(error, 'RESPONSE_TOO_LARGE')).toBe(true);
    expect(records[0]).toMatchObject({
      outcome: 'too_large',
      errorCode: 'RESPONSE_TOO_LARGE',
      status: 200,
    });
  });

  it('aborts a chunked download once the limit is passed', async () => {
    let written = 0;
    let finished = false;
    const core = await serve((_request, response) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const writeMore = (): void => {
        while (written < 200 * MB && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', writeMore);
            return;
          }
        }
        finished = !response.destroyed;
        response.end();
      };
      writeMore();
    });
    const http = client(core, { maxResponseBytes: MB });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/stream` }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(hasCode(error, 'RESPONSE_TOO_LARGE')).toBe(true);
    expect(finished).toBe(false);
    expect(written).toBeLessThan(200 * MB);
  });

  it('refuses a large Content-Length before reading the body', async () => {
    const core = await serve((_request, response) => {
      // Declares 20 MB and sends nothing more: reading would stall until the timeout.
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(20 * MB),
      });
      response.flushHeaders();
    });
    const http = client(core, { timeoutMs: 30_000 });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/huge` }));

    expect(hasCode(error, 'RESPONSE_TOO_LARGE')).toBe(true);
  });

  it('counts redirect bodies against the same limit', async () => {
    const core = await serve((request, response) => {
      if (request.url === '/first') {
        response.writeHead(302, { location: '/second', 'content-type': 'text/plain' });
        response.end('r'.repeat(600));
        return;
      }
      response.setHeader('content-type', 'text/plain');
      response.end('b'.repeat(600));
    });
    const http = client(core, { maxResponseBytes: 1000 });

    const direct = await http.request({ method: 'GET', url: `${core.origin}/second` });
    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/first` }));

    expect(direct.text).toHaveLength(600);
    expect(hasCode(error, 'RESPONSE_TOO_LARGE')).toBe(true);
  });
});

describe('secure client timeouts and aborts', () => {
  it('times out on a server that never answers', async () => {
    const core = await serve(() => {
      // Never answers.
    });
    const records: RequestRecord[] = [];
    const http = client(core, { timeoutMs: 1_000, onRecord: (record) => records.push(record) });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/stall` }));

    expect(hasCode(error, 'TIMEOUT')).toBe(true);
    expect(error).toMatchObject({ timeoutMs: 1_000 });
    expect(records[0]).toMatchObject({ outcome: 'timeout', errorCode: 'TIMEOUT' });
  });

  it('times out on a body that stalls halfway', async () => {
    const core = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
    });
    const http = client(core, { timeoutMs: 1_000 });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/half` }));

    expect(hasCode(error, 'TIMEOUT')).toBe(true);
  });

  it('clamps a tiny timeout to the minimum', async () => {
    const core = await serve(() => {
      // Never answers.
    });
    const http = client(core);

    const error = await failure(
      http.request({ method: 'GET', url: `${core.origin}/stall`, timeoutMs: 1 }),
    );

    expect(error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 1_000 });
  });

  it('throws AbortedError when the caller aborts', async () => {
    const core = await serve(() => {
      // Never answers.
    });
    const http = client(core);
    const controller = new AbortController();

    const pending = failure(
      http.request({ method: 'GET', url: `${core.origin}/stall`, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 20);

    expect(hasCode(await pending, 'ABORTED')).toBe(true);
  });
});

describe('secure client network failures', () => {
  it('reports ECONNREFUSED', async () => {
    const port = await closedPort();
    const http = createSecureClient({
      coreOrigin: `http://127.0.0.1:${port}`,
      correlationId: 'corr',
    });
    clients.push(http);

    const error = await failure(http.request({ method: 'GET', url: `http://127.0.0.1:${port}/` }));

    expect(error).toMatchObject({ code: 'NETWORK_ERROR', networkCode: 'ECONNREFUSED' });
  });

  it('reports ECONNRESET when the server drops the connection', async () => {
    const core = await serve((request) => request.socket.destroy());
    const http = client(core);

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/` }));

    expect(error).toMatchObject({ code: 'NETWORK_ERROR', networkCode: 'ECONNRESET' });
  });

  it('reports ENOTFOUND from the resolver', async () => {
    const connector = recordingConnector();
    const http = createSecureClient({
      coreOrigin: 'http://core.test',
      correlationId: 'corr',
      connect: connector.connect,
      resolver: async (hostname) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    });
    clients.push(http);

    const error = await failure(http.request({ method: 'GET', url: 'http://core.test/' }));

    expect(error).toMatchObject({ code: 'NETWORK_ERROR', networkCode: 'ENOTFOUND' });
    expect(connector.attempts).toEqual([]);
  });

  it('keeps no credential in the error or its cause', async () => {
    const port = await closedPort();
    const http = createSecureClient({
      coreOrigin: `http://127.0.0.1:${port}`,
      correlationId: 'corr',
    });
    clients.push(http);

    const error = await failure(
      http.request({
        method: 'POST',
        url: `http://127.0.0.1:${port}/`,
        headers: { 'X-API-Key': 'mc_secret_key' },
        json: { content: 'private message' },
      }),
    );
    const serialised =
      JSON.stringify(error, Object.getOwnPropertyNames(error)) +
      JSON.stringify((error as Error).cause);

    expect(serialised).not.toContain('mc_secret_key');
    expect(serialised).not.toContain('private message');
    expect(Object.keys((error as Error).cause as object).sort()).toEqual([
      'code',
      'message',
      'name',
    ]);
  });
});
