/**
 * Session ids given on the command line, or one per line on stdin when the only
 * argument is `-`. Every id is checked before any request, so one malformed id stops
 * the command with nothing sent.
 */
import { sessionIdProblem } from '../../../contract/session-id.js';
import { quoteId } from '../../../core-client/client.js';
import { UsageError } from '../../../errors/errors.js';

/** More ids than this on stdin is almost certainly the wrong file. */
const MAX_STDIN_IDS = 100_000;

export async function collectSessionIds(
  args: string[],
  stdin: NodeJS.ReadableStream,
): Promise<string[]> {
  if (args.length > 1 && args.includes('-')) {
    throw new UsageError('"-" reads the session IDs from stdin, so it must be the only ID given.');
  }

  const ids = args.length === 1 && args[0] === '-' ? await readIdsFromStdin(stdin) : args;
  if (ids.length === 0) {
    throw new UsageError('No session ID given.');
  }

  for (const id of ids) {
    const problem = sessionIdProblem(id);
    if (problem !== undefined) {
      throw new UsageError(`Invalid session ID ${quoteId(id)}: ${problem}`);
    }
  }

  return [...new Set(ids)];
}

async function readIdsFromStdin(stdin: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.length > MAX_STDIN_IDS * 80) {
      throw new UsageError(`Too many session IDs on stdin (more than ${MAX_STDIN_IDS}).`);
    }
  }

  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
