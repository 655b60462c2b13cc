/**
 * Request validation with the Core's 422 body: `{"error": "Validation error", "errors":
 * [{field, message, type}]}`, where `field` is `query.<name>`, `body.<name>`,
 * `body.<name>.<index>` or `body`, and `message` and `type` use pydantic's words, so a
 * client reads the same field errors from the embedded Core as from the deployed one.
 */
import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
  type: string;
}

/** A request that failed validation; the error handler turns it into a 422. */
export class RequestValidationError extends Error {
  readonly problems: FieldProblem[];

  constructor(problems: FieldProblem[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
    this.name = 'RequestValidationError';
    this.problems = problems;
  }
}

/** A request the handler rejects with `{"error": message, "status_code": status}`. */
export class CoreHttpError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'CoreHttpError';
    this.statusCode = statusCode;
  }
}

export interface IntegerBounds {
  min?: number;
  max?: number;
}

type QueryValue = string | string[] | undefined;

/**
 * Reads an integer query parameter; returns undefined when it is absent. Pushes a problem and
 * returns undefined when it is not an integer within `bounds`.
 */
export function queryInteger(
  query: Record<string, QueryValue>,
  name: string,
  bounds: IntegerBounds,
  problems: FieldProblem[],
): number | undefined {
  const raw = query[name];
  if (raw === undefined) {
    return undefined;
  }

  // Like FastAPI, a repeated scalar parameter takes its last value.
  const text = Array.isArray(raw) ? (raw[raw.length - 1] ?? '') : raw;
  const field = `query.${name}`;
  if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    problems.push({
      field,
      message: 'Input should be a valid integer, unable to parse string as an integer',
      type: 'int_parsing',
    });
    return undefined;
  }

  return checkBounds(Number(text), field, bounds, problems);
}

function checkBounds(
  value: number,
  field: string,
  bounds: IntegerBounds,
  problems: FieldProblem[],
): number | undefined {
  if (bounds.min !== undefined && value < bounds.min) {
    problems.push({
      field,
      message: `Input should be greater than or equal to ${bounds.min}`,
      type: 'greater_than_equal',
    });
    return undefined;
  }

  if (bounds.max !== undefined && value > bounds.max) {
    problems.push({
      field,
      message: `Input should be less than or equal to ${bounds.max}`,
      type: 'less_than_equal',
    });
    return undefined;
  }

  return value;
}

/** Parses a JSON body with `schema`; throws `RequestValidationError` with the Core's field errors. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError([
      {
        field: 'body',
        message: 'Input should be a valid dictionary or object to extract fields from',
        type: 'model_attributes_type',
      },
    ]);
  }

  // `reportInput` puts the rejected value on each issue, so a missing field can be told apart from a wrong one.
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) {
    throw new RequestValidationError(result.error.issues.map(toFieldProblem));
  }

  return result.data;
}

function toFieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  const field = ['body', ...issue.path.map(String)].join('.');
  const described = describeIssue(issue);
  return { field, ...described };
}

function describeIssue(issue: z.core.$ZodIssue): { message: string; type: string } {
  switch (issue.code) {
    case 'invalid_type':
      return describeInvalidType(issue.expected, issue.input);
    case 'too_small':
      return {
        message: `Input should be greater than or equal to ${String(issue.minimum)}`,
        type: 'greater_than_equal',
      };
    case 'too_big':
      return {
        message: `Input should be less than or equal to ${String(issue.maximum)}`,
        type: 'less_than_equal',
      };
    case 'custom':
      return { message: 'Input should be a valid datetime', type: 'datetime_parsing' };
    default:
      return { message: issue.message, type: 'value_error' };
  }
}

function describeInvalidType(expected: string, input: unknown): { message: string; type: string } {
  if (input === undefined) {
    return { message: 'Field required', type: 'missing' };
  }

  switch (expected) {
    case 'string':
      return { message: 'Input should be a valid string', type: 'string_type' };
    case 'int':
    case 'number':
      return Number.isFinite(input)
        ? {
            message: 'Input should be a valid integer, got a number with a fractional part',
            type: 'int_from_float',
          }
        : { message: 'Input should be a valid integer', type: 'int_type' };
    case 'boolean':
      return { message: 'Input should be a valid boolean', type: 'bool_type' };
    case 'array':
      return { message: 'Input should be a valid list', type: 'list_type' };
    case 'record':
    case 'object':
      return { message: 'Input should be a valid dictionary', type: 'dict_type' };
    default:
      return { message: `Input should be a valid ${expected}`, type: `${expected}_type` };
  }
}
