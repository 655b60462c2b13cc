/**
 * Wires one command's call chain: the session API client on top of the circuit
 * breaker and retry, on top of the secure HTTP client, with every request and every
 * circuit change written to the audit log under the command's correlation ID.
 */
import { randomInt } from 'node:crypto';

import { openAuditLog, type AuditEntryInput } from '../audit/index.js';
import { CircuitOpenError } from '../errors/errors.js';
import { CoreClient, type ResilientInvoker } from '../core-client/client.js';
import { createSecureClient } from '../http/index.js';
import type { RequestRecord, SecureClient } from '../http/types.js';
import { CircuitBreaker } from '../resilience/circuit-breaker.js';
import { FileCircuitStore } from '../resilience/circuit-store.js';
import { callWithResilience } from '../resilience/resilient-call.js';
import { resolveRetryPolicy, type RetryPolicy } from '../resilience/retry-policy.js';
import type { Random } from '../util/clock.js';
import { AuditWriter } from './audit-writer.js';
import type { CommandIO } from './io.js';
import type { Settings } from './settings.js';

const CLEAR_LINE = '\r\u001b[K';

/** The session API's own circuit: failures of other APIs never open it. */
export const SESSION_CIRCUIT = 'session-api';

/** Attempts of the last failed call, for `--verbose`. */
export interface CallTrace {
  attempts: number | undefined;
}

export interface CommandContext {
  client: CoreClient;
  correlationId: string;
  trace: CallTrace;
  /** Waits for the audit writes still in flight and closes the connections. */
  close(): Promise<void>;
}

export interface ContextOptions {
  settings: Settings;
  io: CommandIO;
  correlationId: string;
  /** Overrides of the retry policy, for commands that may wait longer (clean-up). */
  retryPolicy?: Partial<RetryPolicy>;
  /**
   * True when all calls of the command share one retry budget, counted from its start.
   * A clean-up runs for minutes, so it gives each call its own budget instead.
   */
  sharedRetryBudget?: boolean;
  random?: Random;
}

const cryptoRandom: Random = () => randomInt(0, 2 ** 32) / 2 ** 32;

export function createCommandContext(options: ContextOptions): CommandContext {
  const { settings, io, correlationId } = options;
  const audit = new AuditWriter(
    openAuditLog({ auditDir: settings.paths.auditDir, clock: io.clock }),
    io.stderr,
  );
  const trace: CallTrace = { attempts: undefined };

  const http = createSecureClient({
    coreOrigin: new URL(settings.coreUrl).origin,
    correlationId,
    timeoutMs: settings.timeoutMs,
    clock: io.clock,
    onRecord: (record) => audit.write(requestEntry(correlationId, record)),
  });

  const circuit = new CircuitBreaker({
    name: SESSION_CIRCUIT,
    store: new FileCircuitStore({
      stateDir: settings.paths.stateDir,
      onWarning: (message) => io.stderr.write(`Warning: ${message}\n`),
    }),
    clock: io.clock,
    onWarning: (message) => io.stderr.write(`Warning: ${message}\n`),
    onStateChange: (change) =>
      audit.write({
        correlationId,
        outcome: 'event',
        event: `circuit_${change.to.replace('-', '_')}`,
        circuit: change.circuit,
      }),
  });

  const deadline =
    options.sharedRetryBudget === false
      ? undefined
      : io.clock.now() + resolveRetryPolicy(options.retryPolicy).budgetMs;
  const invoke: ResilientInvoker = (operation, { idempotent, retryableStatuses }) =>
    callWithResilience(circuit, operation, {
      clock: io.clock,
      random: options.random ?? cryptoRandom,
      signal: io.signal,
      idempotent,
      policy: {
        ...options.retryPolicy,
        ...(retryableStatuses === undefined ? {} : { retryableStatuses }),
      },
      deadline,
      onRetry: (event) => {
        trace.attempts = event.attempt;
        if (io.verbose) {
          // On a terminal a spinner may own the current line; clear it first.
          io.stderr.write(io.stderrIsTTY ? CLEAR_LINE : '');
          io.stderr.write(
            `Retrying in ${(event.delayMs / 1000).toFixed(1)} s after attempt ${event.attempt} failed.\n`,
          );
        }
      },
      onGiveUp: (event) => {
        trace.attempts = event.attempts;
      },
    }).catch((error: unknown) => {
      // A call the open circuit stops sends nothing, so no request record covers it.
      if (error instanceof CircuitOpenError) {
        audit.write({
          correlationId,
          outcome: 'refused',
          errorCode: error.code,
          circuit: error.circuit,
          reason: 'circuit open',
        });
      }
      throw error;
    });

  const client = new CoreClient({
    baseUrl: settings.coreUrl,
    apiKey: settings.apiKey,
    requester: http,
    invoke,
    clock: io.clock,
  });

  return {
    client,
    correlationId,
    trace,
    close: async () => {
      await closeQuietly(http);
      await audit.flush();
    },
  };
}

function requestEntry(correlationId: string, record: RequestRecord): AuditEntryInput {
  return {
    correlationId: record.correlationId === '' ? correlationId : record.correlationId,
    outcome: auditOutcome(record.outcome),
    method: record.method,
    url: record.url,
    status: record.status,
    attempt: record.attempt,
    durationMs: record.durationMs,
    errorCode: record.errorCode,
    host: record.host,
    address: record.address,
    reason: record.reason,
  };
}

function auditOutcome(outcome: RequestRecord['outcome']): AuditEntryInput['outcome'] {
  if (outcome === 'ok') {
    return 'success';
  }

  return outcome === 'refused' ? 'refused' : 'error';
}

async function closeQuietly(http: SecureClient): Promise<void> {
  try {
    await http.close();
  } catch {
    // Closing only releases sockets; a failure here cannot change the command's result.
  }
}
