/**
 * `mc audit verify` and `mc audit show`: check the audit log's hash chain, and list
 * its entries.
 */
import { readAuditEntries } from '../../audit/read.js';
import type { AuditRecord } from '../../audit/entry.js';
import { verifyAuditLog } from '../../audit/verify.js';
import type { HomePaths } from '../../config/paths.js';
import { AuditInvalidError, UsageError } from '../../errors/errors.js';
import type { CommandIO } from '../io.js';

export interface AuditVerifyOptions {
  /** Print the result as one JSON document. Default: false. */
  json?: boolean;
}

/**
 * Verifies the audit log and prints "Audit log intact: N entries in K files.".
 *
 * @throws AuditInvalidError naming the file, line and reason where the chain breaks.
 */
export async function runAuditVerify(
  options: AuditVerifyOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  const result = await verifyAuditLog({ auditDir: paths.auditDir });

  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  }

  if (!result.ok) {
    throw new AuditInvalidError(result.file, result.line, `${result.reason} (seq ${result.seq})`);
  }

  if (options.json !== true) {
    io.stdout.write(
      `Audit log intact: ${result.entries} ${plural(result.entries, 'entry', 'entries')} ` +
        `in ${result.files} ${plural(result.files, 'file', 'files')}.\n`,
    );
  }
}

export interface AuditShowOptions {
  /** Only entries newer than this: a duration back from now (`30m`, `24h`, `7d`) or an ISO 8601 date. */
  since?: string;
  /** Print one JSON array instead of one line per entry. */
  json: boolean;
  /** Print only the newest `limit` entries. Default: all. */
  limit?: number | string;
}

const DURATION_PATTERN = /^([1-9][0-9]{0,8})([smhdw])$/;

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// A damaged or forged log line must not drive the terminal.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

const ISO_DATE_PATTERN =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Lists audit entries, oldest first. Options are checked before anything is read or printed. */
export async function runAuditShow(
  options: AuditShowOptions,
  io: CommandIO,
  paths: HomePaths,
): Promise<void> {
  const since = options.since === undefined ? undefined : parseSince(options.since, io.clock.now());
  const limit = options.limit === undefined ? undefined : parseLimit(options.limit);

  const all = await readAuditEntries({ auditDir: paths.auditDir, since });
  const entries = limit === undefined ? all : all.slice(-limit);

  if (options.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }

  if (entries.length === 0) {
    io.stderr.write('No audit entries.\n');
    return;
  }

  for (const entry of entries) {
    io.stdout.write(`${formatEntry(entry)}\n`);
  }
}

/**
 * Returns the epoch millisecond that `--since` stands for.
 *
 * @throws UsageError for anything but a duration (`<n>s|m|h|d|w`) or an ISO 8601 date.
 */
export function parseSince(value: string, now: number): number {
  const duration = DURATION_PATTERN.exec(value);
  if (duration !== null) {
    return now - Number(duration[1]) * (UNIT_MS[duration[2] ?? ''] ?? 0);
  }

  const time = ISO_DATE_PATTERN.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `Invalid --since value ${JSON.stringify(value.slice(0, 40))}: use a duration such as 30m, 24h or 7d, ` +
        'or an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z.',
    );
  }
  return time;
}

function parseLimit(value: number | string): number {
  const limit =
    typeof value === 'number' ? value : /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(
      `Invalid --limit value ${JSON.stringify(String(value).slice(0, 40))}: use a whole number of 1 or more.`,
    );
  }
  return limit;
}

function formatEntry(entry: AuditRecord): string {
  const what =
    entry.method === undefined ? (entry.event ?? '-') : `${entry.method} ${entry.url ?? '-'}`;
  const duration = entry.durationMs === undefined ? '-' : `${entry.durationMs} ms`;
  const outcome =
    entry.errorCode === undefined ? entry.outcome : `${entry.outcome} ${entry.errorCode}`;

  const fields = [entry.time, entry.correlationId, what, entry.status ?? '-', outcome, duration];
  return fields.map((field) => String(field).replace(CONTROL_CHARACTERS, '?')).join('  ');
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
