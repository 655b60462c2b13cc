/**
 * `mc revive`, which the "is it running?" messages point to. It restarts the embedded
 * Core when that is the Core in use; another Core cannot be started from here, so for
 * one the command prints where it is configured and how to switch.
 */
import { startCoreDaemon, stopCoreDaemon } from '../../server/runtime.js';
import { CoreNotRunningError } from '../../errors/errors.js';
import type { CommandIO } from '../io.js';
import type { Settings } from '../settings.js';

export async function runRevive(io: CommandIO, settings: Settings): Promise<void> {
  if (settings.coreUrlSource === 'embedded' || settings.coreUrlSource === 'default') {
    await restartEmbeddedCore(io, settings);
    return;
  }

  throw new CoreNotRunningError(
    `mc cannot start the Core at ${settings.coreUrl} (set by ${describeSource(settings)}). ` +
      'Start MasterClaw Core there, or remove that setting and run `mc core start` to use the embedded Core.',
  );
}

async function restartEmbeddedCore(io: CommandIO, settings: Settings): Promise<void> {
  const stopped = await stopCoreDaemon(settings.paths);
  const port = stopped === undefined ? 0 : Number(new URL(stopped.url).port);

  const runtime = await startCoreDaemon({ paths: settings.paths, port, apiKey: settings.apiKey });
  io.stderr.write(
    `${stopped === undefined ? 'Started' : 'Restarted'} the embedded Core at ${runtime.url} (pid ${runtime.pid}).\n`,
  );
}

function describeSource(settings: Settings): string {
  switch (settings.coreUrlSource) {
    case 'flag':
      return '--core-url';
    case 'environment':
      return 'MC_CORE_URL';
    default:
      return `core.url in ${settings.paths.configFile}`;
  }
}
