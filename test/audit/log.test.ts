import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openAuditLog } from '../../src/audit/log.js';
import { readAuditEntries } from '../../src/audit/read.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { hasCode } from '../../src/errors/errors.js';
import { SettableClock, callEntry, readLines, temporaryHome, writeLines } from './fixtures.js';

async function logWithEntries(
  count: number,
  options: { maxFileBytes?: number; maxFiles?: number } = {},
) {
  const { auditDir } = temporaryHome();
  const clock = new SettableClock();
  const log = openAuditLog({ auditDir, clock, ...options });
  for (let n = 1; n <= count; n += 1) {
    clock.time += 1000;
    await log.append(callEntry(n));
  }
  return { auditDir, log, clock, active: join(auditDir, 'audit.jsonl') };
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('audit log append and verify', () => {
  it('verifies a fresh log', async () => {
    const { auditDir } = await logWithEntries(5);

    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 5, files: 1 });
  });

  it('appends a batch in order', async () => {
    const { auditDir, log } = await logWithEntries(2);

    await log.appendMany([callEntry(3), callEntry(4), callEntry(5)]);

    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 5, files: 1 });
    const entries = await readAuditEntries({ auditDir });
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.map((entry) => entry.url)).toEqual([1, 2, 3, 4, 5].map((n) => callEntry(n).url));
  });

  it('verifies an empty folder', async () => {
    const { auditDir } = temporaryHome();

    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 0, files: 0 });
    expect(existsSync(auditDir)).toBe(false);
  });

  it('numbers entries and stamps the clock time', async () => {
    const { auditDir } = await logWithEntries(3);
    const entries = await readAuditEntries({ auditDir });

    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(entries.map((entry) => entry.time)).toEqual([
      '2026-12-01T10:00:01.000Z',
      '2026-12-01T10:00:02.000Z',
      '2026-12-01T10:00:03.000Z',
    ]);
    expect(entries[1]).toMatchObject({
      method: 'GET',
      status: 200,
      outcome: 'success',
      durationMs: 12,
    });
  });

  it('creates private folder and files', async () => {
    const { auditDir, active } = await logWithEntries(1);

    expect(modeOf(auditDir)).toBe(0o700);
    expect(modeOf(active)).toBe(0o600);
    expect(modeOf(join(auditDir, 'audit.key'))).toBe(0o600);
    expect(modeOf(join(auditDir, 'audit.head.json'))).toBe(0o600);
  });

  it('keeps the key across log instances', async () => {
    const { auditDir, clock } = await logWithEntries(2);
    const key = readFileSync(join(auditDir, 'audit.key'), 'utf8');

    await openAuditLog({ auditDir, clock }).append(callEntry(3));

    expect(readFileSync(join(auditDir, 'audit.key'), 'utf8')).toBe(key);
    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 3, files: 1 });
  });

  it('rejects an entry without a correlation id', async () => {
    const { auditDir } = temporaryHome();
    const log = openAuditLog({ auditDir });

    await expect(log.append(callEntry(1, { correlationId: 'bad id' }))).rejects.toThrow(TypeError);
    expect(existsSync(join(auditDir, 'audit.jsonl'))).toBe(false);
  });

  it('rejects the append when the folder cannot be written', async () => {
    const { home } = temporaryHome();
    const auditDir = join(home, 'audit');
    mkdirSync(home, { recursive: true });
    writeFileSync(auditDir, 'not a folder');

    const failure = await openAuditLog({ auditDir })
      .append(callEntry(1))
      .catch((error: unknown) => error);

    expect(hasCode(failure, 'STATE_INVALID')).toBe(true);
  });
});

describe('audit log tampering', () => {
  it('reports an edited entry', async () => {
    const { auditDir, active } = await logWithEntries(5);
    const lines = readLines(active);
    lines[2] = (lines[2] ?? '').replace('"status":200', '"status":204');
    writeLines(active, lines);

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: active, line: 3, seq: 3 });
    expect(result.ok ? '' : result.reason).toContain('mac does not match');
  });

  it('reports a deleted entry', async () => {
    const { auditDir, active } = await logWithEntries(5);
    const lines = readLines(active);
    lines.splice(2, 1);
    writeLines(active, lines);

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: active, line: 3, seq: 3 });
    expect(result.ok ? '' : result.reason).toContain('deleted');
  });

  it('reports a deleted first entry', async () => {
    const { auditDir, active } = await logWithEntries(5);
    writeLines(active, readLines(active).slice(1));

    expect(await verifyAuditLog({ auditDir })).toMatchObject({
      ok: false,
      file: active,
      line: 1,
      seq: 1,
    });
  });

  it('reports an inserted copy of an entry', async () => {
    const { auditDir, active } = await logWithEntries(5);
    const lines = readLines(active);
    lines.splice(2, 0, lines[1] ?? '');
    writeLines(active, lines);

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: active, line: 3, seq: 3 });
    expect(result.ok ? '' : result.reason).toContain('inserted');
  });

  it('reports reordered entries', async () => {
    const { auditDir, active } = await logWithEntries(5);
    const lines = readLines(active);
    writeLines(active, [lines[0], lines[1], lines[3], lines[2], lines[4]] as string[]);

    expect(await verifyAuditLog({ auditDir })).toMatchObject({
      ok: false,
      file: active,
      line: 3,
      seq: 3,
    });
  });

  it('reports a renumbered entry', async () => {
    const { auditDir, active } = await logWithEntries(5);
    const lines = readLines(active);
    lines.splice(2, 1);
    lines[2] = (lines[2] ?? '').replace('"seq":4', '"seq":3');
    writeLines(active, lines);

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, line: 3, seq: 3 });
    expect(result.ok ? '' : result.reason).toContain('mac does not match');
  });

  it('reports entries cut from the end', async () => {
    const { auditDir, active } = await logWithEntries(5);
    writeLines(active, readLines(active).slice(0, 3));

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: active, line: 4, seq: 4 });
    expect(result.ok ? '' : result.reason).toContain('removed from the end');
  });

  it('reports a deleted head record', async () => {
    const { auditDir } = await logWithEntries(3);
    rmSync(join(auditDir, 'audit.head.json'));

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: join(auditDir, 'audit.head.json') });
  });

  it('records a rebuilt head in the log', async () => {
    const { auditDir, clock } = await logWithEntries(3);
    rmSync(join(auditDir, 'audit.head.json'));

    await openAuditLog({ auditDir, clock }).append(callEntry(4));
    const entries = await readAuditEntries({ auditDir });

    expect(entries.map((entry) => entry.event)).toEqual([
      undefined,
      undefined,
      undefined,
      'audit_head_rebuilt',
      undefined,
    ]);
    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 5, files: 1 });
  });

  it('adopts an entry written before a crash', async () => {
    const { auditDir, clock } = await logWithEntries(2);
    const headFile = join(auditDir, 'audit.head.json');
    const headBeforeThird = readFileSync(headFile);
    await openAuditLog({ auditDir, clock }).append(callEntry(3));
    writeFileSync(headFile, headBeforeThird);

    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 3, files: 1 });

    await openAuditLog({ auditDir, clock }).append(callEntry(4));
    const entries = await readAuditEntries({ auditDir });

    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(await verifyAuditLog({ auditDir })).toEqual({ ok: true, entries: 4, files: 1 });
  });

  it('reports an altered head record', async () => {
    const { auditDir } = await logWithEntries(3);
    const headFile = join(auditDir, 'audit.head.json');
    writeFileSync(headFile, readFileSync(headFile, 'utf8').replace('"lastSeq":3', '"lastSeq":2'));

    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: false, file: headFile });
    expect(result.ok ? '' : result.reason).toContain('altered');
  });

  it('reports an entry with a foreign field', async () => {
    const { auditDir, active } = await logWithEntries(2);
    const lines = readLines(active);
    lines[1] = (lines[1] ?? '').replace('{', '{"apiKey":"x",');
    writeLines(active, lines);

    expect(await verifyAuditLog({ auditDir })).toMatchObject({ ok: false, line: 2, seq: 2 });
  });

  it('reports an incomplete last line', async () => {
    const { auditDir, active } = await logWithEntries(2);
    writeFileSync(active, readFileSync(active, 'utf8').slice(0, -20));

    expect(await verifyAuditLog({ auditDir })).toMatchObject({ ok: false, line: 2, seq: 2 });
  });

  it('reports a missing key', async () => {
    const { auditDir } = await logWithEntries(2);
    rmSync(join(auditDir, 'audit.key'));

    expect(await verifyAuditLog({ auditDir })).toMatchObject({
      ok: false,
      file: join(auditDir, 'audit.key'),
    });
  });
});

describe('audit log rotation', () => {
  it('keeps the chain across files', async () => {
    const { auditDir } = await logWithEntries(20, { maxFileBytes: 700, maxFiles: 100 });
    const result = await verifyAuditLog({ auditDir });

    expect(result).toMatchObject({ ok: true, entries: 20 });
    expect(result.ok && result.files).toBeGreaterThan(3);
    expect(readLines(join(auditDir, 'audit.1.jsonl')).length).toBeGreaterThan(0);
  });

  it('keeps the file limit and verifies what remains', async () => {
    const { auditDir } = await logWithEntries(30, { maxFileBytes: 700, maxFiles: 3 });
    const result = await verifyAuditLog({ auditDir });
    const entries = await readAuditEntries({ auditDir });

    expect(result).toMatchObject({ ok: true, files: 3 });
    expect(result.ok && result.entries).toBe(entries.length);
    expect(entries.at(-1)?.seq).toBe(30);
    expect(entries[0]?.seq).toBeGreaterThan(1);
    expect(existsSync(join(auditDir, 'audit.3.jsonl'))).toBe(false);
  });

  it('reports an edit in a rotated file', async () => {
    const { auditDir } = await logWithEntries(12, { maxFileBytes: 700, maxFiles: 100 });
    const rotated = join(auditDir, 'audit.2.jsonl');
    const lines = readLines(rotated);
    const seq = (JSON.parse(lines[1] ?? '{}') as { seq: number }).seq;
    lines[1] = (lines[1] ?? '').replace('"attempt":1', '"attempt":2');
    writeLines(rotated, lines);

    expect(await verifyAuditLog({ auditDir })).toMatchObject({
      ok: false,
      file: rotated,
      line: 2,
      seq,
    });
  });

  it('reports a deleted oldest file', async () => {
    const { auditDir } = await logWithEntries(12, { maxFileBytes: 700, maxFiles: 100 });
    const files = readLines(join(auditDir, 'audit.1.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    const oldest = [5, 4, 3, 2]
      .map((n) => join(auditDir, `audit.${n}.jsonl`))
      .find((path) => existsSync(path));
    rmSync(oldest ?? '');

    expect(await verifyAuditLog({ auditDir })).toMatchObject({ ok: false, line: 1, seq: 1 });
  });
});
