/**
 * The clean-up journal: JSON lines under `MASTERCLAW_HOME/journal/`, one file per
 * clean-up. The plan comes first; then, per batch, the archive size once its sessions
 * are archived, a line before the deletion request and a line with its outcome. Each
 * line is on disk (fsync) before the step it records goes on, so a clean-up cut short
 * at any point can be resumed without deleting a session twice or unarchived.
 */
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

import { StateError } from '../../../errors/errors.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../../util/private-files.js';

const plannedSessionSchema = z.object({
  id: z.string(),
  lastActive: z.number(),
  messages: z.number(),
});
export type PlannedSession = z.infer<typeof plannedSessionSchema>;

const planEntrySchema = z.object({
  type: z.literal('plan'),
  createdAt: z.number(),
  batchSize: z.number().int().positive(),
  archive: z.string().nullable(),
  sessions: z.array(plannedSessionSchema),
});
export type PlanEntry = z.infer<typeof planEntrySchema>;

const journalEntrySchema = z.discriminatedUnion('type', [
  planEntrySchema,
  z.object({
    type: z.literal('archived'),
    batch: z.number().int(),
    ids: z.array(z.string()),
    archiveBytes: z.number().int(),
  }),
  z.object({ type: z.literal('deleting'), batch: z.number().int(), ids: z.array(z.string()) }),
  z.object({
    type: z.literal('done'),
    batch: z.number().int(),
    deleted: z.array(z.string()),
    failed: z.array(z.object({ id: z.string(), error: z.string() })),
    skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
    memoriesDeleted: z.number().int(),
  }),
  z.object({ type: z.literal('finished') }),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export type BatchOutcome = Extract<JournalEntry, { type: 'done' }>;

/** State of a clean-up that has not finished, as its journal records it. */
export interface JournalState {
  file: string;
  plan: PlanEntry;
  done: Map<number, BatchOutcome>;
  /** Batch whose deletion was sent but whose outcome was never recorded. */
  inFlight: { batch: number; ids: string[] } | undefined;
  /** Archive size after the last batch recorded as archived. */
  archiveBytes: number | undefined;
  /** Sessions in the archive, by batch. */
  archived: Map<number, string[]>;
}

export class CleanupJournal {
  readonly file: string;

  private constructor(file: string) {
    this.file = file;
  }

  static create(journalDir: string, name: string, plan: PlanEntry): CleanupJournal {
    ensurePrivateDir(journalDir);
    const journal = new CleanupJournal(join(journalDir, `cleanup-${name}.jsonl`));
    const fd = openSync(journal.file, 'wx', PRIVATE_FILE_MODE);
    closeSync(fd);
    journal.record(plan);
    return journal;
  }

  static reopen(state: JournalState): CleanupJournal {
    return new CleanupJournal(state.file);
  }

  record(entry: JournalEntry): void {
    const fd = openSync(this.file, 'a', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Finds the newest clean-up journal that has no `finished` line, or returns undefined. */
export function findUnfinishedJournal(journalDir: string): JournalState | undefined {
  let names: string[];
  try {
    names = readdirSync(journalDir).filter(
      (name) => name.startsWith('cleanup-') && name.endsWith('.jsonl'),
    );
  } catch {
    return undefined;
  }

  const states = names
    .map((name) => readJournal(join(journalDir, name)))
    .filter((state): state is JournalState => state !== undefined)
    .sort((a, b) => b.plan.createdAt - a.plan.createdAt);

  return states[0];
}

function readJournal(file: string): JournalState | undefined {
  const entries = parseEntries(file);
  const plan = entries[0];
  if (plan?.type !== 'plan') {
    throw new StateError(`Clean-up journal ${file} does not start with a plan.`);
  }
  if (entries.some((entry) => entry.type === 'finished')) {
    return undefined;
  }

  const state: JournalState = {
    file,
    plan,
    done: new Map(),
    inFlight: undefined,
    archiveBytes: undefined,
    archived: new Map(),
  };
  for (const entry of entries.slice(1)) {
    applyEntry(state, entry);
  }

  return state;
}

function applyEntry(state: JournalState, entry: JournalEntry): void {
  switch (entry.type) {
    case 'archived':
      state.archived.set(entry.batch, entry.ids);
      state.archiveBytes = entry.archiveBytes;
      break;
    case 'deleting':
      state.inFlight = { batch: entry.batch, ids: entry.ids };
      break;
    case 'done':
      state.done.set(entry.batch, entry);
      state.inFlight = undefined;
      break;
    default:
      break;
  }
}

/**
 * Reads every complete line. A last line cut short by a crash is ignored: the step
 * it would have recorded is treated as not done, which the resume handles.
 */
function parseEntries(file: string): JournalEntry[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const entries: JournalEntry[] = [];

  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') {
      continue;
    }
    const isLast = index >= lines.length - 2;
    try {
      entries.push(journalEntrySchema.parse(JSON.parse(line)));
    } catch (error) {
      if (isLast) {
        break;
      }
      throw new StateError(`Clean-up journal ${file} is damaged at line ${index + 1}.`, {
        cause: error,
      });
    }
  }

  return entries;
}

/** Marks a journal finished without running it, for a clean-up the user abandons. */
export function abandonJournal(state: JournalState): void {
  appendFileSync(state.file, `${JSON.stringify({ type: 'finished' })}\n`);
}
