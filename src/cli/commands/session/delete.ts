/**
 * `mc session delete <id>...`: shows what will be deleted, asks, and deletes each
 * session with its own request. Ids the Core does not know are reported, not fatal,
 * unless none of the ids exist.
 */
import { parseCoreDatetime } from '../../../contract/datetime.js';
import type { CoreClient } from '../../../core-client/client.js';
import { HttpStatusError, PartialFailureError, isMcError } from '../../../errors/errors.js';
import { confirmOrRefuse } from '../../confirm.js';
import type { CommandIO } from '../../io.js';
import { formatRelative, formatUtc, plural } from '../../render/time.js';
import { withSpinner } from '../../spinner.js';
import { collectSessionIds } from './session-ids.js';

export interface DeleteOptions {
  sessionIds: string[];
  yes: boolean;
  json: boolean;
}

export interface RawDeleteOptions {
  yes?: boolean;
  force?: boolean;
  json?: boolean;
}

export async function parseDeleteOptions(
  args: string[],
  raw: RawDeleteOptions,
  stdin: NodeJS.ReadableStream,
): Promise<DeleteOptions> {
  return {
    sessionIds: await collectSessionIds(args, stdin),
    yes: raw.yes === true || raw.force === true,
    json: raw.json === true,
  };
}

interface Preview {
  sessionId: string;
  messages: number;
  lastActiveMs: number | undefined;
}

export async function runDelete(
  options: DeleteOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const { found, missing } = await withSpinner(io, 'Looking up sessions…', () =>
    previewSessions(client, options.sessionIds),
  );

  for (const id of missing) {
    io.stderr.write(`Session ${id} not found; skipping it.\n`);
  }
  if (found.length === 0) {
    throw new HttpStatusError({ status: 404, method: 'GET', url: '/v1/sessions/{id}' });
  }

  io.stderr.write(describePreviews(found, io.clock.now()));
  const messageCount = found.reduce((sum, preview) => sum + preview.messages, 0);
  await confirmOrRefuse(
    io,
    `Delete ${plural(found.length, 'session')} (${plural(messageCount, 'message')})?`,
    options.yes,
  );

  await deleteAll(found, options, io, client);

  if (missing.length > 0) {
    throw new PartialFailureError(
      `Deleted ${plural(found.length, 'session')}; ${missing.length} of the IDs given were not found.`,
      found.length,
      missing.length,
    );
  }
}

async function previewSessions(
  client: CoreClient,
  sessionIds: string[],
): Promise<{ found: Preview[]; missing: string[] }> {
  const found: Preview[] = [];
  const missing: string[] = [];

  for (const sessionId of sessionIds) {
    const preview = await previewSession(client, sessionId);
    if (preview === undefined) {
      missing.push(sessionId);
    } else {
      found.push(preview);
    }
  }

  return { found, missing };
}

/** Reads the message count and the newest message's time; undefined when the session does not exist. */
async function previewSession(client: CoreClient, sessionId: string): Promise<Preview | undefined> {
  try {
    const first = await client.getHistory(sessionId, { limit: 1 });
    if (first.total_messages === 0) {
      return undefined;
    }

    const last =
      first.total_messages > 1
        ? await client.getHistory(sessionId, { limit: 1, offset: first.total_messages - 1 })
        : first;
    const newest = last.messages.at(-1);
    return {
      sessionId,
      messages: first.total_messages,
      lastActiveMs: newest === undefined ? undefined : parseCoreDatetime(newest.timestamp),
    };
  } catch (error) {
    if (isMcError(error) && error instanceof HttpStatusError && error.status === 404) {
      return undefined;
    }
    throw error;
  }
}

function describePreviews(previews: Preview[], now: number): string {
  const lines = previews.map((preview) => {
    const when =
      preview.lastActiveMs === undefined
        ? 'last active: unknown'
        : `last active ${formatRelative(preview.lastActiveMs, now)} (${formatUtc(preview.lastActiveMs)})`;
    return `  ${preview.sessionId}: ${plural(preview.messages, 'message')}, ${when}`;
  });

  return `About to delete:\n${lines.join('\n')}\n`;
}

async function deleteAll(
  previews: Preview[],
  options: DeleteOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const results: Array<{
    session_id: string;
    deleted: boolean;
    memories_deleted: number;
    error?: string;
  }> = [];

  for (const preview of previews) {
    try {
      const result = await client.deleteSession(preview.sessionId);
      results.push({
        session_id: preview.sessionId,
        deleted: true,
        memories_deleted: result.memories_deleted,
      });
      if (!options.json) {
        io.stdout.write(
          `Deleted session ${preview.sessionId} (${plural(result.memories_deleted, 'message')}).\n`,
        );
      }
    } catch (error) {
      if (previews.length === 1) {
        throw error;
      }
      const reason = isMcError(error) ? error.code : 'UNKNOWN';
      results.push({
        session_id: preview.sessionId,
        deleted: false,
        memories_deleted: 0,
        error: reason,
      });
      io.stderr.write(`Failed to delete session ${preview.sessionId} (${reason}).\n`);
    }
  }

  if (options.json) {
    io.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
  }

  const failed = results.filter((result) => !result.deleted).length;
  if (failed > 0) {
    throw new PartialFailureError(
      `Deleted ${results.length - failed} of ${results.length} sessions; ${failed} failed.`,
      results.length - failed,
      failed,
    );
  }
}
