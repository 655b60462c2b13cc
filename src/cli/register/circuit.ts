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
      const [{ runCircuitReset }, { openAuditLog }, { createCorrelationId }] = await Promise.all([
        import('../commands/circuit.js'),
        import('../../audit/index.js'),
        import('../../util/correlation-id.js'),
      ]);
      const io = runtime.io();
      const paths = homePaths(runtime.home());
      const correlationId = createCorrelationId({ env: io.env, clock: io.clock });
      const changes: Array<{ circuit: string; to: string }> = [];

      await runCircuitReset(
        {
          name,
          onStateChange: (change) => changes.push({ circuit: change.circuit, to: change.to }),
        },
        io,
        paths.stateDir,
      );

      // Written after the reset so that a failing audit write cannot stop the reset itself.
      const audit = openAuditLog({ auditDir: paths.auditDir, clock: io.clock });
      for (const change of changes) {
        await audit.append({
          correlationId,
          outcome: 'event',
          event: `circuit_${change.to.replace('-', '_')}`,
          circuit: change.circuit,
        });
      }
    });
}
