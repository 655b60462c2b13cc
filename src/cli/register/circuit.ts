/** `mc circuit ...`: the circuit breaker state shared by `mc` processes. */
import { Command } from 'commander';

import { homePaths } from '../../config/paths.js';
import type { CommandRuntime } from './runtime.js';

export function registerCircuitCommands(program: Command, runtime: CommandRuntime): void {
  const circuit = program.command('circuit').description('show or reset the circuit breakers');

  circuit
    .command('status')
    .description("each circuit's state, failures and next attempt")
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }) => {
      const { runCircuitStatus } = await import('../commands/circuit.js');
      await runCircuitStatus(
        { json: raw.json === true },
        runtime.io(),
        homePaths(runtime.home()).stateDir,
      );
    });

  circuit
    .command('reset')
    .description('close a circuit (all when no name is given)')
    .argument('[name]', 'circuit name, such as session-api')
    .action(async (name: string | undefined) => {
      const { runCircuitReset } = await import('../commands/circuit.js');
      await runCircuitReset({ name }, runtime.io(), homePaths(runtime.home()).stateDir);
    });
}
