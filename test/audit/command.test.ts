import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openAuditLog } from '../../src/audit/log.js';
import { runAuditShow, runAuditVerify, parseSince } from '../../src/cli/commands/audit.js';
import { hasCode } from '../../src/errors/errors.js';
import {
  SettableClock,
  callEntry,
  captureIO,
  readLines,
  temporaryHome,
  writeLines,
} from './fixtures.js';

const HOUR = 3_600_000;

/** A home with entries at 48 h, 3 h and 10 min before the clock's final time. */
async function homeWithHistory() {
  const paths = temporaryHome();
  const clock = new SettableClock();
  const start = clock.time;
  const log = openAuditLog({ auditDir: paths.auditDir, clock });

  clock.time = start - 48 * HOUR;
  await log.append(callEntry(1, { correlationId: 'old_command' }));
  clock.time = start - 3 * HOUR;
  await log.append(
    callEntry(2, {
      correlationId: 'recent_command',
      status: 404,
      outcome: 'error',
      errorCode: 'HTTP_ERROR',
    }),
  );
  clock.time = start - 10 * 60_000;
  await log.append({
    correlationId: 'newest_command',
    outcome: 'event',
    event: 'circuit_open',
    circuit: 'sessions',
  });
  clock.time = start;

  return { paths, clock };
}

describe('audit show', () => {
  it('prints one line per entry', async () => {
    const { paths, clock } = await homeWithHistory();
    const { io, stdout } = captureIO(clock);

    await runAuditShow({ json: false }, io, paths);
    const lines = stdout().trimEnd().split('\n');

    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      '2026-12-01T07:00:00.000Z  recent_command  GET http://127.0.0.1:8080/sessions/s2  404  error HTTP_ERROR  12 ms',
    );
    expect(lines[2]).toContain('circuit_open');
  });

  it.each([
    ['24h', ['recent_command', 'newest_command']],
    ['30m', ['newest_command']],
    ['7d', ['old_command', 'recent_command', 'newest_command']],
    ['2026-12-01T06:00:00Z', ['recent_command', 'newest_command']],
    ['2026-12-02', []],
  ])('filters with --since %s', async (since, expected) => {
    const { paths, clock } = await homeWithHistory();
    const { io, stdout } = captureIO(clock);

    await runAuditShow({ since, json: true }, io, paths);
    const entries = JSON.parse(stdout()) as { correlationId: string }[];

    expect(entries.map((entry) => entry.correlationId)).toEqual(expected);
  });

  it('keeps the newest entries with --limit', async () => {
    const { paths, clock } = await homeWithHistory();
    const { io, stdout } = captureIO(clock);

    await runAuditShow({ json: true, limit: '2' }, io, paths);

    expect((JSON.parse(stdout()) as { seq: number }[]).map((entry) => entry.seq)).toEqual([2, 3]);
  });

  it.each(['yesterday', '24', '0h', '-1d', '2026-13-45', '24 h', ''])(
    'rejects --since %j',
    async (since) => {
      const { paths, clock } = await homeWithHistory();
      const { io, stdout } = captureIO(clock);

      const failure = await runAuditShow({ since, json: false }, io, paths).catch(
        (error: unknown) => error,
      );

      expect(hasCode(failure, 'USAGE_ERROR')).toBe(true);
      expect(stdout()).toBe('');
    },
  );

  it.each(['0', 'ten', '1.5'])('rejects --limit %j', async (limit) => {
    const { paths, clock } = await homeWithHistory();
    const { io, stdout } = captureIO(clock);

    const failure = await runAuditShow({ limit, json: true }, io, paths).catch(
      (error: unknown) => error,
    );

    expect(hasCode(failure, 'USAGE_ERROR')).toBe(true);
    expect(stdout()).toBe('');
  });

  it('prints an empty array for an empty log', async () => {
    const paths = temporaryHome();
    const { io, stdout } = captureIO(new SettableClock());

    await runAuditShow({ json: true }, io, paths);

    expect(JSON.parse(stdout())).toEqual([]);
  });

  it('neutralises control characters from a forged line', async () => {
    const { paths, clock } = await homeWithHistory();
    const active = join(paths.auditDir, 'audit.jsonl');
    const lines = readLines(active);
    lines[0] = (lines[0] ?? '').replace('"old_command"', '"old\\u001b[2Jcommand"');
    writeLines(active, lines);
    const { io, stdout } = captureIO(clock);

    await runAuditShow({ json: false }, io, paths);

    expect(stdout()).not.toContain('\u001b');
  });
});

describe('parseSince', () => {
  it('subtracts durations from now', () => {
    expect(parseSince('90s', 100_000)).toBe(10_000);
    expect(parseSince('2w', 14 * 86_400_000)).toBe(0);
  });
});

describe('audit verify', () => {
  it('reports an intact log', async () => {
    const { paths, clock } = await homeWithHistory();
    const { io, stdout } = captureIO(clock);

    await runAuditVerify({}, io, paths);

    expect(stdout()).toBe('Audit log intact: 3 entries in 1 file.\n');
  });

  it('throws where the chain breaks', async () => {
    const { paths, clock } = await homeWithHistory();
    const active = join(paths.auditDir, 'audit.jsonl');
    const lines = readLines(active);
    writeLines(active, [lines[0], lines[2]] as string[]);
    const { io, stdout } = captureIO(clock);

    const failure = await runAuditVerify({}, io, paths).catch((error: unknown) => error);

    expect(hasCode(failure, 'AUDIT_INVALID')).toBe(true);
    expect(failure).toMatchObject({ file: active, entry: 2 });
    expect(stdout()).toBe('');
  });

  it('prints the failure as JSON with --json', async () => {
    const { paths, clock } = await homeWithHistory();
    const active = join(paths.auditDir, 'audit.jsonl');
    writeLines(active, readLines(active).slice(0, 2));
    const { io, stdout } = captureIO(clock);

    const failure = await runAuditVerify({ json: true }, io, paths).catch(
      (error: unknown) => error,
    );

    expect(hasCode(failure, 'AUDIT_INVALID')).toBe(true);
    expect(JSON.parse(stdout())).toMatchObject({ ok: false, file: active, line: 3, seq: 3 });
  });
});
