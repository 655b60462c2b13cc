/**
 * A Core whose answers are hostile: terminal escapes in ids, a page repeated forever,
 * the API key echoed in an error. What `mc` prints must stay inert and secret-free,
 * and paging must end.
 */
import { describe, expect, it } from 'vitest';

import { startFaultServer, type FaultRequest, type FaultStep } from '../../helpers/fault-server.js';
import { runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const ESCAPES = '\u001b[31mred\u001b]0;title\u0007\u001b[2J\u202e';

const cleanups = useCleanups();

const freshHome = (): string => cleanups.freshHome();

async function faultServer(script: (request: FaultRequest) => FaultStep) {
  const server = await startFaultServer(script);
  cleanups.push(() => server.close());
  return server;
}

function sessionRow(id: string, source = 'chat') {
  return {
    session_id: id,
    created_at: '2026-12-01T10:00:00',
    last_active: '2026-12-01T11:00:00',
    message_count: 2,
    metadata: { sources: [source] },
  };
}

function page(sessions: unknown[], total = sessions.length): FaultStep {
  return { status: 200, json: { sessions, total, limit: 500, offset: 0 } };
}

describe('hostile Core', () => {
  it('escapes never reach the output', async () => {
    const rows = [sessionRow(`evil${ESCAPES}`, `src${ESCAPES}`)];
    const server = await faultServer((request) =>
      request.url.includes('offset=0') || !request.url.includes('offset=')
        ? page(rows)
        : page([], 1),
    );

    for (const output of ['table', 'csv']) {
      const result = await runMc(['session', 'list', '--all', '--output', output], {
        home: freshHome(),
        coreUrl: server.url,
      });

      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('evil');
      // eslint-disable-next-line no-control-regex -- the control characters are what must not appear
      expect(result.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    }
  });

  it('a repeated page ends the walk', async () => {
    const server = await faultServer(() =>
      page([sessionRow('same-1'), sessionRow('same-2')], 1_000_000_000),
    );

    const result = await runMc(['session', 'list', '--all', '--output', 'ndjson'], {
      home: freshHome(),
      coreUrl: server.url,
    });

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('returned only sessions it had already listed');
    expect(server.requests.length).toBeLessThan(5);
  });

  it('an echoed API key is masked', async () => {
    const key = 'SeCrEtKeY-12345';
    const server = await faultServer(() => ({
      status: 500,
      json: { error: `your key is ${key}` },
    }));

    const result = await runMc(['--verbose', 'session', 'stats'], {
      home: freshHome(),
      coreUrl: server.url,
      env: { MC_API_KEY: key },
    });

    expect(result.exitCode).toBe(6);
    expect(result.stderr).not.toContain(key);
    expect(result.stdout).not.toContain(key);
  });
});
