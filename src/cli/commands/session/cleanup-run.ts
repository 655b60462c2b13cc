/**
 * Runs a planned clean-up batch by batch. Each batch goes: check that its sessions
 * are still inactive, archive them (when asked), record the deletion in the journal,
 * delete, record the outcome. A batch whose deletion was sent but never recorded
 * (the process died) is settled first by asking the Core which of its sessions exist.
 */
import type { CoreClient } from '../../../core-client/client.js';
import { walkSessions } from '../../../core-client/paging.js';
import { HttpStatusError, isMcError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { ArchiveWriter, fetchArchiveRecord, type ArchiveRecord } from './archive.js';
import type {
  BatchOutcome,
  CleanupJournal,
  JournalState,
  PlannedSession,
} from './cleanup-journal.js';
import { createProgress, type Progress } from './progress.js';
import { lastActiveMs } from './list.js';
import { parseCoreDatetime } from '../../../contract/datetime.js';

/** Parallel DELETE requests when the Core has no bulk route. */
const FALLBACK_CONCURRENCY = 4;
const HOUR_MS = 3_600_000;

export interface CleanupTotals {
  deleted: number;
  failed: number;
  skipped: number;
  memoriesDeleted: number;
}

interface RunState {
  journal: CleanupJournal;
  client: CoreClient;
  io: CommandIO;
  plan: JournalState['plan'];
  archive: ArchiveWriter | undefined;
  /** Set once the Core responded to the bulk route with 404 or 405. */
  bulkRouteMissing: boolean;
  progress: Progress;
}

export async function executeBatches(
  state: JournalState,
  journal: CleanupJournal,
  client: CoreClient,
  io: CommandIO,
): Promise<CleanupTotals> {
  const plan = state.plan;
  const batches = splitBatches(plan.sessions, plan.batchSize);
  const run: RunState = {
    journal,
    client,
    io,
    plan,
    archive:
      plan.archive === null
        ? undefined
        : new ArchiveWriter(plan.archive, state.archiveBytes ?? undefinedIfFresh(state)),
    bulkRouteMissing: false,
    progress: createProgress(io, plan.sessions.length),
  };

  try {
    for (const outcome of state.done.values()) {
      run.progress.advance(outcome.deleted.length + outcome.failed.length + outcome.skipped.length);
    }

    for (const [index, batch] of batches.entries()) {
      if (state.done.has(index)) {
        continue;
      }
      const outcome =
        state.inFlight?.batch === index
          ? await settleInFlight(run, index, batch, state.inFlight.ids)
          : await runBatch(run, index, batch, state.archived.get(index));
      journal.record(outcome);
      state.done.set(index, outcome);
      run.progress.advance(batch.length);
    }

    journal.record({ type: 'finished' });
  } finally {
    run.progress.stop();
    run.archive?.close();
  }

  return sumOutcomes([...state.done.values()]);
}

/** Returns the archive size to truncate to: none for a fresh clean-up, the last recorded size (or 0) for a resumed one. */
function undefinedIfFresh(state: JournalState): number | undefined {
  return state.done.size === 0 && state.inFlight === undefined && state.archived.size === 0
    ? undefined
    : 0;
}

function splitBatches(sessions: PlannedSession[], size: number): PlannedSession[][] {
  const batches: PlannedSession[][] = [];
  for (let start = 0; start < sessions.length; start += size) {
    batches.push(sessions.slice(start, start + size));
  }

  return batches;
}

/**
 * Runs one batch. `archivedIds` is set when an earlier, interrupted run already
 * archived this batch: only those sessions may then be deleted, since the others were
 * left out of the archive for a reason.
 */
async function runBatch(
  run: RunState,
  index: number,
  batch: PlannedSession[],
  archivedIds: string[] | undefined,
): Promise<BatchOutcome> {
  const activeAgain = await findActiveAgain(run, batch);
  const skipped = [...activeAgain].map((id) => ({ id, reason: 'active again since the plan' }));
  let candidates = batch.filter((session) => !activeAgain.has(session.id));

  if (run.archive !== undefined) {
    const archived =
      archivedIds === undefined
        ? await archiveBatch(run, candidates)
        : splitArchived(candidates, archivedIds);
    skipped.push(...archived.skipped);
    candidates = archived.kept;
    if (archivedIds === undefined) {
      run.journal.record({
        type: 'archived',
        batch: index,
        ids: candidates.map((session) => session.id),
        archiveBytes: run.archive.size,
      });
    }
  }

  const ids = candidates.map((session) => session.id);
  run.journal.record({ type: 'deleting', batch: index, ids });
  const result = await deleteIds(run, ids);

  return { type: 'done', batch: index, ...result, skipped };
}

function splitArchived(
  candidates: PlannedSession[],
  archivedIds: string[],
): { kept: PlannedSession[]; skipped: Array<{ id: string; reason: string }> } {
  const archived = new Set(archivedIds);
  return {
    kept: candidates.filter((session) => archived.has(session.id)),
    skipped: candidates
      .filter((session) => !archived.has(session.id))
      .map((session) => ({ id: session.id, reason: 'left out of the archive' })),
  };
}

/**
 * Sessions of the batch that were active after the plan was made. One listing of the
 * sessions active since the plan covers the whole batch, instead of a request
 * per session.
 */
async function findActiveAgain(run: RunState, batch: PlannedSession[]): Promise<Set<string>> {
  const hours = Math.max(1, Math.ceil((run.io.clock.now() - run.plan.createdAt) / HOUR_MS) + 1);
  const planned = new Map(batch.map((session) => [session.id, session.lastActive]));
  const active = new Set<string>();

  for await (const session of walkSessions(run.client, { activeSinceHours: hours })) {
    const plannedLastActive = planned.get(session.session_id);
    if (plannedLastActive !== undefined && lastActiveMs(session) > plannedLastActive) {
      active.add(session.session_id);
    }
  }

  return active;
}

/** Archives every session of the batch; a session with messages newer than the plan is kept, not archived. */
async function archiveBatch(
  run: RunState,
  candidates: PlannedSession[],
): Promise<{ kept: PlannedSession[]; skipped: Array<{ id: string; reason: string }> }> {
  const records: ArchiveRecord[] = [];
  const kept: PlannedSession[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];

  for (const session of candidates) {
    const record = await fetchArchiveRecord(run.client, session.id);
    if ((parseCoreDatetime(record.info.last_active) ?? 0) > session.lastActive) {
      skipped.push({ id: session.id, reason: 'active again since the plan' });
      continue;
    }
    records.push(record);
    kept.push(session);
  }

  run.archive?.append(records);
  return { kept, skipped };
}

type DeleteResult = Pick<BatchOutcome, 'deleted' | 'failed' | 'memoriesDeleted'>;

async function deleteIds(run: RunState, ids: string[]): Promise<DeleteResult> {
  if (ids.length === 0) {
    return { deleted: [], failed: [], memoriesDeleted: 0 };
  }

  if (!run.bulkRouteMissing) {
    try {
      const response = await run.client.bulkDelete({ session_ids: ids });
      return {
        deleted: response.deleted_session_ids,
        failed: response.failed_session_ids.map((failure) => ({
          id: failure.session_id,
          error: failure.error,
        })),
        memoriesDeleted: response.memories_deleted,
      };
    } catch (error) {
      if (!isMissingRoute(error)) {
        throw error;
      }
      run.bulkRouteMissing = true;
      run.io.stderr.write('The Core has no bulk-delete route; deleting one session per request.\n');
    }
  }

  return deleteOneByOne(run, ids);
}

function isMissingRoute(error: unknown): boolean {
  return error instanceof HttpStatusError && (error.status === 404 || error.status === 405);
}

async function deleteOneByOne(run: RunState, ids: string[]): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [], memoriesDeleted: 0 };
  const queue = [...ids];

  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const response = await run.client.deleteSession(id);
        result.deleted.push(id);
        result.memoriesDeleted += response.memories_deleted;
      } catch (error) {
        if (isMcError(error) && error.code === 'ABORTED') {
          throw error;
        }
        result.failed.push({ id, error: isMcError(error) ? error.code : 'UNKNOWN' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FALLBACK_CONCURRENCY, ids.length) }, worker));

  return result;
}

/**
 * Settles a batch whose deletion was sent but whose outcome was never recorded. Of the
 * ids that request carried, those the Core still has are deleted now, and those it no
 * longer has were deleted by it. Sessions of the batch it did not carry were skipped.
 */
async function settleInFlight(
  run: RunState,
  index: number,
  batch: PlannedSession[],
  sentIds: string[],
): Promise<BatchOutcome> {
  const sent = new Set(sentIds);
  const stillThere: string[] = [];
  const alreadyGone: string[] = [];
  for (const id of sentIds) {
    ((await run.client.hasSession(id)) ? stillThere : alreadyGone).push(id);
  }

  run.journal.record({ type: 'deleting', batch: index, ids: stillThere });
  const result = await deleteIds(run, stillThere);
  return {
    type: 'done',
    batch: index,
    deleted: [...alreadyGone, ...result.deleted],
    failed: result.failed,
    memoriesDeleted: result.memoriesDeleted,
    skipped: batch
      .filter((session) => !sent.has(session.id))
      .map((session) => ({ id: session.id, reason: 'skipped before the interruption' })),
  };
}

function sumOutcomes(outcomes: BatchOutcome[]): CleanupTotals {
  return outcomes.reduce<CleanupTotals>(
    (totals, outcome) => ({
      deleted: totals.deleted + outcome.deleted.length,
      failed: totals.failed + outcome.failed.length,
      skipped: totals.skipped + outcome.skipped.length,
      memoriesDeleted: totals.memoriesDeleted + outcome.memoriesDeleted,
    }),
    { deleted: 0, failed: 0, skipped: 0, memoriesDeleted: 0 },
  );
}
