/**
 * The egress guard inside the client: DNS pinning, redirects out of the Core, and
 * credentials on cross-origin redirects. Every client here uses the recording
 * connector, which opens sockets only on loopback, so a broken guard shows up as a
 * recorded attempt and never as traffic.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { hasCode } from '../../src/errors/errors.js';
import { createSecureClient } from '../../src/http/index.js';
import type { RequestRecord, SecureClient, SecureClientOptions } from '../../src/http/types.js';
import {
  readRequestBody,
  recordingConnector,
  scriptedResolver,
  startServer,
  type TestServer,
} from './helpers.js';

// Stands for any public address; the recording connector routes it to 127.0.0.1.
const PUBLIC_STAND_IN = '93.184.216.34';

const servers: TestServer[] = [];
const clients: SecureClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(
  handler: Parameters<typeof startServer>[0],
  host?: string,
): Promise<TestServer> {
  const server = await startServer(handler, host);
  servers.push(server);
  return server;
}

function client(
  options: Partial<SecureClientOptions> & Pick<SecureClientOptions, 'coreOrigin'>,
): SecureClient {
  const created = createSecureClient({ correlationId: 'corr-guard', ...options });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('secure client DNS pinning', () => {
  it('never connects to a private address a name answers later', async () => {
    const target = await serve((_request, response) => response.end('{"ok":true}'));
    const { resolver } = scriptedResolver({ 'rebinding.test': [[PUBLIC_STAND_IN], ['10.0.0.7']] });
    const connector = recordingConnector([PUBLIC_STAND_IN]);
    const http = client({
      coreOrigin: 'http://core.invalid',
      resolver,
      connect: connector.connect,
    });
    const url = `http://rebinding.test:${target.port}/`;

    const first = await http.request({ method: 'GET', url });
    const second = await failure(http.request({ method: 'GET', url: `${url}again` }));

    expect(first.body).toEqual({ ok: true });
    expect(hasCode(second, 'SSRF_VIOLATION')).toBe(true);
    expect(connector.attempts.map((attempt) => attempt.address)).not.toContain('10.0.0.7');
  });

  it('connects only to the public address of a mixed answer', async () => {
    const target = await serve((_request, response) => response.end('{}'));
    const { resolver } = scriptedResolver({
      'mixed.test': ['10.0.0.7', '169.254.169.254', PUBLIC_STAND_IN],
    });
    const connector = recordingConnector([PUBLIC_STAND_IN]);
    const http = client({
      coreOrigin: 'http://core.invalid',
      resolver,
      connect: connector.connect,
    });

    const response = await http.request({
      method: 'GET',
      url: `http://mixed.test:${target.port}/`,
    });

    expect(response.status).toBe(200);
    expect(connector.attempts.map((attempt) => attempt.address)).toEqual([PUBLIC_STAND_IN]);
  });

  it('refuses a name whose every answer is forbidden, without connecting', async () => {
    const { resolver } = scriptedResolver({ 'evil.test': ['127.0.0.1', '::1', '169.254.169.254'] });
    const connector = recordingConnector();
    const records: RequestRecord[] = [];
    const http = client({
      coreOrigin: 'http://core.invalid',
      resolver,
      connect: connector.connect,
      onRecord: (r) => records.push(r),
    });

    const error = await failure(http.request({ method: 'GET', url: 'http://evil.test:9/' }));

    expect(hasCode(error, 'SSRF_VIOLATION')).toBe(true);
    expect(error).toMatchObject({ host: 'evil.test', address: '127.0.0.1' });
    expect(connector.attempts).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      outcome: 'refused',
      errorCode: 'SSRF_VIOLATION',
      host: 'evil.test',
      address: '127.0.0.1',
    });
  });

  it('resolves a name once per request and reuses nothing across policies', async () => {
    const target = await serve((_request, response) => response.end('{}'));
    const scripted = scriptedResolver({ 'api.test': [PUBLIC_STAND_IN] });
    const connector = recordingConnector([PUBLIC_STAND_IN]);
    const http = client({
      coreOrigin: 'http://core.invalid',
      resolver: scripted.resolver,
      connect: connector.connect,
    });

    await http.request({ method: 'GET', url: `http://api.test:${target.port}/` });

    expect(scripted.queries).toEqual(['api.test']);
  });
});

describe('secure client redirects out of the Core', () => {
  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['a private address', 'http://10.0.0.5/admin', '10.0.0.5'],
    ['a metadata name', 'http://metadata.google.internal/computeMetadata/v1/', undefined],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/', '64:ff9b::7f00:1'],
  ])('refuses a redirect to %s', async (_label, location, address) => {
    const core = await serve((_request, response) => {
      response.writeHead(302, { location });
      response.end();
    });
    const connector = recordingConnector();
    const http = client({
      coreOrigin: core.origin,
      resolver: scriptedResolver({}).resolver,
      connect: connector.connect,
    });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/sessions` }));

    expect(hasCode(error, 'SSRF_VIOLATION')).toBe(true);
    expect(
      connector.attempts.every(
        (attempt) => attempt.port === core.port && attempt.address === '127.0.0.1',
      ),
    ).toBe(true);
    if (address !== undefined) {
      expect(connector.attempts.map((attempt) => attempt.address)).not.toContain(address);
    }
  });

  it('judges a redirect to another loopback port under the public policy', async () => {
    const other = await serve((_request, response) => response.end('{"reached":true}'));
    const core = await serve((_request, response) => {
      response.writeHead(307, { location: `${other.origin}/` });
      response.end();
    });
    const connector = recordingConnector();
    const http = client({ coreOrigin: core.origin, connect: connector.connect });

    const error = await failure(http.request({ method: 'GET', url: `${core.origin}/` }));

    expect(hasCode(error, 'SSRF_VIOLATION')).toBe(true);
    expect((error as { reason: string }).reason).toContain('deny:loopback');
    expect(connector.attempts.map((attempt) => attempt.port)).not.toContain(other.port);
  });

  it('follows a redirect within the Core', async () => {
    const core = await serve((request, response) => {
      if (request.url === '/old') {
        response.writeHead(301, { location: '/new' });
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url }));
    });
    const http = client({ coreOrigin: core.origin, connect: recordingConnector().connect });

    const response = await http.request({ method: 'GET', url: `${core.origin}/old` });

    expect(response.body).toEqual({ path: '/new' });
    expect(response.url).toBe(`${core.origin}/new`);
  });
});

describe('secure client credentials on redirects', () => {
  async function redirectingPair(status: number) {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const bodies: string[] = [];
    const other = await serve(async (request, response) => {
      seen.push(request.headers);
      bodies.push(await readRequestBody(request));
      response.end('{}');
    });
    const core = await serve((request, response) => {
      if (request.url === '/same') {
        seen.push(request.headers);
        response.end('{}');
        return;
      }
      const location =
        request.url === '/to-same' ? '/same' : `http://other.test:${other.port}/landing`;
      response.writeHead(status, { location });
      response.end();
    });
    const { resolver } = scriptedResolver({ 'other.test': [PUBLIC_STAND_IN] });
    const connector = recordingConnector([PUBLIC_STAND_IN]);
    const http = client({ coreOrigin: core.origin, resolver, connect: connector.connect });
    return { core, http, seen, bodies, connector };
  }

  const credentials = {
    'X-API-Key': 'mc_secret_key',
    Authorization: 'Bearer secret-token',
    Cookie: 'sid=secret',
  };

  it('drops the API key, Authorization and Cookie across origins', async () => {
    const { core, http, seen, connector } = await redirectingPair(307);

    const response = await http.request({
      method: 'GET',
      url: `${core.origin}/away`,
      headers: credentials,
    });

    expect(response.status).toBe(200);
    expect(connector.attempts.map((attempt) => attempt.address)).toContain(PUBLIC_STAND_IN);
    expect(seen).toHaveLength(1);
    expect(seen[0]!['x-api-key']).toBeUndefined();
    expect(seen[0]!.authorization).toBeUndefined();
    expect(seen[0]!.cookie).toBeUndefined();
    expect(seen[0]!['x-correlation-id']).toBe('corr-guard');
  });

  it('keeps the API key on a same-origin redirect', async () => {
    const { core, http, seen } = await redirectingPair(302);

    await http.request({ method: 'GET', url: `${core.origin}/to-same`, headers: credentials });

    expect(seen).toHaveLength(1);
    expect(seen[0]!['x-api-key']).toBe('mc_secret_key');
  });

  it('keeps the body on 307 but not the key', async () => {
    const { core, http, seen, bodies } = await redirectingPair(307);

    await http.request({
      method: 'POST',
      url: `${core.origin}/away`,
      headers: credentials,
      json: { title: 't' },
    });

    expect(bodies).toEqual(['{"title":"t"}']);
    expect(seen[0]!['x-api-key']).toBeUndefined();
  });
});
