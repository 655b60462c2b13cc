/** `mc core ...` and `mc revive`: the embedded Core. */
import { Command } from 'commander';

import { homePaths } from '../../config/paths.js';
import { parseIntegerOption, parseOptionalInteger, parseRatioOption } from '../options.js';
import type { CommandRuntime } from './runtime.js';

const PORT_RANGE = { min: 0, max: 65_535 };

export function registerCoreCommands(program: Command, runtime: CommandRuntime): void {
  const core = program
    .command('core')
    .description('run the embedded MasterClaw Core (SQLite storage, same API)');

  core
    .command('start')
    .description('start the embedded Core on 127.0.0.1 in the background')
    .option('--port <port>', 'TCP port; 0 picks a free one (default 0)')
    .option('--foreground', 'run in this terminal until Ctrl-C')
    .action(async (raw: { port?: string; foreground?: boolean }) => {
      const port = parseIntegerOption('--port', raw.port ?? '0', PORT_RANGE);
      const [{ runCoreStart }, { resolveSettings }] = await Promise.all([
        import('../commands/core/start.js'),
        import('../settings.js'),
      ]);
      const io = runtime.io();
      const settings = resolveSettings(runtime.home(), runtime.globalFlags(), io.env);
      await runCoreStart(
        { port, foreground: raw.foreground === true, apiKey: settings.apiKey },
        io,
        settings.paths,
      );
    });

  core
    .command('stop')
    .description('stop the embedded Core')
    .action(async () => {
      const { runCoreStop } = await import('../commands/core/stop.js');
      await runCoreStop({}, runtime.io(), homePaths(runtime.home()));
    });

  core
    .command('status')
    .description('whether the embedded Core runs, where, and what it holds')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }) => {
      const { runCoreStatus } = await import('../commands/core/status.js');
      await runCoreStatus({ json: raw.json === true }, runtime.io(), homePaths(runtime.home()));
    });

  core
    .command('seed')
    .description(
      "fill the embedded Core's database with generated sessions, for demos and benchmarks",
    )
    .option('--sessions <count>', 'sessions to create (default 1000)')
    .option('--messages <count>', 'messages per session (default 5)')
    .option(
      '--stale-ratio <ratio>',
      'fraction of sessions inactive for more than 30 days, 0-1 (default 0.3)',
    )
    .option('--random-seed <seed>', 'integer that makes the data repeatable')
    .action(
      async (raw: {
        sessions?: string;
        messages?: string;
        staleRatio?: string;
        randomSeed?: string;
      }) => {
        const {
          runCoreSeed,
          DEFAULT_SEED_SESSIONS,
          DEFAULT_SEED_MESSAGES,
          DEFAULT_SEED_STALE_RATIO,
          MAX_SEED_SESSIONS,
          MAX_SEED_MESSAGES,
        } = await import('../commands/core/seed.js');
        const options = {
          sessions: parseIntegerOption(
            '--sessions',
            raw.sessions ?? String(DEFAULT_SEED_SESSIONS),
            { min: 1, max: MAX_SEED_SESSIONS },
          ),
          messages: parseIntegerOption(
            '--messages',
            raw.messages ?? String(DEFAULT_SEED_MESSAGES),
            { min: 1, max: MAX_SEED_MESSAGES },
          ),
          staleRatio: parseRatioOption(
            '--stale-ratio',
            raw.staleRatio ?? String(DEFAULT_SEED_STALE_RATIO),
          ),
          randomSeed: parseOptionalInteger('--random-seed', raw.randomSeed, {
            min: 0,
            max: 2 ** 31 - 1,
          }),
        };
        await runCoreSeed(options, runtime.io(), homePaths(runtime.home()));
      },
    );

  program
    .command('revive')
    .description(
      'bring the configured Core back: restarts the embedded Core, or says how to start another',
    )
    .action(async () => {
      const [{ runRevive }, { resolveSettings }] = await Promise.all([
        import('../commands/revive.js'),
        import('../settings.js'),
      ]);
      const io = runtime.io();
      await runRevive(io, resolveSettings(runtime.home(), runtime.globalFlags(), io.env));
    });
}
