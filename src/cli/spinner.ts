/**
 * A spinner on stderr while a command waits for the Core, shown only when stderr is a
 * terminal, so piped output and logs never see its escape codes.
 */
import type { CommandIO } from './io.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const SILENT_SPINNER: Spinner = { update: () => undefined, stop: () => undefined };

export async function startSpinner(io: CommandIO, text: string): Promise<Spinner> {
  if (!io.stderrIsTTY) {
    return SILENT_SPINNER;
  }

  // Loaded only on a terminal: the import costs start-up time that piped runs need not pay.
  const { default: ora } = await import('ora');
  const spinner = ora({
    text,
    stream: io.stderr as NodeJS.WritableStream,
    color: io.color ? 'cyan' : false,
  }).start();

  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}

/** Runs `work` with a spinner and always stops it, so an error message never shares its line. */
export async function withSpinner<T>(
  io: CommandIO,
  text: string,
  work: (spinner: Spinner) => Promise<T>,
): Promise<T> {
  const spinner = await startSpinner(io, text);
  try {
    return await work(spinner);
  } finally {
    spinner.stop();
  }
}
