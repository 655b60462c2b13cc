import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSecureClient } from '../../src/http/index.js';

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let received = '';
    req.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          method: req.method,
          correlation: req.headers['x-correlation-id'],
          received,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createSecureClient basics', () => {
  it('sends JSON and parses the answer', async () => {
    const client = createSecureClient({ coreOrigin: origin, correlationId: 'corr-1' });
    const response = await client.request({ method: 'POST', url: `${origin}/x`, json: { a: 1 } });
    await client.close();

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ method: 'POST', correlation: 'corr-1', received: '{"a":1}' });
  });
});
