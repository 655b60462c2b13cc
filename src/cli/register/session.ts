/** `mc session ...`: the session commands. */
import { Command } from 'commander';

import type { CommandRuntime } from './runtime.js';
import { withCore } from './with-core.js';

export function registerSessionCommands(program: Command, runtime: CommandRuntime): void {
  const session = program
    .command('session')
    .description('list, show, delete and clean up sessions');

  session
    .command('list')
    .description('list sessions, newest activity first')
    .option('-n, --limit <count>', 'sessions per page, 1-500 (default 20)')
    .option('--offset <count>', 'sessions to skip (default 0)')
    .option('--active-within <hours>', 'only sessions active in the last HOURS hours')
    .option('--all', 'every session, page by page')
    .option('--output <format>', 'table, json, ndjson or csv (default table)')
    .option('--json', 'print JSON (same as --output json)')
    .action(async (raw) => {
      const { parseListOptions, runList } = await import('../commands/session/list.js');
      const options = parseListOptions(raw);
      await withCore(runtime, (context, io) => runList(options, io, context.client));
    });

  session
    .command('show')
    .description("show a session's messages, oldest first")
    .argument('<session-id>', 'the session')
    .option('-n, --limit <count>', 'messages per page, 1-100 (default 50)')
    .option('--offset <count>', 'messages to skip (default 0)')
    .option('--all', 'every message')
    .option('--json', 'print JSON')
    .action(async (sessionId: string, raw) => {
      const { parseShowOptions, runShow } = await import('../commands/session/show.js');
      const options = parseShowOptions(sessionId, raw);
      await withCore(runtime, (context, io) => runShow(options, io, context.client));
    });

  session
    .command('delete')
    .description('delete sessions after showing what they hold ("-" reads ids from stdin)')
    .argument('<session-id...>', 'the sessions, or - to read one id per line from stdin')
    .option('-y, --yes', 'delete without asking')
    .option('-f, --force', 'same as --yes')
    .option('--json', 'print the results as JSON')
    .action(async (ids: string[], raw) => {
      const { parseDeleteOptions, runDelete } = await import('../commands/session/delete.js');
      const options = await parseDeleteOptions(ids, raw, runtime.io().stdin);
      await withCore(runtime, (context, io) => runDelete(options, io, context.client));
    });

  session
    .command('stats')
    .description('session statistics')
    .option('--json', 'print JSON')
    .action(async (raw: { json?: boolean }) => {
      const { runStats } = await import('../commands/session/stats.js');
      await withCore(runtime, (context, io) =>
        runStats({ json: raw.json === true }, io, context.client),
      );
    });

  session
    .command('cleanup')
    .description('delete sessions inactive for more than N days, after a plan and a confirmation')
    .option('--days <days>', 'delete sessions inactive for more than DAYS days (default 30)')
    .option('--max-sessions <count>', 'also keep at most COUNT sessions, the most recently active')
    .option(
      '--keep <session-id...>',
      'sessions never to delete (adds to cleanup.keep in the config)',
    )
    .option('--dry-run', 'print the plan and stop')
    .option('-y, --yes', 'delete without asking')
    .option(
      '--archive <file>',
      'write each session in full to FILE (JSON lines) before deleting it',
    )
    .option('--resume', 'continue the last clean-up that was cut short')
    .option('--abandon', 'discard the last clean-up that was cut short')
    .option('--json', 'print the plan or the result as JSON')
    .action(async (raw) => {
      const { parseCleanupOptions, runCleanup, CLEANUP_RETRY_POLICY } =
        await import('../commands/session/cleanup.js');
      const options = await parseCleanupOptions(raw);
      await withCore(
        runtime,
        (context, io, settings) => runCleanup(options, io, context, settings),
        {
          retryPolicy: CLEANUP_RETRY_POLICY,
          sharedRetryBudget: false,
        },
      );
    });

  session
    .command('export')
    .description('write sessions in full as JSON lines, the format of --archive')
    .argument('<session-id...>', 'the sessions, or - to read one id per line from stdin')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action(async (ids: string[], raw: { output?: string }) => {
      const { parseExportOptions, runExport } = await import('../commands/session/export.js');
      const options = await parseExportOptions(ids, raw, runtime.io().stdin);
      await withCore(runtime, (context, io) => runExport(options, io, context.client));
    });

  session
    .command('import')
    .description('put sessions from an export or archive file back into the Core')
    .argument('<file>', 'JSON lines written by export or cleanup --archive')
    .action(async (file: string) => {
      const { parseImportFile, runImport } = await import('../commands/session/import.js');
      const sessions = await parseImportFile(file);
      await withCore(runtime, (context, io) => runImport(sessions, io, context.client));
    });
}
