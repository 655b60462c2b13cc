/**
 * Everything a command touches outside its own options: the streams, whether they are
 * terminals, colour, the clock and the prompt. `main` builds the real one from the
 * process; tests build one from buffers, so a command runs the same way in both.
 */
import type { Clock } from '../util/clock.js';

export interface TextSink {
  write(text: string): unknown;
}

export interface Prompter {
  /** Asks a yes/no question on the terminal; resolves false for anything but yes. */
  confirm(question: string): Promise<boolean>;
}

export interface CommandIO {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stderr and stdout: only on a terminal, never with `NO_COLOR` or `--no-color`. */
  color: boolean;
  /** Terminal width for tables and wrapped text; 80 when unknown. */
  columns: number;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  verbose: boolean;
  /** Undefined when no terminal can answer a question (stdin or stderr is not a TTY). */
  prompter: Prompter | undefined;
  /** Aborts when the user presses Ctrl-C. */
  signal: AbortSignal;
}
