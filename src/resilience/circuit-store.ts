/**
 * Storage of circuit breaker state between calls. A CLI process lives about a
 * second, so the real store is one JSON file shared by every `mc` process of the
 * user. The memory store is for unit tests. Both run `transact` with exclusive
 * access, so concurrent read-modify-write cycles do not lose an update.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { withFileLock, writeFileAtomic } from '../util/private-files.js';

export type CircuitState =
  | { kind: 'closed'; consecutiveFailures: number }
  | { kind: 'open'; consecutiveFailures: number; openedAt: number; retryAt: number }
  | {
      kind: 'half-open';
      /** Successful probes so far in this half-open period. */
      successes: number;
      /** The probe in flight: only its holder may call until `expiresAt` (epoch ms). */
      probe: { id: string; expiresAt: number } | null;
    };

export type CircuitStateKind = CircuitState['kind'];

export const CLOSED_CIRCUIT: CircuitState = Object.freeze({
  kind: 'closed',
  consecutiveFailures: 0,
});

/** The state of every known circuit, by circuit name. */
export type CircuitTable = Map<string, CircuitState>;

export interface CircuitStore {
  /** Returns a copy of every circuit's state, as last saved. */
  read(): Promise<CircuitTable>;
  /**
   * Runs `change` on a copy of the table while no other `transact` of the same store
   * (or, for the file store, of any process) runs, and saves the table if it changed.
   */
  transact<T>(change: (circuits: CircuitTable) => T): Promise<T>;
}

/** Circuit names: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 64. */
const CIRCUIT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function validateCircuitName(name: string): string {
  if (!CIRCUIT_NAME.test(name)) {
    throw new RangeError(
      `circuit name must be 1-64 lower-case letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`,
    );
  }

  return name;
}

const nonNegativeInteger = z.number().int().nonnegative();

const circuitStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('closed'), consecutiveFailures: nonNegativeInteger }),
  z.object({
    kind: z.literal('open'),
    consecutiveFailures: nonNegativeInteger,
    openedAt: nonNegativeInteger,
    retryAt: nonNegativeInteger,
  }),
  z.object({
    kind: z.literal('half-open'),
    successes: nonNegativeInteger,
    probe: z.object({ id: z.string().min(1), expiresAt: nonNegativeInteger }).nullable(),
  }),
]);

const circuitFileSchema = z.object({
  version: z.literal(1),
  circuits: z.record(z.string().regex(CIRCUIT_NAME), circuitStateSchema),
});

/** Serializes a table in the file format, circuits sorted by name so equal tables give equal text. */
export function serializeCircuitTable(circuits: CircuitTable): string {
  const sorted = [...circuits.entries()].sort(([a], [b]) => a.localeCompare(b));

  return `${JSON.stringify({ version: 1, circuits: Object.fromEntries(sorted) }, null, 2)}\n`;
}

/**
 * Parses the file format; throws when `text` is not valid JSON or does not match the
 * schema.
 */
export function parseCircuitTable(text: string): CircuitTable {
  const parsed = circuitFileSchema.parse(JSON.parse(text));

  return new Map(Object.entries(parsed.circuits));
}

/** A store in this process's memory, with the same copy semantics as the file store. */
export class MemoryCircuitStore implements CircuitStore {
  #saved = serializeCircuitTable(new Map());
  // Chains transactions, so one whose `change` awaits nothing still runs strictly after the previous one.
  #queue: Promise<unknown> = Promise.resolve();

  async read(): Promise<CircuitTable> {
    return parseCircuitTable(this.#saved);
  }

  transact<T>(change: (circuits: CircuitTable) => T): Promise<T> {
    const run = this.#queue.then(() => {
      const circuits = parseCircuitTable(this.#saved);
      const result = change(circuits);
      this.#saved = serializeCircuitTable(circuits);

      return result;
    });
    this.#queue = run.catch(() => undefined);

    return run;
  }
}

export interface FileCircuitStoreOptions {
  /** Folder of the state file (`homePaths(home).stateDir`); created with mode 0700 when missing. */
  stateDir: string;
  /** Receives a sentence when the state file is unreadable and is being reset. */
  onWarning?: (message: string) => void;
}

/** The file, under the state folder, that contains every circuit's state. */
export const CIRCUIT_STATE_FILE = 'circuits.json';

/**
 * One JSON file for all circuits. Updates take an exclusive lock on the file and
 * replace it atomically, so consecutive and concurrent `mc` processes share it
 * safely. A corrupt file is treated as empty (every circuit closed) with a warning;
 * the next update overwrites it.
 */
export class FileCircuitStore implements CircuitStore {
  readonly file: string;
  readonly #onWarning: (message: string) => void;

  constructor(options: FileCircuitStoreOptions) {
    this.file = join(options.stateDir, CIRCUIT_STATE_FILE);
    this.#onWarning = options.onWarning ?? (() => undefined);
  }

  // Reads need no lock: the file is only ever replaced by a rename, never rewritten in place.
  async read(): Promise<CircuitTable> {
    return this.#load().circuits;
  }

  transact<T>(change: (circuits: CircuitTable) => T): Promise<T> {
    return withFileLock(this.file, () => {
      const { circuits, corrupt } = this.#load();
      const before = serializeCircuitTable(circuits);
      const result = change(circuits);
      const after = serializeCircuitTable(circuits);

      if (after !== before || corrupt) {
        writeFileAtomic(this.file, after);
      }

      return result;
    });
  }

  #load(): { circuits: CircuitTable; corrupt: boolean } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if (isMissingFile(error)) {
        return { circuits: new Map(), corrupt: false };
      }
      throw error;
    }

    try {
      return { circuits: parseCircuitTable(text), corrupt: false };
    } catch {
      this.#onWarning(
        `Circuit state file ${this.file} is corrupt and was reset; every circuit is treated as closed.`,
      );

      return { circuits: new Map(), corrupt: true };
    }
  }
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}
