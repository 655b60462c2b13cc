// Cost of the secure HTTP client over a bare undici request, both on keep-alive
// connections to the same loopback server, interleaved in one run.
// Run: npm run build && node bench/http-client.mjs [requestsPerSide]
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

import { Agent, request } from 'undici';

import { createSecureClient } from '../dist/http/index.js';

const REQUESTS_PER_SIDE = Number(process.argv[2] ?? 12000);
const BATCH = 100;
const WARMUP = 500;

// A typical small Core response: one session summary.
const PAYLOAD = JSON.stringify({
  id: 'sess_0123456789abcdef',
  title: 'Benchmark session',
  created_at: '2026-01-01T00:00:00',
  updated_at: '2026-01-01T00:05:00',
  message_count: 12,
  tags: ['bench', 'loopback'],
});

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(PAYLOAD),
  });
  response.end(PAYLOAD);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const url = `${origin}/sessions/sess_0123456789abcdef`;

const secure = createSecureClient({
  coreOrigin: origin,
  correlationId: 'bench',
  onRecord: () => {},
});
const bareAgent = new Agent();

async function secureRequest() {
  const response = await secure.request({
    method: 'GET',
    url,
    headers: { 'X-API-Key': 'bench-key' },
  });
  if (response.status !== 200) throw new Error(`secure client got ${response.status}`);
}

async function bareRequest() {
  const response = await request(url, {
    dispatcher: bareAgent,
    headers: { 'x-api-key': 'bench-key', 'x-correlation-id': 'bench' },
  });
  JSON.parse(await response.body.text());
  if (response.statusCode !== 200) throw new Error(`bare undici got ${response.statusCode}`);
}

async function runBatch(send, count) {
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    await send();
  }
  return performance.now() - started;
}

await runBatch(secureRequest, WARMUP);
await runBatch(bareRequest, WARMUP);

// Batches alternate, and the side that goes first alternates too, so drift in
// machine load touches both sides alike.
const totals = { secure: 0, bare: 0 };
for (let done = 0, round = 0; done < REQUESTS_PER_SIDE; done += BATCH, round += 1) {
  const order = round % 2 === 0 ? ['secure', 'bare'] : ['bare', 'secure'];
  for (const side of order) {
    totals[side] += await runBatch(side === 'secure' ? secureRequest : bareRequest, BATCH);
  }
}

const count = Math.ceil(REQUESTS_PER_SIDE / BATCH) * BATCH;
const securePerRequest = (totals.secure / count) * 1000;
const barePerRequest = (totals.bare / count) * 1000;

const ratio = securePerRequest / barePerRequest;
process.stdout.write(
  [
    `requests per side: ${count} (keep-alive, loopback, ${PAYLOAD.length}-byte JSON body)`,
    `bare undici:   ${barePerRequest.toFixed(1)} µs per request`,
    `secure client: ${securePerRequest.toFixed(1)} µs per request`,
    `ratio secure / bare: ${ratio.toFixed(3)} (target <= 1.15)`,
    '',
  ].join('\n'),
);

await secure.close();
await bareAgent.close();
server.close();
