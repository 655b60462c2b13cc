/** `mc session export <id>...`: full histories as JSON lines, the format of `cleanup --archive`. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

import type { CoreClient } from '../../../core-client/client.js';
import { HttpStatusError } from '../../../errors/errors.js';
import type { CommandIO } from '../../io.js';
import { plural } from '../../render/time.js';
import { withSpinner } from '../../spinner.js';
import { ArchiveWriter, fetchArchiveRecord } from './archive.js';
import { collectSessionIds } from './session-ids.js';

export interface ExportOptions {
  sessionIds: string[];
  /** File to write; stdout when undefined. */
  output: string | undefined;
}

export async function parseExportOptions(
  args: string[],
  raw: { output?: string },
  stdin: NodeJS.ReadableStream,
): Promise<ExportOptions> {
  return { sessionIds: await collectSessionIds(args, stdin), output: raw.output };
}

export async function runExport(
  options: ExportOptions,
  io: CommandIO,
  client: CoreClient,
): Promise<void> {
  // Checked first, so an unknown id fails the export before any line reaches stdout.
  await withSpinner(io, 'Looking up sessions…', () =>
    requireSessions(client, options.sessionIds, io),
  );
  const writer = options.output === undefined ? undefined : openFresh(partialPath(options.output));

  let complete = false;
  try {
    await withSpinner(io, 'Exporting sessions…', async (spinner) => {
      for (const [index, sessionId] of options.sessionIds.entries()) {
        spinner.update(`Exporting session ${index + 1} of ${options.sessionIds.length}…`);
        const record = await fetchArchiveRecord(client, sessionId);
        if (writer === undefined) {
          io.stdout.write(`${JSON.stringify(record)}\n`);
        } else {
          writer.append([record]);
        }
      }
    });
    complete = true;
  } finally {
    writer?.close();
    if (writer !== undefined && options.output !== undefined) {
      finishOutput(writer.path, options.output, complete);
    }
  }

  if (options.output !== undefined) {
    io.stderr.write(
      `Exported ${plural(options.sessionIds.length, 'session')} to ${options.output}.\n`,
    );
  }
}

async function requireSessions(
  client: CoreClient,
  sessionIds: string[],
  io: CommandIO,
): Promise<void> {
  const missing: string[] = [];
  for (const sessionId of sessionIds) {
    if (!(await client.hasSession(sessionId))) {
      missing.push(sessionId);
    }
  }

  if (missing.length > 0) {
    io.stderr.write(`Not found: ${missing.join(', ')}. Nothing was exported.\n`);
    throw new HttpStatusError({ status: 404, method: 'GET', url: '/v1/sessions/{id}' });
  }
}

/** An export replaces the file: appending to an old export would mix two snapshots. */
function openFresh(path: string): ArchiveWriter {
  writeFileSync(path, '', { mode: 0o600 });
  return new ArchiveWriter(path);
}

/** Returns the file an export writes until it succeeds, so a failed export leaves `output` as it was. */
function partialPath(output: string): string {
  return `${output}.partial`;
}

function finishOutput(partial: string, output: string, complete: boolean): void {
  if (complete) {
    renameSync(partial, output);
  } else {
    rmSync(partial, { force: true });
  }
}
