import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  openAuditLog,
  readAuditEntries,
  type AuditEntryInput,
  type AuditLog,
} from '../../src/audit/index.js';
import { AuditWriter } from '../../src/cli/audit-writer.js';

/** A real audit log in a temporary folder, with a count of the batches written to it. */
function countingLog(): { log: AuditLog; batches: number[]; auditDir: string } {
  const auditDir = join(mkdtempSync(join(tmpdir(), 'mc-audit-writer-')), 'audit');
  const real = openAuditLog({ auditDir });
  const batches: number[] = [];
  const log: AuditLog = {
    append: (entry) => real.append(entry),
    appendMany: (entries) => {
      batches.push(entries.length);
      return real.appendMany(entries);
    },
  };
  return { log, batches, auditDir };
}

function call(n: number, outcome: AuditEntryInput['outcome'] = 'success'): AuditEntryInput {
  return {
    correlationId: 'mc_test',
    outcome,
    method: 'GET',
    url: `http://127.0.0.1:1/v1/sessions?offset=${n}`,
  };
}

describe('AuditWriter', () => {
  it('flushes with nothing queued', async () => {
    const { log, batches } = countingLog();
    const writer = new AuditWriter(log, { write: () => true });

    await writer.flush();

    expect(batches).toEqual([]);
  });

  it('writes a burst as one batch', async () => {
    const { log, batches, auditDir } = countingLog();
    const writer = new AuditWriter(log, { write: () => true });

    for (let n = 0; n < 5; n += 1) {
      writer.write(call(n));
    }
    await writer.flush();

    expect(batches).toEqual([5]);
    const entries = await readAuditEntries({ auditDir });
    expect(entries.map((entry) => entry.url)).toEqual([0, 1, 2, 3, 4].map((n) => call(n).url));
  });

  it('writes a refusal without waiting', async () => {
    const { log, batches, auditDir } = countingLog();
    const writer = new AuditWriter(log, { write: () => true });

    writer.write(call(1, 'refused'));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(batches).toEqual([1]);
    expect(await readAuditEntries({ auditDir })).toHaveLength(1);
    await writer.flush();
  });

  it('warns once when writes fail', async () => {
    const messages: string[] = [];
    const failing: AuditLog = {
      append: () => Promise.reject(new Error('disk full')),
      appendMany: () => Promise.reject(new Error('disk full')),
    };
    const writer = new AuditWriter(failing, { write: (text: string) => messages.push(text) });

    writer.write(call(1, 'refused'));
    await writer.flush();
    writer.write(call(2, 'refused'));
    await writer.flush();

    expect(messages).toEqual(['Warning: could not write the audit log: disk full\n']);
  });
});
