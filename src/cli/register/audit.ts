/** `mc audit ...`: the audit log of calls and security refusals. */
import { Command } from 'commander';

import { homePaths } from '../../config/paths.js';
import { parseOptionalInteger } from '../options.js';
import type { CommandRuntime } from './runtime.js';

export function registerAuditCommands(program: Command, runtime: CommandRuntime): void {
  const audit = program.command('audit').description('read and verify the audit log');

  audit
    .command('verify')
    .description('check that no entry was edited, deleted, inserted or reordered')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }) => {
      const { runAuditVerify } = await import('../commands/audit.js');
      await runAuditVerify({ json: raw.json === true }, runtime.io(), homePaths(runtime.home()));
    });

  audit
    .command('show')
    .description('print audit entries')
    .option(
      '--since <when>',
      'only entries newer than a duration (30m, 24h, 7d) or an ISO 8601 date',
    )
    .option('-n, --limit <count>', 'only the newest COUNT entries')
    .option('--json', 'print JSON')
    .action(async (raw: { since?: string; limit?: string; json?: boolean }) => {
      const { runAuditShow } = await import('../commands/audit.js');
      const limit = parseOptionalInteger('--limit', raw.limit, { min: 1, max: 1_000_000 });
      await runAuditShow(
        { since: raw.since, limit, json: raw.json === true },
        runtime.io(),
        homePaths(runtime.home()),
      );
    });
}
