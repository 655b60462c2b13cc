/**
 * Where `mc` keeps its files. Everything it writes lives under one home folder,
 * `MASTERCLAW_HOME` or `~/.masterclaw`, so a test or a demo can point it at a
 * temporary folder and nothing else on the machine is touched.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomePaths {
  home: string;
  configFile: string;
  /** The embedded Core: its database, pid file and log. */
  coreDir: string;
  auditDir: string;
  /** Circuit breaker state shared by `mc` processes. */
  stateDir: string;
  /** Clean-up journals, so an interrupted clean-up can resume. */
  journalDir: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MASTERCLAW_HOME;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return resolve(fromEnv);
  }

  return join(homedir(), '.masterclaw');
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    configFile: join(home, 'config.json'),
    coreDir: join(home, 'core'),
    auditDir: join(home, 'audit'),
    stateDir: join(home, 'state'),
    journalDir: join(home, 'journal'),
  };
}
