import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { runCircuitReset, runCircuitStatus } from '../../src/cli/commands/circuit.js';
import type { CommandIO } from '../../src/cli/io.js';
import { NetworkError, UsageError } from '../../src/errors/errors.js';
import { CircuitBreaker, type CircuitStateChange } from '../../src/resilience/circuit-breaker.js';
import { CIRCUIT_STATE_FILE, FileCircuitStore } from '../../src/resilience/circuit-store.js';
import { FakeClock, START_TIME } from '../resilience/fakes.js';

let stateDir: string;
let temporary: string;

beforeEach(() => {
  temporary = mkdtempSync(join(tmpdir(), 'mc-circuit-cli-'));
  stateDir = join(temporary, 'state');
});

afterEach(() => {
  rmSync(temporary, { recursive: true, force: true });
});

function testIO(clock: FakeClock, stdoutIsTTY = false) {
  const output = { stdout: '', stderr: '' };
  const io: CommandIO = {
    stdout: { write: (text: string) => (output.stdout += text) },
    stderr: { write: (text: string) => (output.stderr += text) },
    stdin: new PassThrough(),
    stdoutIsTTY,
    stderrIsTTY: stdoutIsTTY,
    color: false,
    columns: 80,
    clock,
    env: {},
    verbose: false,
    prompter: undefined,
    signal: new AbortController().signal,
  };

  return { io, output };
}

async function failTimes(name: string, clock: FakeClock, times: number): Promise<void> {
  const breaker = new CircuitBreaker({ name, store: new FileCircuitStore({ stateDir }), clock });
  for (let index = 0; index < times; index += 1) {
    await breaker
      .execute(async () => {
        throw new NetworkError('ECONNREFUSED', 'refused');
      })
      .catch(() => undefined);
  }
}

describe('runCircuitStatus', () => {
  it('reports no state on a fresh home', async () => {
    const { io, output } = testIO(new FakeClock());

    await runCircuitStatus({ json: false }, io, stateDir);

    expect(output.stdout).toBe('No circuit state recorded; every circuit is closed.\n');
  });

  it('prints a table with ISO times when piped', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    await failTimes('health', clock, 1);
    clock.advance(2000);
    const { io, output } = testIO(clock);

    await runCircuitStatus({ json: false }, io, stateDir);

    expect(output.stdout.split('\n')).toEqual([
      'CIRCUIT      STATE   FAILURES  RETRY',
      'health       closed  1         -',
      `session-api  open    3         ${new Date(START_TIME + 10_000).toISOString()}`,
      '',
    ]);
  });

  it('prints relative times on a terminal', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    clock.advance(2000);
    const { io, output } = testIO(clock, true);

    await runCircuitStatus({ json: false }, io, stateDir);

    expect(output.stdout).toContain('in 8 s');
  });

  it('prints one JSON document', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    const { io, output } = testIO(clock);

    await runCircuitStatus({ json: true }, io, stateDir);

    expect(JSON.parse(output.stdout)).toEqual({
      circuits: [
        {
          name: 'session-api',
          state: 'open',
          consecutiveFailures: 3,
          halfOpenSuccesses: null,
          retryAt: new Date(START_TIME + 10_000).toISOString(),
        },
      ],
    });
    expect(output.stderr).toBe('');
  });

  it('warns about a corrupt file and reports closed', async () => {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, CIRCUIT_STATE_FILE), '{"version":1,"circuits":');
    const { io, output } = testIO(new FakeClock());

    await runCircuitStatus({ json: true }, io, stateDir);

    expect(JSON.parse(output.stdout)).toEqual({ circuits: [] });
    expect(output.stderr).toMatch(/^Warning: Circuit state file .*circuits\.json is corrupt/);
  });
});

describe('runCircuitReset', () => {
  it('closes one circuit', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    await failTimes('health', clock, 3);
    const changes: CircuitStateChange[] = [];
    const { io, output } = testIO(clock);

    await runCircuitReset(
      { name: 'session-api', onStateChange: (change) => changes.push(change) },
      io,
      stateDir,
    );

    expect(output.stderr).toBe('Circuit session-api closed.\n');
    const circuits = await new FileCircuitStore({ stateDir }).read();
    expect(circuits.get('session-api')).toEqual({ kind: 'closed', consecutiveFailures: 0 });
    expect(circuits.get('health')?.kind).toBe('open');
    expect(changes).toEqual([
      { circuit: 'session-api', from: 'open', to: 'closed', at: clock.now() },
    ]);
  });

  it('closes every circuit', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    await failTimes('health', clock, 1);
    const { io, output } = testIO(clock);

    await runCircuitReset({}, io, stateDir);

    expect(output.stderr).toBe('Closed 2 circuits: health, session-api.\n');
    const circuits = await new FileCircuitStore({ stateDir }).read();
    expect(
      [...circuits.values()].every(
        (state) => state.kind === 'closed' && state.consecutiveFailures === 0,
      ),
    ).toBe(true);
  });

  it('says when nothing needed closing', async () => {
    const { io, output } = testIO(new FakeClock());

    await runCircuitReset({ name: 'session-api' }, io, stateDir);
    await runCircuitReset({}, io, stateDir);

    expect(output.stderr).toBe(
      'Circuit session-api was already closed.\nEvery circuit was already closed.\n',
    );
  });

  it('rejects an invalid name and changes nothing', async () => {
    const clock = new FakeClock();
    await failTimes('session-api', clock, 3);
    const { io } = testIO(clock);

    await expect(runCircuitReset({ name: '../etc' }, io, stateDir)).rejects.toThrow(UsageError);
    await expect(runCircuitReset({ name: '../etc' }, io, stateDir)).rejects.toThrow(/"\.\.\/etc"/);
    expect((await new FileCircuitStore({ stateDir }).read()).get('session-api')?.kind).toBe('open');
  });
});
