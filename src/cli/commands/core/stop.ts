/** `mc core stop`: stops the embedded Core daemon of this home folder, if one runs. */
import type { HomePaths } from '../../../config/paths.js';
import { stopCoreDaemon } from '../../../server/runtime.js';
import type { CommandIO } from '../../io.js';

// No flags yet; the type keeps the shape of the other commands.
export type CoreStopOptions = Record<string, never>;

export async function runCoreStop(
  _options: CoreStopOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  const stopped = await stopCoreDaemon(paths);
  if (stopped === undefined) {
    io.stderr.write('The embedded Core is not running.\n');
    return;
  }

  io.stderr.write(`Embedded Core stopped (pid ${stopped.pid}, ${stopped.url}).\n`);
}
