/**
 * The command's side of the audit log: entries are queued by the call chain and
 * written in batches, so a command's requests do not wait for a disk sync (a flush at the end does).
 */
import type { AuditEntryInput, AuditLog } from '../audit/index.js';
import type { TextSink } from './io.js';

/** Maximum time an audit entry waits in memory before it is written. */
const AUDIT_BATCH_WINDOW_MS = 250;

/** Queued entries that are written at once, without waiting for the window. */
const AUDIT_BATCH_MAX_ENTRIES = 100;

/**
 * Appends in the background, in batches: entries wait up to 250 ms (or until 100 are
 * queued) and go out together with one disk sync, so a clean-up's hundred requests do
 * not pay a sync each. Security refusals are written at once. `flush` writes whatever
 * is queued, so the process does not exit before the entries are on disk. A failed
 * write becomes one warning, because the command's own result must still reach the user.
 *
 * NOTE: a process killed with SIGKILL loses the entries of its last 250 ms.
 */
export class AuditWriter {
  readonly #log: AuditLog;
  readonly #stderr: TextSink;
  #queue: AuditEntryInput[] = [];
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #warned = false;

  constructor(log: AuditLog, stderr: TextSink) {
    this.#log = log;
    this.#stderr = stderr;
  }

  write(entry: AuditEntryInput): void {
    this.#queue.push(entry);

    if (entry.outcome === 'refused' || this.#queue.length >= AUDIT_BATCH_MAX_ENTRIES) {
      this.#startDrain();
      return;
    }

    this.#timer ??= setTimeout(() => this.#startDrain(), AUDIT_BATCH_WINDOW_MS);
  }

  async flush(): Promise<void> {
    this.#startDrain();
    while (this.#writing !== undefined) {
      await this.#writing;
      this.#startDrain();
    }
  }

  #startDrain(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing !== undefined || this.#queue.length === 0) {
      return;
    }

    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      await this.#log.appendMany(batch).catch((error: unknown) => this.#warn(error));
    }
  }

  #warn(error: unknown): void {
    if (this.#warned) {
      return;
    }
    this.#warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.#stderr.write(`Warning: could not write the audit log: ${reason}\n`);
  }
}
