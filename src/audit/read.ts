/**
 * Reads audit entries for display. Nothing here checks the chain: `verifyAuditLog`
 * does that, and a damaged line should not hide the entries around it.
 */
import { readFileSync } from 'node:fs';

import { withFileLock } from '../util/private-files.js';
import type { AuditRecord } from './entry.js';
import { auditLayout, listLogFiles } from './files.js';

export interface ReadAuditEntriesOptions {
  auditDir: string;
  /** Keep entries at or after this epoch millisecond. Default: all entries. */
  since?: number;
}

/** Returns the readable entries, oldest first; lines that are not entries are skipped. */
export async function readAuditEntries(options: ReadAuditEntriesOptions): Promise<AuditRecord[]> {
  const layout = auditLayout(options.auditDir);
  if (listLogFiles(layout.auditDir).length === 0) {
    return [];
  }

  // The lock keeps a rotation in another process from moving files between two reads.
  const texts = await withFileLock(layout.lockTarget, () =>
    listLogFiles(layout.auditDir).map((file) => readFileSync(file.path, 'utf8')),
  );

  const entries: AuditRecord[] = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const record = parseRecord(line);
      if (
        record !== undefined &&
        (options.since === undefined || Date.parse(record.time) >= options.since)
      ) {
        entries.push(record);
      }
    }
  }
  return entries;
}

function parseRecord(line: string): AuditRecord | undefined {
  if (line === '') {
    return undefined;
  }

  try {
    const value = JSON.parse(line) as Partial<AuditRecord> | null;
    const valid =
      typeof value === 'object' &&
      value !== null &&
      typeof value.time === 'string' &&
      Number.isFinite(Date.parse(value.time)) &&
      typeof value.correlationId === 'string';
    return valid ? (value as AuditRecord) : undefined;
  } catch {
    return undefined;
  }
}
