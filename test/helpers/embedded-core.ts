/**
 * An embedded Core for tests: the real app on 127.0.0.1 with a free port and a real
 * SQLite file in a fresh temporary home folder, removed again by `close()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { homePaths } from '../../src/config/paths.js';
import { createCoreApp } from '../../src/server/app.js';
import type { RateLimitOptions } from '../../src/server/rate-limit.js';
import { CoreStore, type SeedOptions } from '../../src/server/store.js';
import { ensurePrivateDir } from '../../src/util/private-files.js';
import type { Clock } from '../../src/util/clock.js';

export interface TestCoreOptions {
  apiKey?: string;
  rateLimit?: RateLimitOptions;
  clock?: Clock;
  /** Sessions to generate before the server starts; `now` and `random` default to the clock and a fixed seed. */
  seed?: Partial<SeedOptions> & Pick<SeedOptions, 'sessions'>;
  /** Receives the server's JSON log lines. Default: no logging. */
  logStream?: NodeJS.WritableStream;
}

export interface TestCore {
  url: string;
  store: CoreStore;
  dbPath: string;
  home: string;
  close(): Promise<void>;
}

export async function startTestCore(options: TestCoreOptions = {}): Promise<TestCore> {
  const home = mkdtempSync(join(tmpdir(), 'mc-core-test-'));
  const paths = homePaths(home);
  ensurePrivateDir(paths.coreDir);
  const dbPath = join(paths.coreDir, 'core.db');
  const store = CoreStore.open(dbPath);
  if (options.seed !== undefined) {
    store.seed({
      messages: 3,
      staleRatio: 0.3,
      random: fixedRandom(),
      now: options.clock?.now() ?? Date.now(),
      ...options.seed,
    });
  }

  const app = await listenOrCleanUp(home, store, () =>
    createCoreApp({
      store,
      apiKey: options.apiKey,
      rateLimit: options.rateLimit,
      clock: options.clock,
      logger:
        options.logStream === undefined ? undefined : { stream: options.logStream, level: 'debug' },
    }),
  );
  const port = (app.server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    dbPath,
    home,
    close: async () => {
      await app.close();
      store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Starts the app on a free loopback port; removes the home folder when that fails. */
async function listenOrCleanUp(
  home: string,
  store: CoreStore,
  build: () => FastifyInstance,
): Promise<FastifyInstance> {
  try {
    const app = build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app;
  } catch (error) {
    store.close();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

/** Creates a repeatable sequence of numbers in [0, 1), so seeded content is the same each run. */
function fixedRandom(): () => number {
  let state = 42;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Creates a clock the test moves by hand; `sleep` advances it instead of waiting. */
export function manualClock(start: number): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      now += ms;
    },
  };
}
