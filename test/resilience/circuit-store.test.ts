import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CircuitOpenError, NetworkError } from '../../src/errors/errors.js';
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import { CIRCUIT_STATE_FILE, FileCircuitStore } from '../../src/resilience/circuit-store.js';
import { FakeClock } from './fakes.js';

const refused = () => new NetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8000');
const REPO = resolve(import.meta.dirname, '../..');

let stateDir: string;
let temporary: string;

beforeEach(() => {
  temporary = mkdtempSync(join(tmpdir(), 'mc-circuit-'));
  stateDir = join(temporary, 'state');
});

afterEach(() => {
  rmSync(temporary, { recursive: true, force: true });
});

function breakerOn(
  store: FileCircuitStore,
  clock: FakeClock,
  failureThreshold = 3,
): CircuitBreaker {
  return new CircuitBreaker({ name: 'session-api', store, clock, options: { failureThreshold } });
}

async function recordFailure(breaker: CircuitBreaker): Promise<unknown> {
  return breaker
    .execute(async () => {
      throw refused();
    })
    .catch((error: unknown) => error);
}

describe('FileCircuitStore', () => {
  it('shares state between two stores on one folder', async () => {
    const clock = new FakeClock();
    const first = breakerOn(new FileCircuitStore({ stateDir }), clock);
    const second = breakerOn(new FileCircuitStore({ stateDir }), clock);

    await recordFailure(first);
    await recordFailure(second);
    await recordFailure(first);

    await expect(recordFailure(second)).resolves.toBeInstanceOf(CircuitOpenError);
    expect(await second.state()).toMatchObject({ kind: 'open', consecutiveFailures: 3 });
  });

  it('writes a private JSON file', async () => {
    const clock = new FakeClock();
    await recordFailure(breakerOn(new FileCircuitStore({ stateDir }), clock));
    const file = join(stateDir, CIRCUIT_STATE_FILE);

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      circuits: { 'session-api': { kind: 'closed', consecutiveFailures: 1 } },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
  });

  it('resets a corrupt file with a warning', async () => {
    for (const corrupt of [
      '{not json',
      '{"version":1,"circuits":{"session-api":{"kind":"ajar"}}}',
      '[]',
      '',
    ]) {
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(join(stateDir, CIRCUIT_STATE_FILE), corrupt);
      const warnings: string[] = [];
      const store = new FileCircuitStore({
        stateDir,
        onWarning: (message) => warnings.push(message),
      });

      const failure = await recordFailure(breakerOn(store, new FakeClock()));

      expect(failure, corrupt).toBeInstanceOf(NetworkError);
      expect(warnings[0], corrupt).toMatch(/circuits\.json is corrupt/);
      expect((await store.read()).get('session-api')).toEqual({
        kind: 'closed',
        consecutiveFailures: 1,
      });
    }
  });

  it('calls without the breaker when the state folder is unusable', async () => {
    // A regular file where the state folder should be makes every lock and write fail.
    writeFileSync(stateDir, 'not a folder');
    const warnings: string[] = [];
    const breaker = new CircuitBreaker({
      name: 'session-api',
      store: new FileCircuitStore({ stateDir }),
      clock: new FakeClock(),
      onWarning: (message) => warnings.push(message),
    });

    await expect(breaker.execute(async () => 'listed')).resolves.toBe('listed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Circuit session-api: state unavailable \(.+\); calling without the circuit breaker\.$/,
    );
  });

  it('waits out lock contention in one process', async () => {
    const clock = new FakeClock();
    const breakers = Array.from({ length: 4 }, () =>
      breakerOn(new FileCircuitStore({ stateDir }), clock, 1000),
    );

    await Promise.all(
      breakers.flatMap((breaker) => Array.from({ length: 5 }, () => recordFailure(breaker))),
    );

    expect(await new FileCircuitStore({ stateDir }).read()).toEqual(
      new Map([['session-api', { kind: 'closed', consecutiveFailures: 20 }]]),
    );
  });

  it('loses no update from concurrent processes', async () => {
    const script = buildChildScript();
    const children = 4;
    const failuresEach = 5;

    await Promise.all(
      Array.from({ length: children }, () =>
        promisify(execFile)(process.execPath, [script, stateDir, String(failuresEach)]),
      ),
    );

    expect(await new FileCircuitStore({ stateDir }).read()).toEqual(
      new Map([['session-api', { kind: 'closed', consecutiveFailures: children * failuresEach }]]),
    );
  });
});

/**
 * Transpiles the modules a child process needs into the temporary folder, because
 * plain `node` cannot import TypeScript, and returns a script that records failures.
 */
function buildChildScript(): string {
  const root = join(temporary, 'child');
  const modules = [
    'src/errors/errors.ts',
    'src/util/private-files.ts',
    'src/resilience/classify.ts',
    'src/resilience/circuit-store.ts',
    'src/resilience/circuit-breaker.ts',
  ];

  for (const module of modules) {
    const output = ts.transpileModule(readFileSync(join(REPO, module), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(root, module.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }

  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  const script = join(root, 'record-failures.js');
  writeFileSync(
    script,
    `import { CircuitBreaker } from './src/resilience/circuit-breaker.js';
import { FileCircuitStore } from './src/resilience/circuit-store.js';
import { NetworkError } from './src/errors/errors.js';

const [stateDir, count] = process.argv.slice(2);
const clock = { now: () => Date.now(), sleep: async () => undefined };
const breaker = new CircuitBreaker({
  name: 'session-api',
  store: new FileCircuitStore({ stateDir }),
  clock,
  options: { failureThreshold: 1000 },
});
for (let index = 0; index < Number(count); index += 1) {
  await breaker.execute(async () => { throw new NetworkError('ECONNREFUSED', 'refused'); }).catch(() => undefined);
}
`,
  );

  return script;
}
