/**
 * `mc session import FILE`: puts sessions from an export or archive back, one memory at
 * a time, with their original times (the embedded Core keeps them; deployed Cores
 * store the time of the import instead). The whole file is checked before anything is
 * sent, and sessions that already exist are skipped, so a second run adds nothing.
 */
import { readFile } from 'node:fs/promises';

import { CHAT_INTERACTION_TYPE } from '../../../contract/schemas.js';
import type { CoreClient } from '../../../core-client/client.js';
import { UsageError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { plural } from '../../render/time.js';
import { withSpinner } from '../../spinner.js';
import { archiveRecordSchema, type ArchiveRecord } from './archive.js';

export async function parseImportFile(path: string): Promise<ArchiveRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read failed'}`,
    );
  }

  const records: ArchiveRecord[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') {
      continue;
    }
    records.push(parseLine(line, `${path}:${index + 1}`));
  }

  if (records.length === 0) {
    throw new UsageError(`${path} contains no sessions.`);
  }

  return records;
}

function parseLine(line: string, where: string): ArchiveRecord {
  let value: unknown;
  try {
    value = JSON.parse(line, (key, item: unknown) => (key === '__proto__' ? undefined : item));
  } catch {
    throw new UsageError(`${where}: not valid JSON.`);
  }

  const result = archiveRecordSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageError(
      `${where}: ${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}.`,
    );
  }

  return result.data;
}

export async function runImport(
  records: ArchiveRecord[],
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const counts = { imported: 0, skipped: 0, messages: 0 };

  await withSpinner(io, 'Importing sessions…', async (spinner) => {
    for (const [index, record] of records.entries()) {
      spinner.update(`Importing session ${index + 1} of ${records.length}…`);
      if (await client.hasSession(record.session_id)) {
        io.stderr.write(`Session ${record.session_id} already exists; skipped.\n`);
        counts.skipped += 1;
        continue;
      }
      counts.messages += await importSession(client, record);
      counts.imported += 1;
    }
  });

  io.stdout.write(
    `Imported ${plural(counts.imported, 'session')} (${plural(counts.messages, 'message')}); ` +
      `skipped ${counts.skipped} that already existed.\n`,
  );
}

// NOTE: an import cut short inside a session leaves that session partly restored, and a
// second run skips it as existing; delete it and import the file again to complete it.
async function importSession(client: CoreClient, record: ArchiveRecord): Promise<number> {
  for (const message of record.messages) {
    await client.addMemory({
      content: message.content,
      metadata: { ...message.metadata, session_id: record.session_id, type: CHAT_INTERACTION_TYPE },
      source: message.source ?? null,
      timestamp: message.timestamp,
    });
  }

  return record.messages.length;
}
