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

const coreUrlSchema = z
  .string()
  .url()
  .refine((text) => /^https?:$/.test(new URL(text).protocol), {
    message: 'must be an http: or https: URL',
  })
  .refine((text) => new URL(text).username === '' && new URL(text).password === '', {
    message: 'must not contain a user name or password; set core.apiKey instead',
  });

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

const asInteger = (text: string): unknown => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);

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
