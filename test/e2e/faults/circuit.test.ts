/**
 * The session API's circuit breaker across `mc` processes: its state lives in
 * `$MASTERCLAW_HOME/state/circuits.json`, so failures of earlier processes stop later
 * ones. The Core responds with 501, a service failure that is not retried, so each failing
 * process costs one request and no backoff wait.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startFaultServer, type FaultStep } from '../../helpers/fault-server.js';
import { createMcHome, readAudit, runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const EXIT_UNAVAILABLE = 6;
const CIRCUIT = 'session-api';
const EMPTY_LIST = { sessions: [], total: 0, limit: 20, offset: 0 };

const cleanups = useCleanups();

interface CircuitFile {
  version: number;
  circuits: Record<string, { kind: string; openedAt?: number; retryAt?: number }>;
}

function circuitFile(home: string): string {
  return join(home, 'state', 'circuits.json');
}

function readCircuits(home: string): CircuitFile {
  return JSON.parse(readFileSync(circuitFile(home), 'utf8')) as CircuitFile;
}

describe('circuit breaker across mc processes', () => {
  it('opens after three failed processes, closes after reset', async () => {
    const { home, remove } = createMcHome();
    cleanups.push(remove);
    let healthy = false;
    const server = await startFaultServer((): FaultStep =>
      healthy
        ? { status: 200, json: EMPTY_LIST }
        : { status: 501, json: { error: 'Not Implemented' } },
    );
    cleanups.push(() => server.close());
    const run = () => runMc(['session', 'list'], { home, coreUrl: server.url });

    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const failed = await run();
      expect(failed.exitCode).toBe(EXIT_UNAVAILABLE);
      expect(failed.stderr).toContain('HTTP 501');
    }
    expect(server.count).toBe(3);
    expect(readCircuits(home).circuits[CIRCUIT]?.kind).toBe('open');

    const refused = await run();
    expect(refused.stderr).toMatch(
      /❌ Session API is temporarily unavailable\. Please try again in \d+ seconds?\./,
    );
    expect(refused.exitCode).toBe(EXIT_UNAVAILABLE);
    expect(server.count).toBe(3);
    const refusals = (await readAudit(home)).filter((entry) => entry.errorCode === 'CIRCUIT_OPEN');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.outcome).toBe('refused');

    // The reset timeout (10 s) is real time across processes, so the test moves the
    // opening into the past in the shared file instead of waiting for it.
    const state = readCircuits(home);
    const open = state.circuits[CIRCUIT];
    expect(open?.retryAt).toBeGreaterThan(Date.now());
    state.circuits[CIRCUIT] = { ...open, kind: 'open', openedAt: 1_000, retryAt: 2_000 };
    writeFileSync(circuitFile(home), `${JSON.stringify(state, null, 2)}\n`);
    healthy = true;

    const firstProbe = await run();
    expect(firstProbe.stderr).not.toContain('❌');
    expect(firstProbe.exitCode).toBe(0);
    expect(server.count).toBe(4);
    expect(readCircuits(home).circuits[CIRCUIT]?.kind).toBe('half-open');

    // Two successful probes close the circuit (the breaker's success threshold).
    const secondProbe = await run();
    expect(secondProbe.exitCode).toBe(0);
    expect(server.count).toBe(5);
    expect(readCircuits(home).circuits[CIRCUIT]?.kind).toBe('closed');
  });
});
