/**
 * The clean-up journal: JSON lines under `MASTERCLAW_HOME/journal/`, one file per
 * clean-up. The plan comes first; then, per batch, the archive size once its sessions
 * are archived, a line before the deletion request and a line with its outcome. Each
 * line is on disk (fsync) before the step it records goes on, so a clean-up cut short
 * at any point can be resumed without deleting a session twice or unarchived.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
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
  /** Length of the journal's complete lines; bytes after it are a line cut short by a crash. */
  validBytes: number;
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

  /** Reopens a journal to append to it, first dropping a last line that a crash cut short. */
  static reopen(state: JournalState): CleanupJournal {
    truncateSync(state.file, state.validBytes);
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

    if (entry.type === 'finished') {
      renameSync(this.file, finishedName(this.file));
    }
  }
}

/**
 * Returns the name a finished journal is kept under for the record, so looking for an
 * unfinished one never reads it again.
 */
function finishedName(file: string): string {
  return file.replace(/\.jsonl$/, FINISHED_SUFFIX);
}

const FINISHED_SUFFIX = '.finished.jsonl';

/** Finds the newest clean-up journal that has no `finished` line, or returns undefined. */
export function findUnfinishedJournal(journalDir: string): JournalState | undefined {
  let names: string[];
  try {
    names = readdirSync(journalDir).filter(
      (name) =>
        name.startsWith('cleanup-') && name.endsWith('.jsonl') && !name.endsWith(FINISHED_SUFFIX),
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
  const { entries, validBytes } = parseEntries(file);
  const plan = entries[0];
  if (plan?.type !== 'plan') {
    throw damagedJournal(file, 'it does not start with a plan');
  }
  if (entries.some((entry) => entry.type === 'finished')) {
    return undefined;
  }

  const state: JournalState = {
    file,
    validBytes,
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
 * it would have recorded is treated as not done, which the resume handles, and
 * `validBytes` marks where it starts so the resume can cut it off.
 */
function parseEntries(file: string): { entries: JournalEntry[]; validBytes: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const entries: JournalEntry[] = [];
  let validBytes = 0;

  for (const [index, line] of lines.entries()) {
    const isLast =
      index === lines.length - 1 || (index === lines.length - 2 && lines.at(-1) === '');
    try {
      if (line.trim() !== '') {
        entries.push(journalEntrySchema.parse(JSON.parse(line)));
      }
    } catch {
      if (isLast) {
        break;
      }
      throw damagedJournal(file, `line ${index + 1} cannot be read`);
    }
    if (index < lines.length - 1) {
      validBytes += Buffer.byteLength(line, 'utf8') + 1;
    }
  }

  return { entries, validBytes };
}

/** Builds the error for a journal mc cannot use, naming the way out, since it blocks every clean-up. */
function damagedJournal(file: string, reason: string): StateError {
  return new StateError(
    `Clean-up journal ${file} is damaged: ${reason}. Move it out of ${dirname(file)} ` +
      '(keep it if you need to know which sessions it had deleted) and run the clean-up again.',
  );
}

/** Marks a journal finished without running it, for a clean-up the user abandons. */
export function abandonJournal(state: JournalState): void {
  CleanupJournal.reopen(state).record({ type: 'finished' });
}
