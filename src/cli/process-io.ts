/**
 * The CommandIO of a real process: its streams, terminal checks, colour rules and a
 * prompt on the terminal.
 */
import { createInterface } from 'node:readline/promises';

import { AbortedError } from '../errors/errors.js';
import { systemClock } from '../util/clock.js';
import type { CommandIO, Prompter } from './io.js';

const DEFAULT_COLUMNS = 80;

export interface ProcessIOSettings {
  verbose: boolean;
  colorFlag: boolean;
  signal: AbortSignal;
}

export function createProcessIO(settings: ProcessIOSettings): CommandIO {
  exitQuietlyWhenStdoutCloses();
  const stdinIsTTY = process.stdin.isTTY === true;
  const stderrIsTTY = process.stderr.isTTY === true;

  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY,
    color: wantsColor(settings.colorFlag, stderrIsTTY),
    columns: process.stdout.columns ?? DEFAULT_COLUMNS,
    clock: systemClock,
    env: process.env,
    verbose: settings.verbose,
    prompter: stdinIsTTY && stderrIsTTY ? terminalPrompter(settings.signal) : undefined,
    signal: settings.signal,
  };
}

/** Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org) or `--no-color` given. */
function wantsColor(colorFlag: boolean, isTTY: boolean): boolean {
  const noColor = process.env.NO_COLOR;
  return colorFlag && isTTY && (noColor === undefined || noColor === '');
}

function terminalPrompter(signal: AbortSignal): Prompter {
  return {
    async confirm(question) {
      const readline = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await readline.question(`${question} [y/N] `, { signal });
        return /^y(es)?$/i.test(answer.trim());
      } catch (error) {
        if (signal.aborted) {
          process.stderr.write('\n');
          throw new AbortedError('Interrupted at the prompt; nothing was deleted.', {
            cause: signal.reason,
          });
        }
        throw error;
      } finally {
        readline.close();
      }
    },
  };
}

/** `mc session list | head` closes stdout early; that ends the command, it is not a failure. */
function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(0);
    }
    throw error;
  });
}
