/**
 * What `mc` sends and refuses to send when the Core misbehaves: no second POST after
 * the server may have acted on the first, the correlation ID on every request,
 * `--verbose` details, and a redirect to a forbidden address.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startFaultServer, type FaultRequest, type FaultStep } from '../../helpers/fault-server.js';
import { readAudit, runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const EXIT_USAGE = 2;
const EXIT_UNAVAILABLE = 6;
const EXIT_SECURITY = 8;

const SESSION_ID = 'imported-session';
const NOT_FOUND = { status: 404, json: { error: 'Session not found', status_code: 404 } };

const cleanups = useCleanups();

const freshHome = (): string => cleanups.freshHome();

async function faultServer(script: (request: FaultRequest) => FaultStep) {
  const server = await startFaultServer(script);
  cleanups.push(() => server.close());
  return server;
}

/** Writes an archive file with one session of two messages, as `export` writes it. */
function writeImportFile(home: string): string {
  const record = {
    session_id: SESSION_ID,
    info: {
      session_id: SESSION_ID,
      created_at: '2024-01-01T10:00:00',
      last_active: '2024-01-01T10:01:00',
      message_count: 2,
      metadata: {},
    },
    messages: [
      { content: 'User: hi', metadata: {}, timestamp: '2024-01-01T10:00:00', source: 'chat' },
      { content: 'User: bye', metadata: {}, timestamp: '2024-01-01T10:01:00', source: 'chat' },
    ],
  };
  const file = join(home, 'import.jsonl');
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return file;
}

function postsOf(requests: FaultRequest[]): FaultRequest[] {
  return requests.filter((request) => request.method === 'POST');
}

describe('POST that the Core may have run', () => {
  it('import is not retried after a 503', async () => {
    const home = freshHome();
    const server = await faultServer((request) =>
      request.method === 'GET'
        ? NOT_FOUND
        : { status: 503, json: { error: 'Service Unavailable' } },
    );

    const result = await runMc(['session', 'import', writeImportFile(home)], {
      home,
      coreUrl: server.url,
    });

    expect(result.exitCode).toBe(EXIT_UNAVAILABLE);
    const posts = postsOf(server.requests);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe('/v1/memory/add');
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({ content: 'User: hi' });
  });

  it('import is not retried after a reset', async () => {
    const home = freshHome();
    // The fault server reads the whole body before it runs a step, so the reset comes
    // after the Core could have stored the memory.
    const server = await faultServer((request) =>
      request.method === 'GET' ? NOT_FOUND : { action: 'reset' },
    );

    const result = await runMc(['session', 'import', writeImportFile(home)], {
      home,
      coreUrl: server.url,
    });

    expect(result.stderr).toContain('❌ The connection to MasterClaw Core was reset.');
    expect(result.exitCode).toBe(EXIT_UNAVAILABLE);
    expect(postsOf(server.requests)).toHaveLength(1);
  });
});

describe('correlation ID and verbose details', () => {
  it('MC_CORRELATION_ID goes on every request', async () => {
    const home = freshHome();
    let calls = 0;
    const server = await faultServer(() => {
      calls += 1;
      return calls === 1
        ? { status: 503, json: { error: 'Service Unavailable' } }
        : { status: 501, json: { error: 'Not Implemented' } };
    });

    const result = await runMc(['--verbose', 'session', 'list'], {
      home,
      coreUrl: server.url,
      env: { MC_CORRELATION_ID: 'abc_1' },
    });

    expect(result.exitCode).toBe(EXIT_UNAVAILABLE);
    expect(server.count).toBe(2);
    for (const request of server.requests) {
      expect(request.headers['x-correlation-id']).toBe('abc_1');
    }
    expect(result.stderr).toContain('code: HTTP_ERROR');
    expect(result.stderr).toContain('HTTP status: 501');
    expect(result.stderr).toContain('attempts: 2');
    expect(result.stderr).toContain('correlation id: abc_1');

    const audited = (await readAudit(home)).filter((entry) => entry.method === 'GET');
    expect(audited.map((entry) => entry.correlationId)).toEqual(['abc_1', 'abc_1']);
  });

  it('failure without --verbose has no details', async () => {
    const server = await faultServer(() => ({ status: 501, json: { error: 'Not Implemented' } }));

    const result = await runMc(['session', 'list'], { home: freshHome(), coreUrl: server.url });

    expect(result.exitCode).toBe(EXIT_UNAVAILABLE);
    expect(result.stderr).toContain('HTTP 501');
    expect(result.stderr).not.toContain('correlation id:');
    expect(result.stderr).not.toContain('attempts:');
  });

  it('invalid MC_CORRELATION_ID is a usage error', async () => {
    const server = await faultServer(() => ({ status: 500, json: { error: 'unexpected' } }));

    const result = await runMc(['session', 'list'], {
      home: freshHome(),
      coreUrl: server.url,
      env: { MC_CORRELATION_ID: 'bad id;\u001b[31m' },
    });

    expect(result.exitCode).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('MC_CORRELATION_ID is invalid');
    expect(result.stderr).not.toContain('\u001b');
    expect(server.count).toBe(0);
  });
});

describe('redirect to a forbidden address', () => {
  it('redirect to another loopback origin is refused', async () => {
    const home = freshHome();
    // A listener on another port of 127.0.0.1: a redirect there leaves the Core's
    // origin, so the public-only policy applies and loopback is forbidden. If the
    // guard were broken, the connection would land here and be counted, and nothing
    // would ever leave the machine.
    const connections: string[] = [];
    const canary = createServer((socket) => {
      connections.push(socket.remoteAddress ?? '');
      socket.destroy();
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => canary.close(() => resolve())));
    const canaryPort = (canary.address() as AddressInfo).port;
    const server = await faultServer(() => ({
      action: 'redirect',
      status: 307,
      location: `http://127.0.0.1:${canaryPort}/v1/sessions`,
    }));

    const result = await runMc(['session', 'list'], { home, coreUrl: server.url });

    expect(result.stderr).toContain('❌ Security violation');
    expect(result.exitCode).toBe(EXIT_SECURITY);
    expect(server.count).toBe(1);
    expect(connections).toEqual([]);
    const refusals = (await readAudit(home)).filter((entry) => entry.outcome === 'refused');
    expect(refusals.length).toBeGreaterThan(0);
  });
});
