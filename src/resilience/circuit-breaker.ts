/**
 * A circuit breaker whose state lives in a `CircuitStore`, so it spans the short-lived
 * `mc` processes. Closed: calls pass and service failures are counted. After
 * `failureThreshold` consecutive failures it opens: calls fail at once with
 * `CircuitOpenError` until `resetTimeoutMs` has passed. Then it is half-open: one
 * probe at a time may call, and `successThreshold` successful probes close it while
 * one failed probe opens it again.
 */
import { randomUUID } from 'node:crypto';

import { CircuitOpenError, hasCode } from '../errors/errors.js';
import type { Clock } from '../util/clock.js';
import { isServiceFailure } from './classify.js';
import {
  CLOSED_CIRCUIT,
  validateCircuitName,
  type CircuitState,
  type CircuitStateKind,
  type CircuitStore,
  type CircuitTable,
} from './circuit-store.js';

export interface CircuitBreakerOptions {
  /** Consecutive service failures that open the circuit. @default 3 */
  failureThreshold: number;
  /** Time the circuit stays open before a probe may call. @default 10000 (ms) */
  resetTimeoutMs: number;
  /** Successful probes in half-open state that close the circuit. @default 2 */
  successThreshold: number;
  /**
   * Time a probe holds its lease. Another process may probe once it expires, so a
   * crashed prober blocks the circuit for at most this long. It exceeds the default
   * retry budget (30 s) because one probe is one call with all its retries.
   * @default 45000 (ms)
   */
  probeLeaseMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = Object.freeze({
  failureThreshold: 3,
  resetTimeoutMs: 10_000,
  successThreshold: 2,
  probeLeaseMs: 45_000,
});

/** Merges `overrides` into the defaults; throws `RangeError` naming the first invalid field. */
export function resolveCircuitBreakerOptions(
  overrides: Partial<CircuitBreakerOptions> = {},
): CircuitBreakerOptions {
  const options = { ...DEFAULT_CIRCUIT_BREAKER_OPTIONS };
  for (const [field, value] of Object.entries(overrides) as [
    keyof CircuitBreakerOptions,
    number,
  ][]) {
    if (value !== undefined) {
      options[field] = value;
    }
  }

  for (const [field, value] of Object.entries(options)) {
    const minimum = field.endsWith('Threshold') ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new RangeError(
        `${field} must be an integer of at least ${minimum}, got ${String(value)}`,
      );
    }
  }

  return options;
}

export interface CircuitStateChange {
  circuit: string;
  from: CircuitStateKind;
  to: CircuitStateKind;
  /** Epoch milliseconds. */
  at: number;
}

export interface CircuitBreakerInit {
  /** Circuit name, such as `session-api`; each name has its own state. */
  name: string;
  store: CircuitStore;
  clock: Clock;
  options?: Partial<CircuitBreakerOptions>;
  /** Called after each saved transition, for the audit log. */
  onStateChange?: (change: CircuitStateChange) => void;
  /** Receives a sentence when the state cannot be read or saved and the call goes ahead unguarded. */
  onWarning?: (message: string) => void;
}

/**
 * The admission a call received: an ordinary call, the probe holding lease `probeId`,
 * or an untracked call made while the store failed.
 */
interface Admission {
  probeId: string | undefined;
  untracked?: boolean;
}

type Outcome = 'success' | 'failure' | 'neutral';

export class CircuitBreaker {
  readonly name: string;
  readonly options: CircuitBreakerOptions;
  readonly #store: CircuitStore;
  readonly #clock: Clock;
  readonly #onStateChange: (change: CircuitStateChange) => void;
  readonly #onWarning: (message: string) => void;

  constructor(init: CircuitBreakerInit) {
    this.name = validateCircuitName(init.name);
    this.options = resolveCircuitBreakerOptions(init.options);
    this.#store = init.store;
    this.#clock = init.clock;
    this.#onStateChange = init.onStateChange ?? (() => undefined);
    this.#onWarning = init.onWarning ?? (() => undefined);
  }

  /** Returns this circuit's saved state. */
  async state(): Promise<CircuitState> {
    return (await this.#store.read()).get(this.name) ?? CLOSED_CIRCUIT;
  }

  /**
   * Runs `operation` if the circuit admits it, and records its outcome: 5xx, 408,
   * network errors and timeouts count as failures; other errors (4xx responses, usage
   * errors, aborts) count neither way. Throws `CircuitOpenError` without calling when
   * the circuit is open or another probe is in flight.
   *
   * When the store fails (state folder not writable, lock not obtained), the call goes
   * ahead without the breaker and `onWarning` says so: a broken state file must not
   * stop every command.
   */
  async execute<T>(operation: (call: { probe: boolean }) => Promise<T>): Promise<T> {
    const admission = await this.#admitOrBypass();

    let result: T;
    try {
      result = await operation({ probe: admission.probeId !== undefined });
    } catch (error) {
      await this.#record(admission, isServiceFailure(error) ? 'failure' : 'neutral');
      throw error;
    }

    await this.#record(admission, 'success');

    return result;
  }

  async #admitOrBypass(): Promise<Admission> {
    try {
      return await this.#admit();
    } catch (error) {
      if (hasCode(error, 'CIRCUIT_OPEN')) {
        throw error;
      }

      this.#onWarning(
        `Circuit ${this.name}: state unavailable (${describeStoreError(error)}); calling without the circuit breaker.`,
      );

      return { probeId: undefined, untracked: true };
    }
  }

  async #admit(): Promise<Admission> {
    // Reads take no lock, so the common case (a closed circuit) costs one file read;
    // admitting on a state that another process changes a moment later is the same as
    // having been admitted a moment earlier.
    if ((await this.state()).kind === 'closed') {
      return { probeId: undefined };
    }

    const changes: CircuitStateChange[] = [];

    const decision = await this.#store.transact((circuits): Admission | { rejectUntil: number } => {
      const now = this.#clock.now();
      const state = circuits.get(this.name) ?? CLOSED_CIRCUIT;

      if (state.kind === 'closed') {
        return { probeId: undefined };
      }

      if (state.kind === 'open' && now < state.retryAt) {
        return { rejectUntil: state.retryAt };
      }

      // A live lease means another call is probing; an expired one belongs to a prober that died.
      if (state.kind === 'half-open' && state.probe !== null && state.probe.expiresAt > now) {
        return { rejectUntil: Math.min(state.probe.expiresAt, now + this.options.resetTimeoutMs) };
      }

      const probeId = randomUUID();
      const successes = state.kind === 'half-open' ? state.successes : 0;
      this.#transition(circuits, state, {
        next: {
          kind: 'half-open',
          successes,
          probe: { id: probeId, expiresAt: now + this.options.probeLeaseMs },
        },
        at: now,
        changes,
      });

      return { probeId };
    });

    this.#emit(changes);
    if ('rejectUntil' in decision) {
      throw new CircuitOpenError(this.name, decision.rejectUntil);
    }

    return decision;
  }

  async #record(admission: Admission, outcome: Outcome): Promise<void> {
    if (admission.untracked === true) {
      return;
    }

    if (admission.probeId === undefined && (await this.#isUnchangedBy(outcome))) {
      return;
    }

    const changes: CircuitStateChange[] = [];
    try {
      await this.#store.transact((circuits) => {
        const now = this.#clock.now();
        const state = circuits.get(this.name) ?? CLOSED_CIRCUIT;
        const next = this.#nextState(state, admission, outcome, now);
        this.#transition(circuits, state, { next, at: now, changes });
      });
    } catch (error) {
      // The call's own result or error matters more to the user than a lost count.
      this.#onWarning(`Circuit ${this.name}: outcome not saved (${describeStoreError(error)}).`);

      return;
    }

    this.#emit(changes);
  }

  /** True when `outcome` leaves the saved state as it is, so nothing needs the lock or a write. */
  async #isUnchangedBy(outcome: Outcome): Promise<boolean> {
    try {
      const state = await this.state();
      const quietClosed = state.kind === 'closed' && state.consecutiveFailures === 0;
      return (
        (quietClosed && outcome !== 'failure') || (state.kind === 'closed' && outcome === 'neutral')
      );
    } catch {
      return false;
    }
  }

  #nextState(
    state: CircuitState,
    admission: Admission,
    outcome: Outcome,
    now: number,
  ): CircuitState {
    if (state.kind === 'closed') {
      return this.#nextClosedState(state, outcome, now);
    }

    // An open circuit, or a half-open one probed by someone else, was changed by a newer
    // call than this one, so this outcome is stale.
    const isOurProbe = state.kind === 'half-open' && state.probe?.id === admission.probeId;
    if (state.kind === 'open' || !isOurProbe) {
      return state;
    }

    if (outcome === 'failure') {
      return this.#open(this.options.failureThreshold, now);
    }

    const successes = state.successes + (outcome === 'success' ? 1 : 0);
    if (successes >= this.options.successThreshold) {
      return CLOSED_CIRCUIT;
    }

    return { kind: 'half-open', successes, probe: null };
  }

  #nextClosedState(
    state: CircuitState & { kind: 'closed' },
    outcome: Outcome,
    now: number,
  ): CircuitState {
    if (outcome === 'success') {
      return CLOSED_CIRCUIT;
    }

    if (outcome === 'neutral') {
      return state;
    }

    const consecutiveFailures = state.consecutiveFailures + 1;
    if (consecutiveFailures >= this.options.failureThreshold) {
      return this.#open(consecutiveFailures, now);
    }

    return { kind: 'closed', consecutiveFailures };
  }

  #open(consecutiveFailures: number, now: number): CircuitState {
    return {
      kind: 'open',
      consecutiveFailures,
      openedAt: now,
      retryAt: now + this.options.resetTimeoutMs,
    };
  }

  #transition(
    circuits: CircuitTable,
    from: CircuitState,
    step: { next: CircuitState; at: number; changes: CircuitStateChange[] },
  ): void {
    circuits.set(this.name, step.next);
    if (from.kind !== step.next.kind) {
      step.changes.push({ circuit: this.name, from: from.kind, to: step.next.kind, at: step.at });
    }
  }

  #emit(changes: CircuitStateChange[]): void {
    for (const change of changes) {
      this.#onStateChange(change);
    }
  }
}

function describeStoreError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Closes circuit `name`, or every circuit when `name` is undefined. Returns the names
 * of the circuits that were not already closed with no failures counted.
 */
export async function resetCircuits(
  store: CircuitStore,
  name: string | undefined,
  options: { clock: Clock; onStateChange?: (change: CircuitStateChange) => void },
): Promise<string[]> {
  const changes: CircuitStateChange[] = [];
  const targets = name === undefined ? undefined : [validateCircuitName(name)];

  const reset = await store.transact((circuits) => {
    const at = options.clock.now();
    const names = targets ?? [...circuits.keys()];
    const changed: string[] = [];

    for (const circuit of names) {
      const state = circuits.get(circuit);
      if (state === undefined || (state.kind === 'closed' && state.consecutiveFailures === 0)) {
        continue;
      }

      circuits.set(circuit, CLOSED_CIRCUIT);
      changed.push(circuit);
      if (state.kind !== 'closed') {
        changes.push({ circuit, from: state.kind, to: 'closed', at });
      }
    }

    return changed;
  });

  for (const change of changes) {
    options.onStateChange?.(change);
  }

  return reset;
}
