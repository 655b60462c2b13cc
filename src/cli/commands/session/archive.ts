/**
 * The archive format shared by `cleanup --archive`, `export` and `import`: JSON lines,
 * one per session, holding its `session_id`, its `info` and every one of its `messages`.
 * Lines are flushed to disk (fsync) before the sessions they hold may be deleted.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync, fstatSync } from 'node:fs';
import { z } from 'zod';

import { parseCoreDatetime } from '../../../contract/datetime.js';
import {
  memoryEntrySchema,
  sessionInfoSchema,
  type MemoryEntry,
  type SessionInfo,
} from '../../../contract/schemas.js';
import { isValidSessionId } from '../../../contract/session-id.js';
import type { CoreClient } from '../../../core-client/client.js';
import { walkMessages } from '../../../core-client/paging.js';
import { PRIVATE_FILE_MODE } from '../../../util/private-files.js';

export const archiveRecordSchema = z.object({
  session_id: z.string().refine(isValidSessionId, { message: 'not a valid session id' }),
  info: sessionInfoSchema,
  messages: z.array(memoryEntrySchema),
});
export type ArchiveRecord = z.infer<typeof archiveRecordSchema>;

/** Reads a session's whole history and describes it the way a listing would. */
export async function fetchArchiveRecord(
  client: CoreClient,
  sessionId: string,
): Promise<ArchiveRecord> {
  const messages: MemoryEntry[] = [];
  for await (const message of walkMessages(client, sessionId)) {
    messages.push(message);
  }

  return { session_id: sessionId, info: describeSession(sessionId, messages), messages };
}

function describeSession(sessionId: string, messages: MemoryEntry[]): SessionInfo {
  const times = messages.map((message) => message.timestamp);
  const sorted = [...times].sort(
    (a, b) => (parseCoreDatetime(a) ?? 0) - (parseCoreDatetime(b) ?? 0),
  );
  const sources = [
    ...new Set(
      messages.map((message) => message.source).filter((source) => typeof source === 'string'),
    ),
  ];

  return {
    session_id: sessionId,
    created_at: sorted[0] ?? '',
    last_active: sorted.at(-1) ?? '',
    message_count: messages.length,
    metadata: { sources },
  };
}

/**
 * Appends records to an archive file. `truncateTo` drops bytes past a known-good size,
 * which a resumed clean-up uses to remove lines written after its last journal entry.
 */
export class ArchiveWriter {
  readonly path: string;
  readonly #fd: number;
  #size: number;

  constructor(path: string, truncateTo?: number) {
    this.path = path;
    this.#fd = openSync(path, 'a+', PRIVATE_FILE_MODE);
    if (truncateTo !== undefined) {
      ftruncateSync(this.#fd, truncateTo);
    }
    this.#size = fstatSync(this.#fd).size;
  }

  /** Writes the records and returns the file's size once they are on disk. */
  append(records: ArchiveRecord[]): number {
    if (records.length === 0) {
      return this.#size;
    }

    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    writeSync(this.#fd, bytes);
    fsyncSync(this.#fd);
    this.#size += bytes.length;
    return this.#size;
  }

  get size(): number {
    return this.#size;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
