/**
 * `mc core start [--port N] [--foreground]`: starts the embedded Core, detached by
 * default. Refuses to start a second one for the same home folder.
 */
import type { HomePaths } from '../../../config/paths.js';
import { readCoreRuntime } from '../../../server/core-files.js';
import { UsageError } from '../../../errors/errors.js';
import { runCoreInForeground, startCoreDaemon } from '../../../server/runtime.js';
import type { CommandIO } from '../../io.js';

export { DEFAULT_CORE_PORT } from '../../../server/serve.js';

export interface CoreStartOptions {
  /** TCP port on 127.0.0.1; default `DEFAULT_CORE_PORT` (0: a free port, recorded in `core.json`). */
  port: number;
  /** Run in this process until Ctrl-C instead of detaching. Default false. */
  foreground: boolean;
  /** When set, the Core requires it in `X-API-Key` on every route. Default: no key. */
  apiKey?: string | undefined;
}

export async function runCoreStart(
  options: CoreStartOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  checkPort(options.port);

  if (options.foreground) {
    await runCoreInForeground({
      paths,
      port: options.port,
      apiKey: options.apiKey,
      signal: io.signal,
      onListening: (runtime) => {
        io.stdout.write(`${runtime.url}\n`);
        io.stderr.write(
          `Embedded Core listening at ${runtime.url} (pid ${runtime.pid}). Press Ctrl-C to stop.\n`,
        );
      },
    });
    io.stderr.write('Embedded Core stopped.\n');
    return;
  }

  // Starting a Core that already runs is what the user wanted anyway: say where it is.
  const running = readCoreRuntime(paths);
  if (running !== undefined) {
    io.stdout.write(`${running.url}\n`);
    io.stderr.write(
      `The embedded Core is already running at ${running.url} (pid ${running.pid}).\n`,
    );
    return;
  }

  const runtime = await startCoreDaemon({ paths, port: options.port, apiKey: options.apiKey });
  io.stdout.write(`${runtime.url}\n`);
  io.stderr.write(`Embedded Core started at ${runtime.url} (pid ${runtime.pid}).\n`);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(
      `Invalid --port ${String(port)}: expected an integer from 0 to 65535 (0 picks a free port)`,
    );
  }
}
