/**
 * The command tree. Commands are declared here and load their code only when they
 * run, so `mc --help` and a typo cost little. Every failure ends in `reportFailure`,
 * the one place that prints the user's sentence and picks the exit code.
 */
import { Command, CommanderError, Option } from 'commander';

import { resolveHome } from '../config/paths.js';
import { VERSION } from '../version.js';
import { describeFailure, exitCodeOf, type FailureContext } from './failure.js';
import type { CommandIO } from './io.js';
import { createProcessIO } from './process-io.js';
import { registerAuditCommands } from './register/audit.js';
import { registerCircuitCommands } from './register/circuit.js';
import { registerConfigCommands } from './register/config.js';
import { registerCoreCommands } from './register/core.js';
import { registerSessionCommands } from './register/session.js';
import type { CommandRuntime } from './register/runtime.js';

export async function main(argv: string[]): Promise<number> {
  // Ctrl-C and SIGTERM abort the command, so it stops at once but still releases its
  // locks and writes its audit entries; a second signal ends the process on the spot.
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      process.exit(exitCodeOf('INTERRUPTED'));
    }
    interrupt.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runtime = createRuntime(argv, interrupt.signal);
  const program = buildProgram(runtime);
  try {
    await program.parseAsync(argv);
    return exitCodeOf('SUCCESS');
  } catch (error) {
    return reportFailure(error, runtime);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function createRuntime(argv: string[], signal: AbortSignal): CommandRuntime {
  let io: CommandIO | undefined;
  const failureContext: FailureContext = {};

  const runtime: CommandRuntime = {
    home: () => resolveHome(process.env),
    globalFlags: () => ({}),
    failureContext,
    io: () => {
      io ??= createProcessIO({
        verbose: argv.includes('--verbose'),
        colorFlag: !argv.includes('--no-color'),
        signal,
      });
      return io;
    },
  };

  return runtime;
}

function buildProgram(runtime: CommandRuntime): Command {
  const program = new Command('mc')
    .description('Manage the chat sessions stored in MasterClaw Core.')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option('--core-url <url>', 'URL of MasterClaw Core (overrides MC_CORE_URL and core.url)'),
    )
    .addOption(new Option('--timeout <seconds>', 'request timeout in seconds, 1-60 (default 10)'))
    .option('--verbose', 'add the error code, attempts and correlation id to failures')
    .option('--no-color', 'never colour the output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      writeOut: (text) => process.stdout.write(text),
    });

  runtime.globalFlags = () => {
    const options = program.opts<{ coreUrl?: string; timeout?: string }>();
    return { coreUrl: options.coreUrl, timeout: options.timeout };
  };

  registerSessionCommands(program, runtime);
  registerCoreCommands(program, runtime);
  registerConfigCommands(program, runtime);
  registerAuditCommands(program, runtime);
  registerCircuitCommands(program, runtime);

  return program;
}

function reportFailure(error: unknown, runtime: CommandRuntime): number {
  if (error instanceof CommanderError) {
    return commanderExitCode(error);
  }

  const io = runtime.io();
  const description = describeFailure(
    error,
    { now: io.clock.now(), verbose: io.verbose },
    runtime.failureContext,
  );
  io.stderr.write(`❌ ${description.message}\n`);
  for (const line of description.details) {
    io.stderr.write(`   ${line}\n`);
  }
  if (process.env.MC_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
    io.stderr.write(`${error.stack}\n`);
  }

  return description.exitCode;
}

/** Commander has already printed its message; help and version are successes. */
function commanderExitCode(error: CommanderError): number {
  if (
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version' ||
    error.code === 'commander.help'
  ) {
    return 0;
  }

  return exitCodeOf('USAGE');
}
