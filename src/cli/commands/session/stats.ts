/**
 * `mc session stats`: the Core's statistics, or, when its statistics endpoint fails
 * (it responds with 500 on deployed Cores), the same figures computed from the session list.
 */
import { formatCoreDatetime } from '../../../contract/datetime.js';
import type { SessionStats } from '../../../contract/schemas.js';
import type { CoreClient } from '../../../core-client/client.js';
import { fetchTrueTotal, walkSessions } from '../../../core-client/paging.js';
import { HttpStatusError, InvalidResponseError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { withSpinner } from '../../spinner.js';
import { lastActiveMs, unseenWarning } from './list.js';

const HOUR_MS = 3_600_000;

export interface StatsOptions {
  json: boolean;
}

interface StatsReport extends SessionStats {
  /** Source of the figures: the Core's endpoint or the session list. */
  source: 'core' | 'session-list';
  /** Sessions the Core stores but did not list; only for figures computed from the list. */
  unseen_sessions?: number;
}

export async function runStats(
  options: StatsOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  const report = await withSpinner(io, 'Fetching statistics…', () => fetchReport(io, client));

  if (options.json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }

  io.stdout.write(
    [
      `Total sessions:            ${report.total_sessions}`,
      `Total messages:            ${report.total_messages}`,
      `Messages per session:      ${report.average_messages_per_session.toFixed(2)}`,
      `Active in the last 24 h:   ${report.active_sessions_24h}`,
      `Active in the last 7 days: ${report.active_sessions_7d}`,
      '',
    ].join('\n'),
  );
}

async function fetchReport(io: CommandIO, client: CoreClient): Promise<StatsReport> {
  try {
    return { ...(await client.getStats()), source: 'core' };
  } catch (error) {
    if (!isBrokenStatsEndpoint(error)) {
      throw error;
    }
    io.stderr.write(
      `The Core's statistics endpoint failed (${describe(error)}); computing the figures from the session list.\n`,
    );
    return computeFromList(io, client);
  }
}

/** A 500 or 404 from the endpoint itself, or a response of the wrong shape, means the list must do. */
function isBrokenStatsEndpoint(error: unknown): error is HttpStatusError | InvalidResponseError {
  if (error instanceof HttpStatusError) {
    return error.status === 500 || error.status === 404 || error.status === 405;
  }

  return error instanceof InvalidResponseError;
}

function describe(error: HttpStatusError | InvalidResponseError): string {
  return error instanceof HttpStatusError ? `HTTP ${error.status}` : 'unexpected response';
}

async function computeFromList(io: CommandIO, client: CoreClient): Promise<StatsReport> {
  const now = io.clock.now();
  const figures = { sessions: 0, messages: 0, active24h: 0, active7d: 0 };

  for await (const session of walkSessions(client)) {
    const age = now - lastActiveMs(session);
    figures.sessions += 1;
    figures.messages += session.message_count;
    figures.active24h += age <= 24 * HOUR_MS ? 1 : 0;
    figures.active7d += age <= 7 * 24 * HOUR_MS ? 1 : 0;
  }

  const coreTotal = await fetchTrueTotal(client);
  const unseen = Math.max(0, coreTotal - figures.sessions);
  if (unseen > 0) {
    io.stderr.write(unseenWarning(figures.sessions, coreTotal));
  }

  return {
    total_sessions: figures.sessions,
    total_messages: figures.messages,
    average_messages_per_session:
      figures.sessions === 0 ? 0 : Math.round((figures.messages / figures.sessions) * 100) / 100,
    active_sessions_24h: figures.active24h,
    active_sessions_7d: figures.active7d,
    timestamp: formatCoreDatetime(now),
    source: 'session-list',
    unseen_sessions: unseen,
  };
}
