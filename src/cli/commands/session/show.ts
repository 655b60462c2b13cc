/**
 * `mc session show <id>`: a session's duration, message count and messages, oldest
 * first, with the user's and the assistant's turns told apart.
 */
import { parseCoreDatetime } from '../../../contract/datetime.js';
import { SESSION_HISTORY_LIMIT, type MemoryEntry } from '../../../contract/schemas.js';
import { quoteId, type CoreClient } from '../../../core-client/client.js';
import { walkMessages } from '../../../core-client/paging.js';
import { sessionIdProblem } from '../../../contract/session-id.js';
import { UsageError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { parsePageOptions } from '../../options.js';
import { printable, wrapText } from '../../render/table.js';
import { formatDurationMinutes, formatUtc } from '../../render/time.js';
import { withSpinner } from '../../spinner.js';

export const DEFAULT_SHOW_LIMIT = SESSION_HISTORY_LIMIT.default;

export interface ShowOptions {
  sessionId: string;
  limit: number;
  offset: number;
  all: boolean;
  json: boolean;
}

export interface RawShowOptions {
  limit?: string;
  offset?: string;
  all?: boolean;
  json?: boolean;
}

export function parseShowOptions(sessionId: string, raw: RawShowOptions): ShowOptions {
  const problem = sessionIdProblem(sessionId);
  if (problem !== undefined) {
    throw new UsageError(`Invalid session ID ${quoteId(sessionId)}: ${problem}`);
  }

  return {
    sessionId,
    ...parsePageOptions(raw, SESSION_HISTORY_LIMIT, DEFAULT_SHOW_LIMIT, 'message'),
    json: raw.json === true,
  };
}

interface SessionView {
  session_id: string;
  total_messages: number;
  session_duration_minutes: number | null;
  offset: number;
  messages: MemoryEntry[];
}

export async function runShow(
  options: ShowOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const view = await withSpinner(io, 'Fetching session…', () => fetchView(options, client));

  if (options.json) {
    io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }

  io.stdout.write(renderView(view, io));
}

async function fetchView(options: ShowOptions, client: CoreClient): Promise<SessionView> {
  if (!options.all) {
    const page = await client.getHistory(options.sessionId, {
      limit: options.limit,
      offset: options.offset,
    });
    return { ...page, offset: options.offset };
  }

  const messages: MemoryEntry[] = [];
  const walk = walkMessages(client, options.sessionId);
  for (;;) {
    const next = await walk.next();
    if (next.done === true) {
      return {
        session_id: options.sessionId,
        total_messages: next.value.totalMessages,
        session_duration_minutes: next.value.durationMinutes,
        offset: 0,
        messages,
      };
    }
    messages.push(next.value);
  }
}

function renderView(view: SessionView, io: CommandIO): string {
  const lines = [
    `Session:  ${printable(view.session_id)}`,
    `Messages: ${view.total_messages}`,
    `Duration: ${view.session_duration_minutes === null ? '-' : formatDurationMinutes(view.session_duration_minutes)}`,
    '',
  ];

  view.messages.forEach((message, index) => {
    lines.push(...renderMessage(message, view.offset + index + 1, io));
  });

  const shownEnd = view.offset + view.messages.length;
  if (view.messages.length === 0 && view.offset > 0) {
    lines.push(`No messages from offset ${view.offset}: the session has ${view.total_messages}.`);
  } else if (shownEnd < view.total_messages) {
    lines.push(
      `Showing messages ${view.offset + 1}-${shownEnd} of ${view.total_messages}; use --offset ${shownEnd} or --all for more.`,
    );
  }

  return `${lines.join('\n')}\n`;
}

function renderMessage(message: MemoryEntry, position: number, io: CommandIO): string[] {
  const epochMs = parseCoreDatetime(message.timestamp);
  const when = epochMs === undefined ? '?' : formatUtc(epochMs);
  const lines = [paint(io, 'dim', `#${position}  ${when}`)];

  for (const turn of splitTurns(message.content)) {
    const label = paint(
      io,
      turn.speaker === 'user' ? 'cyan' : 'green',
      turn.speaker === 'user' ? 'User' : 'Assistant',
    );
    lines.push(`  ${label}:`);
    lines.push(...wrapText(turn.text, io.columns - 4).map((line) => `    ${line}`));
  }
  lines.push('');

  return lines;
}

export interface Turn {
  speaker: 'user' | 'assistant';
  text: string;
}

/** Splits the Core's `"User: <message>\nAssistant: <reply>"` into turns; other content is one user turn. */
export function splitTurns(content: string): Turn[] {
  const match = /^User: ([\s\S]*?)\nAssistant: ([\s\S]*)$/.exec(content);
  if (match === null) {
    return [{ speaker: 'user', text: content }];
  }

  return [
    { speaker: 'user', text: match[1] ?? '' },
    { speaker: 'assistant', text: match[2] ?? '' },
  ];
}

const ANSI_CODES = { dim: 2, cyan: 36, green: 32 } as const;

function paint(io: CommandIO, style: keyof typeof ANSI_CODES, text: string): string {
  return io.color ? `\u001b[${ANSI_CODES[style]}m${text}\u001b[0m` : text;
}
