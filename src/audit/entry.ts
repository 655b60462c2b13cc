/**
 * What an audit entry may contain. Callers hand in whatever they have; only the fields
 * listed in `FIELD_RULES`, with the right type and shape, reach the log. Anything else
 * (headers, bodies, message contents, the API key) is dropped here, so no caller can
 * leak a secret into the log by passing one field too many.
 */
import { redactText, redactUrl } from './redact.js';

/**
 * `success`: the Core returned a status below 400. `error`: the call failed (HTTP status of 400
 * or more, network failure, timeout, invalid body). `refused`: the client itself
 * refused the call (egress policy, header check, open circuit). `event`: not a call,
 * such as a circuit opening or closing.
 */
export type AuditOutcome = 'success' | 'error' | 'refused' | 'event';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'error', 'refused', 'event'];

export interface AuditEntryInput {
  correlationId: string;
  outcome: AuditOutcome;
  /** HTTP method, upper case. */
  method?: string;
  /** The request URL as the HTTP layer logged it; masked again here. */
  url?: string;
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** 1 for the first try, 2 for the first retry, and so on. */
  attempt?: number;
  durationMs?: number;
  /** An `McError` code (`SSRF_VIOLATION`) or a system code (`ECONNRESET`). */
  errorCode?: string;
  host?: string;
  /** The IP address that was judged or connected to. */
  address?: string;
  /** Reason for a refusal, in a few words. */
  reason?: string;
  /** Name of an event that is not a call, such as `circuit_open`. */
  event?: string;
  /** Name of the circuit an event or refusal concerns. */
  circuit?: string;
}

/** An entry as stored: the sanitised input plus its place in the chain. */
export interface AuditRecord extends AuditEntryInput {
  seq: number;
  /** ISO 8601 time of the append, UTC. */
  time: string;
  /** HMAC-SHA256, hex, over the previous entry's `mac` and this entry; see chain.ts. */
  mac: string;
}

type FieldRule = (value: unknown) => string | number | undefined;

const MAX_TEXT_LENGTH = 200;

const MAX_URL_LENGTH = 2048;

const TOKEN_PATTERN = /^[A-Za-z0-9_.:-]+$/;

const HOST_PATTERN = /^[A-Za-z0-9.:[\]%-]+$/;

const METHOD_PATTERN = /^[A-Z]{1,16}$/;

function shortToken(maxLength: number, pattern: RegExp): FieldRule {
  return (value) =>
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    pattern.test(value)
      ? value
      : undefined;
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function nonNegativeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : undefined;
}

/** The allow-list: every field an entry may hold, and how its value is checked or cleaned. */
const FIELD_RULES: Record<keyof AuditEntryInput, FieldRule> = {
  correlationId: shortToken(64, /^[A-Za-z0-9_-]+$/),
  outcome: (value) =>
    typeof value === 'string' && (AUDIT_OUTCOMES as readonly string[]).includes(value)
      ? value
      : undefined,
  method: shortToken(16, METHOD_PATTERN),
  url: (value) =>
    typeof value === 'string' ? redactUrl(value).slice(0, MAX_URL_LENGTH) : undefined,
  status: (value) => {
    const status = nonNegativeInteger(value);
    return status !== undefined && status >= 100 && status <= 599 ? status : undefined;
  },
  attempt: nonNegativeInteger,
  durationMs: nonNegativeNumber,
  errorCode: shortToken(64, TOKEN_PATTERN),
  host: shortToken(255, HOST_PATTERN),
  address: shortToken(64, HOST_PATTERN),
  reason: (value) =>
    typeof value === 'string' && value.length > 0
      ? redactText(value).slice(0, MAX_TEXT_LENGTH)
      : undefined,
  event: shortToken(64, TOKEN_PATTERN),
  circuit: shortToken(64, TOKEN_PATTERN),
};

/**
 * Keeps the allowed fields of `input` that pass their check, in a fixed order.
 *
 * @throws TypeError when `correlationId` or `outcome` is missing or invalid, because an
 *   entry without them cannot be traced to a command.
 */
export function sanitizeEntry(input: AuditEntryInput): AuditEntryInput {
  const source = input as unknown as Record<string, unknown>;
  const clean: Record<string, string | number> = {};

  for (const [field, rule] of Object.entries(FIELD_RULES)) {
    const value = Object.hasOwn(source, field) ? rule(source[field]) : undefined;
    if (value !== undefined) {
      clean[field] = value;
    }
  }

  if (clean.correlationId === undefined) {
    throw new TypeError('Audit entry needs a valid correlationId');
  }

  if (clean.outcome === undefined) {
    throw new TypeError(`Audit entry needs an outcome, one of ${AUDIT_OUTCOMES.join(', ')}`);
  }

  return clean as unknown as AuditEntryInput;
}

/** Field names a stored record may contain, used by verify to reject foreign fields. */
export const RECORD_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(FIELD_RULES),
  'seq',
  'time',
  'mac',
]);
