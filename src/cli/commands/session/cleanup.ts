/**
 * `mc session cleanup`: plans, shows the plan, asks for confirmation, then deletes in batches through
 * the bulk route (or one DELETE per session on a Core without it), archiving and
 * journaling each batch first so that nothing is lost when the run is cut short.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import type { CoreClient } from '../../../core-client/client.js';
import { PartialFailureError, UsageError } from '../../../errors/errors.js';
import type { RetryPolicy } from '../../../resilience/retry-policy.js';
import { confirmOrRefuse } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import type { CommandIO } from '../../io.js';
import { parseIntegerOption, parseOptionalInteger } from '../../options.js';
import { printable } from '../../render/table.js';
import { formatUtc, plural } from '../../render/time.js';
import { withSpinner } from '../../spinner.js';
import type { Settings } from '../../settings.js';
import { buildPlan, describeReason, type CleanupPlan } from './cleanup-plan.js';
import {
  abandonJournal,
  CleanupJournal,
  findUnfinishedJournal,
  type JournalState,
  type PlanEntry,
} from './cleanup-journal.js';
import { executeBatches, type CleanupTotals } from './cleanup-run.js';
import { collectSessionIds } from './session-ids.js';

export const DEFAULT_CLEANUP_DAYS = 30;
const MAX_CLEANUP_DAYS = 36_500;
/** Sessions per bulk-delete request. */
export const CLEANUP_BATCH_SIZE = 500;

/**
 * A clean-up runs for minutes and may meet the Core's rate limit (429 with
 * `Retry-After: 60`), so each of its calls may wait that long instead of failing.
 */
export const CLEANUP_RETRY_POLICY: Partial<RetryPolicy> = { budgetMs: 120_000, maxRetries: 5 };

export interface CleanupOptions {
  days: number;
  maxSessions: number | undefined;
  keep: string[];
  dryRun: boolean;
  yes: boolean;
  archive: string | undefined;
  resume: boolean;
  abandon: boolean;
  json: boolean;
}

export interface RawCleanupOptions {
  days?: string;
  maxSessions?: string;
  keep?: string[];
  dryRun?: boolean;
  yes?: boolean;
  archive?: string;
  resume?: boolean;
  abandon?: boolean;
  json?: boolean;
}

export async function parseCleanupOptions(raw: RawCleanupOptions): Promise<CleanupOptions> {
  const modes = [
    raw.resume === true && '--resume',
    raw.abandon === true && '--abandon',
    raw.dryRun === true && '--dry-run',
  ];
  const chosen = modes.filter((mode): mode is string => mode !== false);
  if (chosen.length > 1) {
    throw new UsageError(`${chosen.join(' and ')} cannot be used together.`);
  }

  if (
    raw.resume === true &&
    (raw.days !== undefined ||
      raw.maxSessions !== undefined ||
      raw.keep !== undefined ||
      raw.archive !== undefined)
  ) {
    throw new UsageError(
      '--resume continues the earlier plan as it was; it takes no --days, --max-sessions, --keep or --archive',
    );
  }

  return {
    days: parseIntegerOption('--days', raw.days ?? String(DEFAULT_CLEANUP_DAYS), {
      min: 0,
      max: MAX_CLEANUP_DAYS,
    }),
    maxSessions: parseOptionalInteger('--max-sessions', raw.maxSessions, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    }),
    keep: raw.keep === undefined ? [] : await collectSessionIds(raw.keep, process.stdin),
    dryRun: raw.dryRun === true,
    yes: raw.yes === true,
    archive: raw.archive === undefined ? undefined : resolve(raw.archive),
    resume: raw.resume === true,
    abandon: raw.abandon === true,
    json: raw.json === true,
  };
}

export async function runCleanup(
  options: CleanupOptions,
  io: CommandIO,
  context: CommandContext,
  settings: Settings,
): Promise<void> {
  const unfinished = findUnfinishedJournal(settings.paths.journalDir);

  if (options.abandon) {
    abandon(unfinished, io);
    return;
  }

  if (options.resume) {
    await resume(unfinished, options, io, context.client);
    return;
  }

  if (unfinished !== undefined && !options.dryRun) {
    throw new UsageError(
      `An earlier clean-up (planned ${formatUtc(unfinished.plan.createdAt)}) was cut short. ` +
        'Run `mc session cleanup --resume` to finish it, or `--abandon` to discard it.',
    );
  }

  await planAndRun(options, io, context, settings);
}

async function planAndRun(
  options: CleanupOptions,
  io: CommandIO,
  context: CommandContext,
  settings: Settings,
): Promise<void> {
  const keep = new Set([...(settings.config.cleanup.keep ?? []), ...options.keep]);
  const plan = await withSpinner(io, 'Planning the clean-up…', (spinner) =>
    buildPlan(
      context.client,
      { days: options.days, maxSessions: options.maxSessions, keep },
      io.clock.now(),
      (seen) => spinner.update(`Planning the clean-up… ${seen} sessions read`),
    ),
  );

  if (options.dryRun) {
    printDryRun(plan, options, io);
    return;
  }

  io.stderr.write(summarizePlan(plan));
  if (plan.toDelete.length === 0) {
    writeResult(
      options,
      io,
      { deleted: 0, failed: 0, skipped: 0, memoriesDeleted: 0 },
      plan.unseen,
    );
    return;
  }

  const messages = plan.toDelete.reduce((sum, session) => sum + session.messages, 0);
  await confirmOrRefuse(
    io,
    `Delete ${plural(plan.toDelete.length, 'session')} (${plural(messages, 'message')})?`,
    options.yes,
  );

  const entry: PlanEntry = {
    type: 'plan',
    createdAt: plan.createdAt,
    batchSize: CLEANUP_BATCH_SIZE,
    archive: options.archive ?? null,
    sessions: plan.toDelete,
  };
  const journal = CleanupJournal.create(settings.paths.journalDir, context.correlationId, entry);
  const state: JournalState = {
    file: journal.file,
    validBytes: statSync(journal.file).size,
    plan: entry,
    done: new Map(),
    inFlight: undefined,
    archiveBytes: undefined,
    archived: new Map(),
  };

  const totals = await executeResumably(state, journal, context.client, io);
  writeResult(options, io, totals, plan.unseen);
}

async function resume(
  unfinished: JournalState | undefined,
  options: CleanupOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  if (unfinished === undefined) {
    throw new UsageError('There is no interrupted clean-up to resume.');
  }

  const remaining =
    unfinished.plan.sessions.length -
    [...unfinished.done.values()].reduce(
      (sum, batch) => sum + batch.deleted.length + batch.failed.length + batch.skipped.length,
      0,
    );
  io.stderr.write(
    `Resuming the clean-up planned ${formatUtc(unfinished.plan.createdAt)}: ${plural(remaining, 'session')} left.\n`,
  );
  await confirmOrRefuse(io, `Continue deleting ${plural(remaining, 'session')}?`, options.yes);

  const totals = await executeResumably(unfinished, CleanupJournal.reopen(unfinished), client, io);
  writeResult(options, io, totals, 0);
}

/** Runs the batches, and prints how to finish when an error or Ctrl-C cuts the run short. */
async function executeResumably(
  state: JournalState,
  journal: CleanupJournal,
  client: CoreClient,
  io: CommandIO,
): Promise<CleanupTotals> {
  try {
    return await executeBatches(state, journal, client, io);
  } catch (error) {
    io.stderr.write(
      'The clean-up stopped before it finished; its progress is saved. ' +
        'Run `mc session cleanup --resume` to finish it, or `--abandon` to discard it.\n',
    );
    throw error;
  }
}

function abandon(unfinished: JournalState | undefined, io: CommandIO): void {
  if (unfinished === undefined) {
    io.stderr.write('There is no interrupted clean-up to abandon.\n');
    return;
  }

  abandonJournal(unfinished);
  io.stderr.write(
    `Abandoned the clean-up planned ${formatUtc(unfinished.plan.createdAt)}; nothing more will be deleted for it.\n`,
  );
}

function summarizePlan(plan: CleanupPlan): string {
  const lines: string[] = [];
  if (plan.unseen > 0) {
    lines.push(
      `Warning: the Core holds ${plan.coreTotal} sessions but listed only ${plan.coreTotal - plan.unseen}; ` +
        `this clean-up acts only on the ${plan.coreTotal - plan.unseen} it saw, and ${plan.unseen} could not be checked.`,
    );
  }

  if (plan.toDelete.length === 0) {
    lines.push(`Nothing to delete: ${plural(plan.decisions.length, 'session')} checked.`);
    return `${lines.join('\n')}\n`;
  }

  const oldest = plan.toDelete[0];
  const newest = plan.toDelete.at(-1);
  const messages = plan.toDelete.reduce((sum, session) => sum + session.messages, 0);
  lines.push(
    `${plural(plan.toDelete.length, 'session')} of ${plan.decisions.length} to delete, holding ${plural(messages, 'message')}.`,
    `  oldest: ${printable(oldest?.id ?? '')} (last active ${formatUtc(oldest?.lastActive ?? 0)})`,
    `  newest: ${printable(newest?.id ?? '')} (last active ${formatUtc(newest?.lastActive ?? 0)})`,
  );

  return `${lines.join('\n')}\n`;
}

function printDryRun(plan: CleanupPlan, options: CleanupOptions, io: CommandIO): void {
  const rows = plan.decisions.map(({ session, verdict }) => ({
    session_id: session.id,
    last_active: new Date(session.lastActive).toISOString(),
    messages: session.messages,
    action: verdict.action,
    reason: describeReason(verdict, options.days, options.maxSessions),
  }));

  if (options.json) {
    const document = {
      dry_run: true,
      cutoff: new Date(plan.cutoffMs).toISOString(),
      to_delete: plan.toDelete.length,
      checked: plan.decisions.length,
      unseen: plan.unseen,
      sessions: rows,
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }

  io.stderr.write(summarizePlan(plan));
  const idWidth = Math.max(0, ...rows.map((row) => printable(row.session_id).length));
  for (const row of rows) {
    io.stdout.write(
      `${row.action.padEnd(6)}  ${printable(row.session_id).padEnd(idWidth)}  ${formatUtc(Date.parse(row.last_active))}  ${row.reason}\n`,
    );
  }
  io.stderr.write('Dry run: nothing was deleted.\n');
}

function writeResult(
  options: CleanupOptions,
  io: CommandIO,
  totals: CleanupTotals,
  unseen: number,
): void {
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ ...totals, unseen }, null, 2)}\n`);
  } else {
    io.stdout.write(
      `Deleted ${plural(totals.deleted, 'session')} (${plural(totals.memoriesDeleted, 'message')} removed); ` +
        `${totals.failed} failed, ${totals.skipped} skipped.\n`,
    );
  }

  if (totals.failed > 0) {
    throw new PartialFailureError(
      `Clean-up finished with ${plural(totals.failed, 'failure')}: ${totals.deleted} deleted, ${totals.failed} failed.`,
      totals.deleted,
      totals.failed,
    );
  }
}
