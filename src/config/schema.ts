/**
 * The configuration file, `MASTERCLAW_HOME/config.json`. Every key a user can set is
 * declared here once, with its schema, so `mc config set` can refuse an unknown key or
 * a bad value before anything is written.
 */
import { z } from 'zod';

import { isValidSessionId } from '../contract/session-id.js';

/** The Core the tool talks to when nothing else is configured: the Core's own default port, on loopback. */
export const DEFAULT_CORE_URL = 'http://127.0.0.1:8000';

/** Request timeout, in seconds, and the range it is clamped to. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const TIMEOUT_SECONDS_RANGE = { min: 1, max: 60 } as const;

/** An absolute http: or https: URL without credentials, checked without throwing on junk. */
const coreUrlSchema = z.string().superRefine((text, context) => {
  const problem = coreUrlProblem(text);
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', message: problem });
  }
});

function coreUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http: or https: URL, such as http://127.0.0.1:8000';
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'must be an http: or https: URL';
  }

  if (url.username !== '' || url.password !== '') {
    return 'must not contain a user name or password; set core.apiKey instead';
  }

  return undefined;
}

const apiKeySchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' });

export const configSchema = z
  .object({
    core: z
      .object({
        url: coreUrlSchema.optional(),
        apiKey: apiKeySchema.optional(),
        timeoutSeconds: z
          .number()
          .int()
          .min(TIMEOUT_SECONDS_RANGE.min)
          .max(TIMEOUT_SECONDS_RANGE.max)
          .optional(),
      })
      .strict()
      .default({}),
    cleanup: z
      .object({
        keep: z
          .array(z.string().refine(isValidSessionId, { message: 'not a valid session id' }))
          .optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export interface ConfigKey {
  path: readonly [string, string];
  description: string;
  secret: boolean;
  /** Turns the text given to `mc config set` into the stored value. */
  parse(text: string): unknown;
}

const asText = (text: string): unknown => text;

/** Numbers become numbers, so the schema reports "expected an integer" for 1.5, not a type error. */
const asInteger = (text: string): unknown => {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
};

const asIdList = (text: string): unknown =>
  text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');

export const CONFIG_KEYS: Readonly<Record<string, ConfigKey>> = {
  'core.url': {
    path: ['core', 'url'],
    description: 'URL of MasterClaw Core',
    secret: false,
    parse: asText,
  },
  'core.apiKey': {
    path: ['core', 'apiKey'],
    description: 'API key sent as X-API-Key',
    secret: true,
    parse: asText,
  },
  'core.timeoutSeconds': {
    path: ['core', 'timeoutSeconds'],
    description: `request timeout in seconds (${TIMEOUT_SECONDS_RANGE.min}-${TIMEOUT_SECONDS_RANGE.max})`,
    secret: false,
    parse: asInteger,
  },
  'cleanup.keep': {
    path: ['cleanup', 'keep'],
    description: 'comma-separated session ids that clean-up never deletes',
    secret: false,
    parse: asIdList,
  },
};
