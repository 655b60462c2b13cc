/**
 * Where the Core is and how to reach it, decided once per command. Flags override the
 * environment, which overrides the config file; without any of them, a running
 * embedded Core is used, and last the Core's default address on loopback.
 */
import {
  configSchema,
  DEFAULT_CORE_URL,
  DEFAULT_TIMEOUT_SECONDS,
  TIMEOUT_SECONDS_RANGE,
  type Config,
} from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { homePaths, type HomePaths } from '../config/paths.js';
import { ConfigError } from '../errors/errors.js';
import { readCoreRuntime } from '../server/core-files.js';
import { parseIntegerOption } from './options.js';

export type CoreUrlSource = 'flag' | 'environment' | 'config' | 'embedded' | 'default';

export interface Settings {
  paths: HomePaths;
  config: Config;
  coreUrl: string;
  coreUrlSource: CoreUrlSource;
  apiKey: string | undefined;
  timeoutMs: number;
}

export interface GlobalFlags {
  coreUrl?: string;
  timeout?: string;
}

export function resolveSettings(
  home: string,
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv,
): Settings {
  const paths = homePaths(home);
  const config = loadConfig(paths.configFile);
  const { url, source } = resolveCoreUrl(paths, config, flags, env);

  return {
    paths,
    config,
    coreUrl: url,
    coreUrlSource: source,
    apiKey: resolveApiKey(config, env),
    timeoutMs: resolveTimeoutSeconds(config, flags) * 1000,
  };
}

function resolveCoreUrl(
  paths: HomePaths,
  config: Config,
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv,
): { url: string; source: CoreUrlSource } {
  if (flags.coreUrl !== undefined) {
    return { url: checkedCoreUrl(flags.coreUrl, '--core-url'), source: 'flag' };
  }

  const fromEnv = env.MC_CORE_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { url: checkedCoreUrl(fromEnv, 'MC_CORE_URL'), source: 'environment' };
  }

  if (config.core.url !== undefined) {
    return { url: config.core.url, source: 'config' };
  }

  const embedded = readCoreRuntime(paths);
  if (embedded !== undefined) {
    return { url: embedded.url, source: 'embedded' };
  }

  return { url: DEFAULT_CORE_URL, source: 'default' };
}

/** Applies the config file's URL rules to a URL given on the command line or in the environment. */
function checkedCoreUrl(text: string, origin: string): string {
  const result = configSchema.shape.core.unwrap().shape.url.safeParse(text);
  if (!result.success) {
    throw new ConfigError(
      `Invalid Core URL in ${origin}: ${result.error.issues[0]?.message ?? 'not a URL'}`,
    );
  }

  return text;
}

function resolveApiKey(config: Config, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.MC_API_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    const result = configSchema.shape.core.unwrap().shape.apiKey.safeParse(fromEnv);
    if (!result.success) {
      throw new ConfigError(
        `Invalid MC_API_KEY: ${result.error.issues[0]?.message ?? 'invalid value'}`,
      );
    }
    return fromEnv;
  }

  return config.core.apiKey;
}

function resolveTimeoutSeconds(config: Config, flags: GlobalFlags): number {
  if (flags.timeout !== undefined) {
    return parseIntegerOption('--timeout', flags.timeout, TIMEOUT_SECONDS_RANGE);
  }

  return config.core.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
}
