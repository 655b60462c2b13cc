/** `mc config ...`: the configuration file. */
import { Command } from 'commander';

import { homePaths } from '../../config/paths.js';
import type { CommandRuntime } from './runtime.js';

export function registerConfigCommands(program: Command, runtime: CommandRuntime): void {
  const config = program
    .command('config')
    .description('read and change the configuration (MASTERCLAW_HOME/config.json)');
  const configFile = () => homePaths(runtime.home()).configFile;

  config
    .command('get')
    .description('print one value')
    .argument('<key>', 'core.url, core.apiKey, core.timeoutSeconds or cleanup.keep')
    .option('--reveal', 'print a secret instead of masking it')
    .action(async (key: string, raw: { reveal?: boolean }) => {
      const { runConfigGet } = await import('../commands/config.js');
      runConfigGet({ key, reveal: raw.reveal === true }, runtime.io(), configFile());
    });

  config
    .command('set')
    .description('set one value, checked before the file is written')
    .argument('<key>', 'the key')
    .argument('<value>', 'the value')
    .action(async (key: string, value: string) => {
      const { runConfigSet } = await import('../commands/config.js');
      runConfigSet(key, value, runtime.io(), configFile());
    });

  config
    .command('unset')
    .description('remove one value')
    .argument('<key>', 'the key')
    .action(async (key: string) => {
      const { runConfigUnset } = await import('../commands/config.js');
      runConfigUnset(key, runtime.io(), configFile());
    });

  config
    .command('list')
    .description('print every key, secrets masked')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }) => {
      const { runConfigList } = await import('../commands/config.js');
      runConfigList({ json: raw.json === true }, runtime.io(), configFile());
    });
}
