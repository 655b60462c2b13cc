/**
 * `mc circuit status` and `mc circuit reset`: show and clear the circuit breaker
 * state that `mc` processes share under the state folder.
 */
import { UsageError } from '../../errors/errors.js';
import { resetCircuits, type CircuitStateChange } from '../../resilience/circuit-breaker.js';
import {
  FileCircuitStore,
  validateCircuitName,
  type CircuitState,
} from '../../resilience/circuit-store.js';
import type { CommandIO } from '../io.js';

export interface CircuitStatusOptions {
  /** Print one JSON document on stdout instead of a table. */
  json: boolean;
}

export interface CircuitResetOptions {
  /** The circuit to close; every circuit when undefined. */
  name?: string | undefined;
  /** Called for each circuit that leaves the open or half-open state, for the audit log. */
  onStateChange?: (change: CircuitStateChange) => void;
}

/** One circuit as `status` reports it. */
export interface CircuitReport {
  name: string;
  state: CircuitState['kind'];
  consecutiveFailures: number;
  /** Successful probes so far, in half-open state only. */
  halfOpenSuccesses: number | null;
  /** When a call may go through again (ISO 8601); null while calls pass. */
  retryAt: string | null;
}

/** Prints each circuit's state, its failure count and when it lets calls through again. */
export async function runCircuitStatus(
  options: CircuitStatusOptions,
  io: CommandIO,
  stateDir: string,
): Promise<void> {
  const store = openStore(io, stateDir);
  const circuits = await store.read();
  const now = io.clock.now();

  const reports = [...circuits.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, state]) => reportCircuit(name, state, now));

  if (options.json) {
    io.stdout.write(`${JSON.stringify({ circuits: reports }, null, 2)}\n`);

    return;
  }

  if (reports.length === 0) {
    io.stdout.write('No circuit state recorded; every circuit is closed.\n');

    return;
  }

  io.stdout.write(formatTable(reports, now, io.stdoutIsTTY));
}

/** Closes circuit `options.name`, or every circuit, and says which ones changed. */
export async function runCircuitReset(
  options: CircuitResetOptions,
  io: CommandIO,
  stateDir: string,
): Promise<void> {
  const name = options.name === undefined ? undefined : parseCircuitName(options.name);
  const store = openStore(io, stateDir);

  const reset = await resetCircuits(store, name, {
    clock: io.clock,
    onStateChange: options.onStateChange,
  });

  io.stderr.write(`${describeReset(name, reset)}\n`);
}

function openStore(io: CommandIO, stateDir: string): FileCircuitStore {
  return new FileCircuitStore({
    stateDir,
    onWarning: (message) => io.stderr.write(`Warning: ${message}\n`),
  });
}

function parseCircuitName(name: string): string {
  try {
    return validateCircuitName(name);
  } catch (error) {
    throw new UsageError(
      `Invalid circuit name ${JSON.stringify(name)}: ${(error as Error).message.replace(/^circuit name /, '')}`,
    );
  }
}

function reportCircuit(name: string, state: CircuitState, now: number): CircuitReport {
  const base = {
    name,
    state: state.kind,
    consecutiveFailures: 0,
    halfOpenSuccesses: null,
    retryAt: null,
  };

  switch (state.kind) {
    case 'closed':
      return { ...base, consecutiveFailures: state.consecutiveFailures };
    case 'open':
      return {
        ...base,
        consecutiveFailures: state.consecutiveFailures,
        retryAt: new Date(Math.max(now, state.retryAt)).toISOString(),
      };
    case 'half-open': {
      const leaseLive = state.probe !== null && state.probe.expiresAt > now;

      return {
        ...base,
        halfOpenSuccesses: state.successes,
        retryAt: leaseLive ? new Date(state.probe?.expiresAt ?? now).toISOString() : null,
      };
    }
  }
}

function formatTable(reports: CircuitReport[], now: number, isTTY: boolean): string {
  const rows = [
    ['CIRCUIT', 'STATE', 'FAILURES', 'RETRY'],
    ...reports.map((report) => [
      report.name,
      report.state,
      String(report.consecutiveFailures),
      formatRetry(report, now, isTTY),
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];

  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

// A terminal reader wants "in 8 s"; a script reading piped output wants a timestamp.
function formatRetry(report: CircuitReport, now: number, isTTY: boolean): string {
  if (report.retryAt === null) {
    return report.state === 'half-open' ? 'next call probes' : '-';
  }

  if (!isTTY) {
    return report.retryAt;
  }

  const seconds = Math.max(0, Math.ceil((Date.parse(report.retryAt) - now) / 1000));

  return seconds === 0 ? 'now' : `in ${seconds} s`;
}

function describeReset(name: string | undefined, reset: string[]): string {
  if (name !== undefined) {
    return reset.length === 0 ? `Circuit ${name} was already closed.` : `Circuit ${name} closed.`;
  }

  if (reset.length === 0) {
    return 'Every circuit was already closed.';
  }

  return `Closed ${reset.length} circuit${reset.length === 1 ? '' : 's'}: ${reset.join(', ')}.`;
}
