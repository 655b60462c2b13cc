/**
 * Reads, checks and writes the configuration file. A file that cannot be used is
 * reported with its path and the problem, and is never overwritten: `mc config set`
 * on a corrupt file fails the same way as any other command.
 */
import { readFileSync, statSync } from 'node:fs';

import { ConfigError } from '../errors/errors.js';
import { writeFileAtomic } from '../util/private-files.js';
import { CONFIG_KEYS, configSchema, type Config, type ConfigKey } from './schema.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function loadConfig(configFile: string): Config {
  const text = readConfigText(configFile);
  if (text === undefined) {
    return configSchema.parse({});
  }

  const raw = parseConfigJson(text, configFile);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(problems, configFile);
  }

  return result.data;
}

/** Far more than any real configuration; a larger file is a mistake, not a config. */
const MAX_CONFIG_BYTES = 1_000_000;

function readConfigText(configFile: string): string | undefined {
  try {
    if (statSync(configFile).size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`the file is larger than ${MAX_CONFIG_BYTES} bytes`, configFile);
    }
    return readFileSync(configFile, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) {
      throw error;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new ConfigError(
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      configFile,
    );
  }
}

function parseConfigJson(text: string, configFile: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ConfigError(`forbidden key "${key}"`, configFile);
      }
      return value;
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw error;
    }
    throw new ConfigError(`not valid JSON (${(error as Error).message})`, configFile);
  }
}

export function findConfigKey(name: string): ConfigKey {
  const key = Object.hasOwn(CONFIG_KEYS, name) ? CONFIG_KEYS[name] : undefined;
  if (key === undefined) {
    const known = Object.keys(CONFIG_KEYS).join(', ');
    throw new ConfigError(`Unknown configuration key "${name}". Known keys: ${known}`);
  }

  return key;
}

export function getConfigValue(config: Config, key: ConfigKey): unknown {
  const [section, field] = key.path;
  const values = (config as Record<string, Record<string, unknown> | undefined>)[section];
  return values?.[field];
}

/**
 * Sets one key and writes the file atomically. The current file is loaded (and so
 * checked) first, and the new whole configuration must pass the schema.
 */
export function setConfigValue(configFile: string, name: string, text: string | undefined): Config {
  const key = findConfigKey(name);
  const current = loadConfig(configFile);
  const [section, field] = key.path;

  const sectionValues = { ...(current as Record<string, Record<string, unknown>>)[section] };
  if (text === undefined) {
    delete sectionValues[field];
  } else {
    sectionValues[field] = key.parse(text);
  }

  const candidate = { ...current, [section]: sectionValues };
  const result = configSchema.safeParse(candidate);
  if (!result.success) {
    const problem = result.error.issues[0]?.message ?? 'invalid value';
    throw new ConfigError(`Invalid value for ${name}: ${problem}`);
  }

  writeFileAtomic(configFile, `${JSON.stringify(result.data, null, 2)}\n`);
  return result.data;
}

/** Shows a secret as its length only: enough to tell that it is set, nothing to leak. */
export function maskSecret(value: string): string {
  return `**** (${value.length} characters)`;
}
