/**
 * Runs the embedded Core in this process: opens the database, listens, writes the
 * runtime file, and undoes all three on close. Used by the daemon entry (`main.ts`)
 * and by `mc core start --foreground`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';

import type { HomePaths } from '../config/paths.js';
import { CoreStartError } from '../errors/errors.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../util/private-files.js';
import { createCoreApp } from './app.js';
import {
  clearCoreRuntime,
  coreFiles,
  readCoreRuntime,
  writeCoreRuntime,
  type CoreRuntime,
} from './core-files.js';
import { CoreStore } from './store.js';

/** The embedded Core listens on loopback only unless told otherwise. */
export const DEFAULT_CORE_HOST = '127.0.0.1';
/** Port 0 lets the system pick a free port; the runtime file records the real one. */
export const DEFAULT_CORE_PORT = 0;

/** Environment variables through which the daemon receives its settings. */
export const CORE_PORT_ENV = 'MC_CORE_PORT';
export const CORE_HOST_ENV = 'MC_CORE_HOST';
export const CORE_API_KEY_ENV = 'MC_CORE_API_KEY';

export interface CoreServerSettings {
  paths: HomePaths;
  /** Default `DEFAULT_CORE_PORT`. */
  port?: number;
  /** Default `DEFAULT_CORE_HOST`. */
  host?: string;
  /** When set, every route requires it in `X-API-Key`. */
  apiKey?: string | undefined;
}

export interface RunningCore {
  runtime: CoreRuntime;
  /** Stops listening, closes the database and removes the runtime file. */
  close(): Promise<void>;
}

export async function serveCore(settings: CoreServerSettings): Promise<RunningCore> {
  const files = coreFiles(settings.paths);
  ensurePrivateDir(settings.paths.coreDir);
  refuseSecondCore(settings.paths);

  const log = createWriteStream(files.log, { flags: 'a', mode: PRIVATE_FILE_MODE });
  const store = CoreStore.open(files.database);
  const app = createCoreApp({ store, apiKey: settings.apiKey, logger: { stream: log } });
  const host = settings.host ?? DEFAULT_CORE_HOST;
  try {
    await app.listen({ port: settings.port ?? DEFAULT_CORE_PORT, host });
  } catch (error) {
    store.close();
    log.end();
    throw new CoreStartError(`Cannot listen on ${host}:${settings.port}: ${String(error)}`, {
      cause: error,
    });
  }

  const runtime = runtimeFor(host, (app.server.address() as AddressInfo).port);
  writeCoreRuntime(settings.paths, runtime);
  app.log.info({ pid: runtime.pid, url: runtime.url }, 'embedded Core listening');

  return {
    runtime,
    close: async () => {
      app.log.info({ pid: runtime.pid }, 'embedded Core stopping');
      await app.close();
      store.close();
      clearCoreRuntime(settings.paths, runtime.pid);
      await endStream(log);
    },
  };
}

function refuseSecondCore(paths: HomePaths): void {
  const running = readCoreRuntime(paths);
  if (running !== undefined && running.pid !== process.pid) {
    throw new CoreStartError(
      `An embedded Core is already running at ${running.url} (pid ${running.pid}). Stop it with: mc core stop`,
    );
  }
}

function runtimeFor(host: string, port: number): CoreRuntime {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    pid: process.pid,
    port,
    url: `http://${urlHost}:${port}`,
    startedAt: new Date().toISOString(),
  };
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}
