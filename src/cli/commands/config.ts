/**
 * `mc config get | set | unset | list`. Secrets are shown masked unless `--reveal`
 * is given to `get`; `list` always masks them.
 */
import {
  findConfigKey,
  getConfigValue,
  loadConfig,
  maskSecret,
  setConfigValue,
} from '../../config/load.js';
import { CONFIG_KEYS, type ConfigKey } from '../../config/schema.js';
import type { CommandIO } from '../io.js';

export interface ConfigGetOptions {
  key: string;
  reveal: boolean;
}

export function runConfigGet(options: ConfigGetOptions, io: CommandIO, configFile: string): void {
  const key = findConfigKey(options.key);
  const value = getConfigValue(loadConfig(configFile), key);
  if (value === undefined) {
    io.stderr.write(`${options.key} is not set.\n`);
    return;
  }

  io.stdout.write(`${formatValue(key, value, options.reveal)}\n`);
}

export function runConfigSet(key: string, value: string, io: CommandIO, configFile: string): void {
  const definition = findConfigKey(key);
  setConfigValue(configFile, key, value);
  io.stderr.write(
    `Set ${key}${definition.secret ? '' : ` to ${formatValue(definition, definition.parse(value), false)}`}.\n`,
  );
}

export function runConfigUnset(key: string, io: CommandIO, configFile: string): void {
  setConfigValue(configFile, key, undefined);
  io.stderr.write(`Removed ${key}.\n`);
}

export function runConfigList(options: { json: boolean }, io: CommandIO, configFile: string): void {
  const config = loadConfig(configFile);
  const entries = Object.entries(CONFIG_KEYS).map(([name, key]) => {
    const value = getConfigValue(config, key);
    return {
      name,
      value: value === undefined ? undefined : formatValue(key, value, false),
      description: key.description,
    };
  });

  if (options.json) {
    const values = Object.fromEntries(entries.map((entry) => [entry.name, entry.value ?? null]));
    io.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
    return;
  }

  for (const entry of entries) {
    io.stdout.write(`${entry.name} = ${entry.value ?? '(not set)'}\n`);
  }
}

function formatValue(key: ConfigKey, value: unknown, reveal: boolean): string {
  if (key.secret && !reveal && typeof value === 'string') {
    return maskSecret(value);
  }

  return Array.isArray(value) ? value.join(',') : String(value);
}
