/**
 * The one rule for destructive commands: on a terminal the user confirms; without one
 * the command needs `--yes`, and otherwise deletes nothing and fails.
 */
import { ConfirmationRequiredError } from '../errors/errors.js';
import type { CommandIO } from './io.js';

export async function confirmOrRefuse(
  io: CommandIO,
  question: string,
  assumeYes: boolean,
): Promise<void> {
  if (assumeYes) {
    return;
  }

  if (io.prompter === undefined) {
    throw new ConfirmationRequiredError(
      'Refusing to delete without confirmation: no terminal to ask. Nothing was deleted; re-run with --yes to confirm.',
    );
  }

  const confirmed = await io.prompter.confirm(question);
  if (!confirmed) {
    throw new ConfirmationRequiredError('Cancelled. Nothing was deleted.', true);
  }
}
