/**
 * `mc` against a failing Core, end to end: the built CLI in a child process, a scripted
 * fault server (or a closed port) on 127.0.0.1. These runs wait the real backoff
 * (about 0.5 s, 1 s, 2 s), so only the two tests that need the retries let them run.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { describe, expect, it } from 'vitest';

import { startFaultServer, type FaultServer } from '../../helpers/fault-server.js';
import { readAudit, runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const EXIT_UNAVAILABLE = 6;
const EXIT_RATE_LIMITED = 7;

const EMPTY_LIST = { sessions: [], total: 0, limit: 20, offset: 0 };

const cleanups = useCleanups();

const freshHome = (): string => cleanups.freshHome();

async function faultServer(...args: Parameters<typeof startFaultServer>): Promise<FaultServer> {
  const server = await startFaultServer(...args);
  cleanups.push(() => server.close());
  return server;
}

/** Returns a loopback port that had a listener a moment ago and has none now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mc retries against a failing Core', () => {
  it('503 storm recovers on the third attempt', async () => {
    const server = await faultServer([
      { status: 503, json: { error: 'Service Unavailable' } },
      { status: 503, json: { error: 'Service Unavailable' } },
      { status: 200, json: EMPTY_LIST },
    ]);

    const result = await runMc(['session', 'list'], { home: freshHome(), coreUrl: server.url });

    expect(result.stderr).not.toContain('❌');
    expect(result.exitCode).toBe(0);
    expect(server.count).toBe(3);
    expect(server.requests.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('dead Core fails after exactly 4 attempts', async () => {
    const home = freshHome();
    const port = await closedPort();

    const result = await runMc(['session', 'list'], {
      home,
      coreUrl: `http://127.0.0.1:${port}`,
    });

    expect(result.stderr).toContain(
      '❌ Cannot connect to MasterClaw Core. Is it running? (mc revive)',
    );
    expect(result.exitCode).toBe(EXIT_UNAVAILABLE);

    const attempts = (await readAudit(home))
      .filter((entry) => entry.method === 'GET')
      .map((entry) => entry.attempt);
    expect(attempts).toEqual([1, 2, 3, 4]);
  });

  it('429 with Retry-After 60 fails at once', async () => {
    const server = await faultServer([{ action: 'rateLimit', retryAfter: 60 }]);

    const result = await runMc(['session', 'list'], { home: freshHome(), coreUrl: server.url });

    expect(result.stderr).toContain('60 seconds');
    expect(result.stderr).toContain('Too many requests');
    expect(result.exitCode).toBe(EXIT_RATE_LIMITED);
    expect(server.count).toBe(1);
  });
});
