/**
 * `mc session list`: one page of sessions, or with `--all` every session the Core
 * shows, streamed page by page for the formats that allow it.
 */
import { parseCoreDatetime } from '../../../contract/datetime.js';
import { SESSION_LIST_LIMIT, type SessionInfo } from '../../../contract/schemas.js';
import type { CoreClient } from '../../../core-client/client.js';
import { fetchTrueTotal, walkSessions } from '../../../core-client/paging.js';
import { UsageError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { parseChoice, parseOptionalInteger, parsePageOptions } from '../../options.js';
import { formatCoreTime } from '../../render/time.js';
import { printable, renderTable, type Column } from '../../render/table.js';
import { withSpinner } from '../../spinner.js';

export const DEFAULT_LIST_LIMIT = 20;
export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Widest `--active-within` accepted, in hours: ten years. */
const MAX_ACTIVE_WITHIN_HOURS = 87_600;

export interface ListOptions {
  limit: number;
  offset: number;
  activeWithinHours: number | undefined;
  all: boolean;
  output: OutputFormat;
}

export interface RawListOptions {
  limit?: string;
  offset?: string;
  activeWithin?: string;
  all?: boolean;
  json?: boolean;
  output?: string;
}

export function parseListOptions(raw: RawListOptions): ListOptions {
  if (raw.json === true && raw.output !== undefined && raw.output !== 'json') {
    throw new UsageError('--json and --output are exclusive; use --output json');
  }

  return {
    ...parsePageOptions(raw, SESSION_LIST_LIMIT, DEFAULT_LIST_LIMIT, 'session'),
    activeWithinHours: parseOptionalInteger('--active-within', raw.activeWithin, {
      min: 1,
      max: MAX_ACTIVE_WITHIN_HOURS,
    }),
    output:
      raw.json === true ? 'json' : parseChoice('--output', raw.output ?? 'table', OUTPUT_FORMATS),
  };
}

export async function runList(
  options: ListOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  if (options.all) {
    await listEverySession(options, io, client);
    return;
  }

  const page = await withSpinner(io, 'Fetching sessions…', () =>
    client.listSessions({
      limit: options.limit,
      offset: options.offset,
      activeSinceHours: options.activeWithinHours,
    }),
  );

  if (options.output === 'json') {
    io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return;
  }

  const formatter = createRowFormatter(options.output, io);
  formatter.begin();
  page.sessions.forEach((session) => formatter.row(session));
  formatter.end();
  if (options.output === 'table') {
    io.stdout.write(pageSummary(page.sessions.length, options.offset, page.total));
  }
}

function pageSummary(shown: number, offset: number, total: number): string {
  if (shown === 0) {
    return `No sessions to show (total: ${total}).\n`;
  }

  return `Showing ${offset + 1}-${offset + shown} of ${total} sessions.\n`;
}

async function listEverySession(
  options: ListOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const formatter = createRowFormatter(options.output, io);

  const walk = await withSpinner(io, 'Fetching every session…', async (spinner) => {
    formatter.begin();
    const sessions = walkSessions(client, {
      activeSinceHours: options.activeWithinHours,
      onPage: (progress) => spinner.update(`Fetching every session… ${progress.seen} so far`),
    });
    for (;;) {
      const next = await sessions.next();
      if (next.done === true) {
        return next.value;
      }
      formatter.row(next.value);
    }
  });

  const trueTotal = await fetchTrueTotal(client, options.activeWithinHours);
  const unseen = Math.max(0, trueTotal - walk.seen);
  formatter.end({ seen: walk.seen, coreTotal: trueTotal, unseen });

  if (options.output === 'table') {
    io.stdout.write(`${walk.seen} sessions.\n`);
  }
  if (unseen > 0) {
    io.stderr.write(unseenWarning(walk.seen, trueTotal));
  }
}

export function unseenWarning(seen: number, coreTotal: number): string {
  return (
    `Warning: the Core holds ${coreTotal} sessions but its listing showed only ${seen}; ` +
    `${coreTotal - seen} could not be seen. Deployed Core versions build listings from a window ` +
    `of recent memories, so some sessions never appear on any page.\n`
  );
}

interface ListSummary {
  seen: number;
  coreTotal: number;
  unseen: number;
}

interface RowFormatter {
  begin(): void;
  row(session: SessionInfo): void;
  end(summary?: ListSummary): void;
}

function createRowFormatter(output: OutputFormat, io: CommandIO): RowFormatter {
  switch (output) {
    case 'table':
      return tableFormatter(io);
    case 'json':
      return jsonFormatter(io);
    case 'ndjson':
      return {
        begin: () => undefined,
        row: (session) => io.stdout.write(`${JSON.stringify(session)}\n`),
        end: () => undefined,
      };
    case 'csv':
      return csvFormatter(io);
  }
}

/** Tables need every row to size their columns, so this one buffers; use ndjson or csv for huge lists. */
function tableFormatter(io: CommandIO): RowFormatter {
  const rows: SessionInfo[] = [];
  const now = io.clock.now();
  const columns: Column<SessionInfo>[] = [
    // The id is what the user copies into the next command, so it is never cut.
    { header: 'ID', value: (session) => session.session_id },
    { header: 'MESSAGES', value: (session) => String(session.message_count), align: 'right' },
    {
      header: 'LAST ACTIVE',
      value: (session) => formatCoreTime(session.last_active, now, io.stdoutIsTTY),
    },
    {
      header: 'SOURCES',
      value: (session) => sourcesOf(session).join(', '),
      flexible: true,
      optional: true,
    },
  ];

  return {
    begin: () => undefined,
    row: (session) => {
      rows.push(session);
    },
    end: () => {
      if (rows.length > 0) {
        io.stdout.write(renderTable(columns, rows, io.columns));
      }
    },
  };
}

/** Streams one JSON document: the array is written as rows arrive, the counts at the end. */
function jsonFormatter(io: CommandIO): RowFormatter {
  let count = 0;

  return {
    begin: () => io.stdout.write('{"sessions":['),
    row: (session) => {
      io.stdout.write(`${count === 0 ? '' : ','}\n${JSON.stringify(session)}`);
      count += 1;
    },
    end: (summary) => {
      const tail =
        summary === undefined
          ? ''
          : `,"total":${summary.coreTotal},"seen":${summary.seen},"unseen":${summary.unseen}`;
      io.stdout.write(`\n]${tail}}\n`);
    },
  };
}

function csvFormatter(io: CommandIO): RowFormatter {
  return {
    begin: () => io.stdout.write('session_id,created_at,last_active,message_count,sources\r\n'),
    row: (session) => {
      const cells = [
        csvCell(session.session_id),
        csvCell(session.created_at),
        csvCell(session.last_active),
        csvCell(String(session.message_count)),
        csvCell(defuseFormula(sourcesOf(session).join(';'))),
      ];
      io.stdout.write(`${cells.join(',')}\r\n`);
    },
    end: () => undefined,
  };
}

/**
 * Quotes a CSV cell as RFC 4180 does. Control characters from the Core are replaced
 * first, because CSV output often lands on a terminal before it lands in a file.
 */
function csvCell(text: string): string {
  const safe = printable(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Source names come from the clients that wrote the memories, so one starting like a formula is
 * prefixed with a quote; session ids and times cannot start that way and stay exact.
 */
function defuseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function sourcesOf(session: SessionInfo): string[] {
  const sources = session.metadata.sources;
  return Array.isArray(sources)
    ? sources.filter((source): source is string => typeof source === 'string')
    : [];
}

/** Epoch milliseconds of a session's last activity; sessions with an unreadable time sort as oldest. */
export function lastActiveMs(session: SessionInfo): number {
  return parseCoreDatetime(session.last_active) ?? 0;
}
