/**
 * The process the embedded Core daemon runs (`node dist/server/main.js`). Settings come
 * from the environment, so the API key never shows in the process list:
 * `MASTERCLAW_HOME`, `MC_CORE_PORT`, `MC_CORE_HOST` and `MC_CORE_API_KEY`.
 * It stops cleanly on SIGTERM or SIGINT.
 */
import { homePaths, resolveHome } from '../config/paths.js';
import {
  CORE_API_KEY_ENV,
  CORE_HOST_ENV,
  CORE_PORT_ENV,
  serveCore,
  type CoreServerSettings,
} from './serve.js';

function settingsFromEnv(env: NodeJS.ProcessEnv): CoreServerSettings {
  const port = env[CORE_PORT_ENV];
  const host = env[CORE_HOST_ENV];
  const apiKey = env[CORE_API_KEY_ENV];
  return {
    paths: homePaths(resolveHome(env)),
    port: port === undefined || port === '' ? undefined : parsePort(port),
    host: host === undefined || host === '' ? undefined : host,
    apiKey: apiKey === undefined || apiKey === '' ? undefined : apiKey,
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(
      `Invalid ${CORE_PORT_ENV} ${JSON.stringify(text)}: expected an integer from 0 to 65535`,
    );
  }

  return port;
}

async function main(): Promise<void> {
  const core = await serveCore(settingsFromEnv(process.env));

  const stop = (): void => {
    core.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`embedded Core failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `embedded Core failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
