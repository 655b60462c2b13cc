import { afterEach, describe, expect, it } from 'vitest';

import { CoreClient, type ResilientInvoker } from '../../src/core-client/client.js';
import { fetchTrueTotal, walkMessages, walkSessions } from '../../src/core-client/paging.js';
import { HttpStatusError, InvalidResponseError, UsageError } from '../../src/errors/errors.js';
import { createSecureClient } from '../../src/http/index.js';
import type { SecureClient } from '../../src/http/types.js';
import type { Clock } from '../../src/util/clock.js';
import {
  startDeployedCore,
  type DeployedCore,
  type DeployedCoreOptions,
} from '../helpers/deployed-core.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

/** A clock whose sleep only moves time forward, and records what it was asked to wait. */
function fakeClock(start = Date.UTC(2026, 11, 4, 12)): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

const once: ResilientInvoker = (operation) => operation(1, new AbortController().signal);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function clientFor(url: string, clock: Clock, apiKey?: string): CoreClient {
  const http: SecureClient = createSecureClient({
    coreOrigin: new URL(url).origin,
    correlationId: 'test_client',
    clock,
  });
  closers.push(() => http.close());
  return new CoreClient({ baseUrl: url, apiKey, requester: http, invoke: once, clock });
}

async function deployed(options: DeployedCoreOptions): Promise<DeployedCore> {
  const core = await startDeployedCore(options);
  closers.push(() => core.close());
  return core;
}

async function faults(script: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const server = await startFaultServer(script);
  closers.push(() => server.close());
  return server;
}

describe('CoreClient', () => {
  it('waits for the rate-limit window instead of hitting 429', async () => {
    const clock = fakeClock();
    const core = await deployed({ now: clock.now, rateLimit: { limit: 3, windowMs: 60_000 } });
    core.addSessions({ count: 2 });
    const client = clientFor(core.url, clock);

    for (let call = 0; call < 7; call += 1) {
      await client.listSessions({ limit: 10 });
    }

    expect(core.requests.map((request) => request.status)).not.toContain(429);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);
    expect(clock.sleeps.every((ms) => ms > 0 && ms <= 65_000)).toBe(true);
  });

  it('rejects a malformed id without a request', async () => {
    const core = await deployed({ rateLimit: false });
    const client = clientFor(core.url, fakeClock());

    await expect(client.getHistory('../etc')).rejects.toBeInstanceOf(UsageError);
    await expect(client.deleteSession('a b')).rejects.toBeInstanceOf(UsageError);
    await expect(client.bulkDelete({ session_ids: ['ok', 'x'.repeat(65)] })).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(core.requests).toHaveLength(0);
  });

  it('reads the message and fields of errors', async () => {
    const server = await faults([
      {
        status: 422,
        json: {
          error: 'Validation error',
          errors: [{ field: 'query.limit', message: 'too big', type: 'x' }],
        },
      },
      { status: 500, json: { detail: 'database is locked' } },
      { status: 429, json: { error: 'Rate limit exceeded' }, headers: { 'retry-after': '60' } },
    ]);
    const client = clientFor(server.url, fakeClock());

    const validation = await client.listSessions().catch((error: unknown) => error);
    expect(validation).toBeInstanceOf(HttpStatusError);
    expect((validation as HttpStatusError).fieldErrors).toEqual([
      { field: 'query.limit', message: 'too big' },
    ]);

    const internal = await client.listSessions().catch((error: unknown) => error);
    expect((internal as HttpStatusError).coreMessage).toBe('database is locked');

    const limited = await client.listSessions().catch((error: unknown) => error);
    expect((limited as HttpStatusError).retryAfterMs).toBe(60_000);
  });

  it('rejects a body that breaks the contract', async () => {
    const server = await faults([{ status: 200, json: { sessions: 'nope' } }]);
    const client = clientFor(server.url, fakeClock());

    await expect(client.listSessions()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('sends the API key when configured', async () => {
    const core = await deployed({ rateLimit: false, apiKey: 'k-123', apiKeyRoutes: 'all' });
    await expect(clientFor(core.url, fakeClock()).listSessions()).rejects.toMatchObject({
      status: 401,
    });
    await expect(clientFor(core.url, fakeClock(), 'k-123').listSessions()).resolves.toMatchObject({
      total: 0,
    });
  });
});

describe('paging', () => {
  it('walks every session once on a correct listing', async () => {
    const core = await deployed({ rateLimit: false, listFromMemoryWindow: false });
    core.addSessions({ count: 1_203, messagesPerSession: 1 });
    const client = clientFor(core.url, fakeClock());

    const ids: string[] = [];
    for await (const session of walkSessions(client)) {
      ids.push(session.session_id);
    }

    expect(ids).toHaveLength(1_203);
    expect(new Set(ids).size).toBe(1_203);
    expect(await fetchTrueTotal(client)).toBe(1_203);
  });

  it('shows the window defect through the true total', async () => {
    const core = await deployed({ rateLimit: false });
    core.addSessions({ count: 30, messagesPerSession: 40 });
    const client = clientFor(core.url, fakeClock());

    let seen = 0;
    for await (const session of walkSessions(client, { pageSize: 5 })) {
      expect(session.session_id).toMatch(/^session-/);
      seen += 1;
    }

    const total = await fetchTrueTotal(client);
    expect(total).toBe(30);
    expect(seen).toBeLessThan(total);
  });

  it('walks every message of a session in order', async () => {
    const core = await deployed({ rateLimit: false });
    const [session] = core.addSessions({ count: 1, messagesPerSession: 230 });
    const client = clientFor(core.url, fakeClock());

    const times: string[] = [];
    for await (const message of walkMessages(client, session?.sessionId ?? '')) {
      times.push(message.timestamp);
    }

    expect(times).toHaveLength(230);
    expect([...times].sort()).toEqual(times);
  });
});
