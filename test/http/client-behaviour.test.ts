/** Everyday behaviour of the client against a loopback Core: bodies, headers, redirects, records. */
import { afterEach, describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import { createSecureClient } from '../../src/http/index.js';
import type { RequestRecord, SecureClient, SecureClientOptions } from '../../src/http/types.js';
import { readRequestBody, recordingConnector, startServer, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
const clients: SecureClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  remotePort: number | undefined;
}

/** Starts a Core that records each request and responds through `route`. */
async function core(route: (seen: Seen, response: import('node:http').ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = await startServer(async (request, response) => {
    const entry: Seen = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: await readRequestBody(request),
      remotePort: request.socket.remotePort,
    };
    seen.push(entry);
    route(entry, response);
  });
  servers.push(server);
  return { server, seen };
}

function client(server: TestServer, options: Partial<SecureClientOptions> = {}): SecureClient {
  const created = createSecureClient({
    coreOrigin: server.origin,
    correlationId: 'corr-default',
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

function json(response: import('node:http').ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

describe('secure client bodies and headers', () => {
  it('sends JSON with the correlation id and parses the answer', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 201, { id: 's1' }));
    const http = client(server);

    const response = await http.request({
      method: 'POST',
      url: `${server.origin}/sessions`,
      json: { title: 'x' },
    });

    expect(response).toMatchObject({
      status: 201,
      body: { id: 's1' },
      url: `${server.origin}/sessions`,
    });
    expect(response.headers['content-type']).toBe('application/json');
    expect(seen[0]!.body).toBe('{"title":"x"}');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers['x-correlation-id']).toBe('corr-default');
  });

  it('uses the correlation id of the request when given', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);

    await http.request({ method: 'GET', url: `${server.origin}/`, correlationId: 'corr-request' });

    expect(seen[0]!.headers['x-correlation-id']).toBe('corr-request');
  });

  it('returns 4xx and 5xx answers instead of throwing', async () => {
    const { server } = await core((seen, response) =>
      seen.url === '/missing'
        ? json(response, 404, { error: 'not found' })
        : json(response, 503, { detail: 'busy' }),
    );
    const records: RequestRecord[] = [];
    const http = client(server, { onRecord: (record) => records.push(record) });

    const missing = await http.request({ method: 'GET', url: `${server.origin}/missing` });
    const busy = await http.request({ method: 'GET', url: `${server.origin}/busy` });

    expect(missing).toMatchObject({ status: 404, body: { error: 'not found' } });
    expect(busy).toMatchObject({ status: 503, body: { detail: 'busy' } });
    expect(records.map((record) => record.outcome)).toEqual(['http_error', 'http_error']);
  });

  it('keeps a non-JSON error body as text', async () => {
    const { server } = await core((_seen, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<h1>Bad gateway</h1>');
    });
    const http = client(server);

    const response = await http.request({ method: 'GET', url: `${server.origin}/` });

    expect(response).toMatchObject({ status: 502, body: undefined, text: '<h1>Bad gateway</h1>' });
  });

  it('rejects broken JSON on a success status', async () => {
    const { server } = await core((_seen, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"truncated":');
    });
    const http = client(server);

    const error = await failure(http.request({ method: 'GET', url: `${server.origin}/` }));

    expect(hasCode(error, 'INVALID_RESPONSE')).toBe(true);
  });

  it('strips prototype keys from the parsed body', async () => {
    const { server } = await core((_seen, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"__proto__":{"isAdmin":true},"name":"n"}');
    });
    const http = client(server);

    const response = await http.request({ method: 'GET', url: `${server.origin}/` });

    expect(response.body).toEqual({ name: 'n' });
    expect((Object.assign({}, response.body) as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('returns an empty body as undefined', async () => {
    const { server } = await core((_seen, response) => {
      response.writeHead(204);
      response.end();
    });
    const http = client(server);

    const response = await http.request({ method: 'DELETE', url: `${server.origin}/sessions/a` });

    expect(response).toMatchObject({ status: 204, body: undefined, text: '' });
  });

  it('rejects a bad header before connecting', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const connector = recordingConnector();
    const records: RequestRecord[] = [];
    const http = client(server, {
      connect: connector.connect,
      onRecord: (record) => records.push(record),
    });

    const error = await failure(
      http.request({
        method: 'GET',
        url: `${server.origin}/`,
        headers: { 'X-Note': 'a\r\nX-Injected: 1' },
      }),
    );

    expect(hasCode(error, 'HEADER_VALIDATION_FAILED')).toBe(true);
    expect(connector.attempts).toEqual([]);
    expect(seen).toEqual([]);
    expect(records[0]).toMatchObject({ outcome: 'invalid', errorCode: 'HEADER_VALIDATION_FAILED' });
  });

  it('rejects a correlation id with a line break', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);

    const error = await failure(
      http.request({ method: 'GET', url: `${server.origin}/`, correlationId: 'id\nX-Evil: 1' }),
    );

    expect(hasCode(error, 'HEADER_VALIDATION_FAILED')).toBe(true);
    expect(seen).toEqual([]);
  });

  it('reuses keep-alive connections', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);

    for (let index = 0; index < 10; index += 1) {
      await http.request({ method: 'GET', url: `${server.origin}/${index}` });
    }

    // undici may open a second socket when a request arrives just before the first
    // socket is marked idle again, so reuse means far fewer sockets than requests.
    const sockets = new Set(seen.map((entry) => entry.remotePort));
    expect(seen).toHaveLength(10);
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('refuses requests after close', async () => {
    const { server } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);
    await http.request({ method: 'GET', url: `${server.origin}/` });

    await http.close();
    const error = await failure(http.request({ method: 'GET', url: `${server.origin}/` }));

    expect(hasCode(error, 'NETWORK_ERROR')).toBe(true);
  });
});

describe('secure client redirect methods', () => {
  async function redirecting(status: number) {
    return core((seen, response) => {
      if (seen.url === '/from') {
        response.writeHead(status, { location: '/to' });
        response.end();
        return;
      }
      json(response, 200, {
        method: seen.method,
        body: seen.body,
        type: seen.headers['content-type'] ?? null,
      });
    });
  }

  it.each([
    [303, 'POST', 'GET', ''],
    [303, 'PUT', 'GET', ''],
    [301, 'POST', 'GET', ''],
    [302, 'POST', 'GET', ''],
    [302, 'PUT', 'PUT', '{"a":1}'],
    [307, 'POST', 'POST', '{"a":1}'],
    [308, 'PATCH', 'PATCH', '{"a":1}'],
  ] as const)('%i turns %s into %s', async (status, method, expectedMethod, expectedBody) => {
    const { server } = await redirecting(status);
    const http = client(server);

    const response = await http.request({ method, url: `${server.origin}/from`, json: { a: 1 } });

    expect(response.body).toMatchObject({ method: expectedMethod, body: expectedBody });
    if (expectedBody === '') {
      expect(response.body).toMatchObject({ type: null });
    }
  });

  it('stops a redirect loop', async () => {
    const { server } = await core((seen, response) => {
      response.writeHead(302, { location: seen.url === '/a' ? '/b' : '/a' });
      response.end();
    });
    const http = client(server);

    const error = await failure(http.request({ method: 'GET', url: `${server.origin}/a` }));

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('loop');
  });

  it('stops after the maximum number of redirects', async () => {
    const { server, seen } = await core((entry, response) => {
      const step = Number(entry.url.slice(1));
      response.writeHead(302, { location: `/${step + 1}` });
      response.end();
    });
    const http = client(server, { maxRedirects: 5 });

    const error = await failure(http.request({ method: 'GET', url: `${server.origin}/0` }));

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
    expect(seen).toHaveLength(6);
  });

  it('fails a redirect without Location', async () => {
    const { server } = await core((_seen, response) => {
      response.writeHead(302);
      response.end();
    });
    const http = client(server);

    const error = await failure(http.request({ method: 'GET', url: `${server.origin}/` }));

    expect(hasCode(error, 'REDIRECT_FAILED')).toBe(true);
  });
});

describe('secure client request records', () => {
  it('writes one sanitised record per request, without secrets', async () => {
    const { server } = await core((_seen, response) =>
      json(response, 200, { content: 'message text' }),
    );
    const records: RequestRecord[] = [];
    const http = client(server, { onRecord: (record) => records.push(record) });

    await http.request({
      method: 'POST',
      url: `${server.origin}/sessions?token=s3cr3t&limit=5`,
      headers: { 'X-API-Key': 'mc_secret_key' },
      json: { content: 'private message' },
      attempt: 2,
    });

    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      correlationId: 'corr-default',
      method: 'POST',
      url: `${server.origin}/sessions?token=***&limit=5`,
      status: 200,
      attempt: 2,
      outcome: 'ok',
      host: '127.0.0.1',
      address: '127.0.0.1',
    });
    const serialised = JSON.stringify(records);
    expect(serialised).not.toContain('s3cr3t');
    expect(serialised).not.toContain('mc_secret_key');
    expect(serialised).not.toContain('private message');
    expect(serialised).not.toContain('message text');
  });

  it('records a refused request too', async () => {
    const { server } = await core((_seen, response) => json(response, 200, {}));
    const records: RequestRecord[] = [];
    const connector = recordingConnector();
    const http = client(server, {
      connect: connector.connect,
      onRecord: (record) => records.push(record),
    });

    await failure(http.request({ method: 'GET', url: 'http://user:pw@169.254.169.254/' }));
    await failure(http.request({ method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' }));
    await failure(http.request({ method: 'GET', url: 'gopher://127.0.0.1/' }));

    expect(records.map((record) => record.outcome)).toEqual(['refused', 'refused', 'refused']);
    expect(records[1]).toMatchObject({ host: '169.254.169.254', address: '169.254.169.254' });
    expect(connector.attempts).toEqual([]);
    expect(JSON.stringify(records)).not.toContain('pw');
  });
});

describe('createSecureClient options', () => {
  it('rejects a core origin that is not a URL', () => {
    expect(() => createSecureClient({ coreOrigin: 'core', correlationId: 'c' })).toThrow(
      RangeError,
    );
  });

  it('rejects an unknown method before sending', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);

    const error = await failure(
      http.request({ method: 'CONNECT' as 'GET', url: `${server.origin}/` }),
    );

    expect(error).toBeInstanceOf(RangeError);
    expect(seen).toEqual([]);
  });

  it('rejects a timeout that is not a number', async () => {
    const { server, seen } = await core((_seen, response) => json(response, 200, {}));
    const http = client(server);

    const error = await failure(
      http.request({ method: 'GET', url: `${server.origin}/`, timeoutMs: Number.NaN }),
    );

    expect(error).toBeInstanceOf(RangeError);
    expect(seen).toEqual([]);
  });

  it('rejects a negative size limit', () => {
    expect(() =>
      createSecureClient({
        coreOrigin: 'http://127.0.0.1:1',
        correlationId: 'c',
        maxResponseBytes: -1,
      }),
    ).toThrow(/maxResponseBytes/);
  });
});
