import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { AuditEntryInput } from '../../src/audit/entry.js';
import { openAuditLog } from '../../src/audit/log.js';
import { readAuditEntries } from '../../src/audit/read.js';
import { redactText, redactUrl } from '../../src/audit/redact.js';
import { verifyAuditLog } from '../../src/audit/verify.js';
import { callEntry, temporaryHome } from './fixtures.js';

const API_KEY = 'mck_live_7f3a9c2e41b84d0f9e6a5b1c';

function everythingOnDisk(auditDir: string): string {
  return readdirSync(auditDir)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readFileSync(join(auditDir, name), 'utf8'))
    .join('');
}

describe('audit entry allow-list', () => {
  it('drops headers, bodies and unknown fields', async () => {
    const { auditDir } = temporaryHome();
    const hostile = {
      ...callEntry(1),
      headers: { 'X-API-Key': API_KEY, Authorization: `Bearer ${API_KEY}` },
      apiKey: API_KEY,
      body: { message: 'my private chat message' },
      messages: ['my private chat message'],
    } as AuditEntryInput;

    await openAuditLog({ auditDir }).append(hostile);
    const disk = everythingOnDisk(auditDir);

    expect(disk).not.toContain(API_KEY);
    expect(disk).not.toContain('private chat message');
    expect(disk).not.toContain('headers');
    expect(disk).toContain('/sessions/s1');
    expect(await verifyAuditLog({ auditDir })).toMatchObject({ ok: true, entries: 1 });
  });

  it('drops known fields of the wrong type', async () => {
    const { auditDir } = temporaryHome();
    const wrong = {
      ...callEntry(1),
      status: API_KEY,
      host: { key: API_KEY },
      errorCode: `E ${API_KEY}`,
    };

    await openAuditLog({ auditDir }).append(wrong as unknown as AuditEntryInput);
    const [entry] = await readAuditEntries({ auditDir });

    expect(everythingOnDisk(auditDir)).not.toContain(API_KEY);
    expect(entry?.status).toBeUndefined();
    expect(entry?.host).toBeUndefined();
    expect(entry?.errorCode).toBeUndefined();
  });

  it('masks credentials in the URL and reason', async () => {
    const { auditDir } = temporaryHome();
    const url = `http://admin:${API_KEY}@127.0.0.1:8080/sessions?api_key=${API_KEY}&limit=5&x=${API_KEY}#${API_KEY}`;

    await openAuditLog({ auditDir }).append(
      callEntry(1, {
        url,
        outcome: 'refused',
        reason: `blocked http://u:${API_KEY}@h/ token ${API_KEY}`,
      }),
    );
    const [entry] = await readAuditEntries({ auditDir });

    expect(everythingOnDisk(auditDir)).not.toContain(API_KEY);
    expect(everythingOnDisk(auditDir)).not.toContain('admin');
    expect(entry?.url).toBe('http://127.0.0.1:8080/sessions?api_key=***&limit=5&x=***');
  });

  it('never stores an extra field', async () => {
    const { auditDir } = temporaryHome();
    const log = openAuditLog({ auditDir });
    const allowed = new Set([
      'correlationId',
      'method',
      'url',
      'status',
      'attempt',
      'durationMs',
      'outcome',
    ]);
    const extraName = fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((name) => !allowed.has(name));

    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(extraName, fc.constant(API_KEY), { minKeys: 1 }),
        async (extra) => {
          await log.append({ ...extra, ...callEntry(1) } as AuditEntryInput);
        },
      ),
      { numRuns: 30 },
    );

    expect(everythingOnDisk(auditDir)).not.toContain(API_KEY);
  });
});

describe('redactUrl', () => {
  it.each([
    ['http://127.0.0.1/a?token=abc', 'http://127.0.0.1/a?token=***'],
    ['http://127.0.0.1/a?Signature=abc&limit=2', 'http://127.0.0.1/a?Signature=***&limit=2'],
    ['http://127.0.0.1/a?limit=20&offset=40', 'http://127.0.0.1/a?limit=20&offset=40'],
    ['http://user@127.0.0.1/a', 'http://127.0.0.1/a'],
    ['http://127.0.0.1/a?password=***', 'http://127.0.0.1/a?password=***'],
    ['not a url', '[invalid URL]'],
  ])('redacts %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('redactText', () => {
  it('removes control characters', () => {
    expect(redactText('a\u001b[31mb\nc')).toBe('a [31mb c');
  });

  it('keeps ordinary words', () => {
    expect(redactText('address 10.0.0.1 is private')).toBe('address 10.0.0.1 is private');
  });
});
