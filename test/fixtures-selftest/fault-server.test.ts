import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { startFaultServer, type FaultScript, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(...args: Parameters<typeof startFaultServer>): Promise<FaultServer> {
  server = await startFaultServer(...args);
  return server;
}

describe('scripted responses', () => {
  it('serves steps in order, then the fallback', async () => {
    const fault = await start([{ status: 503 }, { status: 503 }, { status: 200, json: { ok: 1 } }]);

    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      const response = await fetch(`${fault.url}/v1/sessions`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }

    expect(statuses).toEqual([503, 503, 200, 500]);
    expect(fault.count).toBe(4);
    expect(fault.requests.map((entry) => entry.step)).toEqual([0, 1, 2, -1]);
  });

  it('sends JSON bodies and headers', async () => {
    const fault = await start([
      { status: 418, json: { error: 'teapot' }, headers: { 'X-Extra': 'x' } },
    ]);

    const response = await fetch(fault.url);

    expect(response.status).toBe(418);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-extra')).toBe('x');
    expect(await response.json()).toEqual({ error: 'teapot' });
  });

  it('uses a custom fallback', async () => {
    const fault = await start([], { fallback: { status: 204 } });

    const response = await fetch(fault.url);

    expect(response.status).toBe(204);
  });

  it('picks steps with a function script', async () => {
    const script: FaultScript = (incoming, index) =>
      incoming.method === 'DELETE' ? { status: 202 } : { status: 200, body: `request ${index}` };
    const fault = await start(script);

    const first = await fetch(fault.url);
    const second = await fetch(fault.url, { method: 'DELETE' });

    expect(await first.text()).toBe('request 0');
    expect(second.status).toBe(202);
  });

  it('records method, url, headers and body', async () => {
    const fault = await start([{ status: 200 }]);

    await (
      await fetch(`${fault.url}/v1/memory/add?x=1`, {
        method: 'POST',
        headers: { 'X-Request-ID': 'r1', 'content-type': 'application/json' },
        body: '{"content":"c"}',
      })
    ).arrayBuffer();

    expect(fault.requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/memory/add?x=1',
      body: '{"content":"c"}',
      step: 0,
    });
    expect(fault.requests[0]?.headers['x-request-id']).toBe('r1');
  });

  it('hands raw requests to a custom step', async () => {
    const fault = await start([
      {
        action: 'custom',
        handle: (_request, response, recorded) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(`saw ${recorded.method}`);
        },
      },
    ]);

    const response = await fetch(fault.url, { method: 'PATCH' });

    expect(await response.text()).toBe('saw PATCH');
  });
});

describe('connection faults', () => {
  it('resets before any byte', async () => {
    const fault = await start([{ action: 'reset' }]);

    await expect(fetch(fault.url)).rejects.toThrow();
    expect(fault.count).toBe(1);
  });

  it('resets in the middle of the body', async () => {
    const fault = await start([{ action: 'reset', afterHeaders: true }]);

    const response = await fetch(fault.url);

    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('stalls until the server closes', async () => {
    const fault = await start([{ action: 'stall' }]);

    const pending = fetch(fault.url);
    await vi.waitFor(() => expect(fault.count).toBe(1));
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await fault.close();

    expect(await outcome).toBe('failed');
  });

  it('stalls the body after the headers', async () => {
    const fault = await start([{ action: 'stall', sendHeaders: true }]);

    const response = await fetch(fault.url);
    const body = response.text().then(
      () => 'complete',
      () => 'failed',
    );
    await fault.close();

    expect(response.status).toBe(200);
    expect(await body).toBe('failed');
  });

  it('drips the whole body', async () => {
    const body = '{"sessions":[],"total":0}';
    const fault = await start([{ action: 'drip', body, chunkBytes: 4, intervalMs: 1 }]);

    const response = await fetch(fault.url);

    expect(response.headers.get('content-length')).toBe(String(body.length));
    expect(await response.text()).toBe(body);
  });

  it('drips chunked without a declared length', async () => {
    const fault = await start([
      { action: 'drip', body: 'abcdef', intervalMs: 1, declareLength: false },
    ]);

    const response = await fetch(fault.url);

    expect(response.headers.get('content-length')).toBeNull();
    expect(await response.text()).toBe('abcdef');
  });
});

describe('rate limits and redirects', () => {
  it('answers 429 with Retry-After', async () => {
    const fault = await start([{ action: 'rateLimit', retryAfter: 7 }]);

    const response = await fetch(fault.url);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({
      error: 'Rate limit exceeded',
      code: 'RATE_LIMIT_EXCEEDED',
      retry_after: 7,
    });
  });

  it('sends an HTTP-date Retry-After with another status', async () => {
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    const fault = await start([{ action: 'rateLimit', retryAfter: date, status: 503 }]);

    const response = await fetch(fault.url);

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(date);
  });

  it('redirects to the given location', async () => {
    const location = 'http://127.0.0.1:1/elsewhere';
    const fault = await start([{ action: 'redirect', location, status: 307 }]);

    const response = await fetch(fault.url, { redirect: 'manual' });

    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe(location);
  });
});

describe('large bodies', () => {
  it.each([true, false])('sends an oversized body (declared length %s)', async (declareLength) => {
    const bytes = 3 * 1024 * 1024 + 5;
    const fault = await start([{ action: 'oversize', bytes, declareLength }]);

    const response = await fetch(fault.url);
    const text = await response.text();

    expect(response.headers.get('content-length')).toBe(declareLength ? String(bytes) : null);
    expect(Buffer.byteLength(text)).toBe(bytes);
    expect((JSON.parse(text) as { padding: string }).padding).toHaveLength(bytes - 14);
  });

  it('keeps serving after a client aborts an oversized body', async () => {
    const fault = await start([
      { action: 'oversize', bytes: 512 * 1024 * 1024 },
      { status: 200, body: 'next' },
    ]);
    const controller = new AbortController();

    const response = await fetch(fault.url, { signal: controller.signal });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    const next = await fetch(fault.url);

    await expect(reader?.read()).rejects.toThrow();
    expect(await next.text()).toBe('next');
    expect(fault.count).toBe(2);
  });

  it.each([
    ['gzip', gunzipSync],
    ['deflate', inflateSync],
    ['br', brotliDecompressSync],
  ] as const)('sends a %s bomb', async (encoding, decompress) => {
    const decompressedBytes = 8 * 1024 * 1024;
    const fault = await start([{ action: 'compressionBomb', decompressedBytes, encoding }]);

    const response = await request(fault.url);
    const compressed = Buffer.from(await response.body.arrayBuffer());

    expect(response.headers['content-encoding']).toBe(encoding);
    expect(response.headers['content-length']).toBe(String(compressed.length));
    expect(compressed.length).toBeLessThan(decompressedBytes / 100);
    const expanded = decompress(compressed);
    expect(expanded.length).toBe(decompressedBytes);
    expect(expanded.subarray(0, 12).toString()).toBe('{"padding":"');
  });
});
