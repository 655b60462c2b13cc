/**
 * A clean-up that died while its deletion request was in flight: the journal records
 * the ids that request carried, but not its outcome. Resuming must settle exactly those
 * ids, and never delete a session of the batch that the first run had skipped.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseCoreDatetime } from '../../../src/contract/datetime.js';
import { startDeployedCore, deletedSessionIds } from '../../helpers/deployed-core.js';
import { createMcHome, runMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const DAY_MS = 86_400_000;

const cleanups = useCleanups();

describe('clean-up resumed after an in-flight batch', () => {
  it('settles only the ids that were sent', async () => {
    const core = await startDeployedCore({ rateLimit: false, listFromMemoryWindow: false });
    cleanups.push(() => core.close());
    const [gone, sent, skipped] = core.addSessions({
      count: 3,
      messagesPerSession: 2,
      idPrefix: 'stale',
      newestLastActive: Date.now() - 40 * DAY_MS,
    });
    if (gone === undefined || sent === undefined || skipped === undefined) {
      throw new Error('fixture did not create three sessions');
    }

    // The interrupted request had already deleted `gone` on the Core.
    for (let index = core.memories.length - 1; index >= 0; index -= 1) {
      if (core.memories[index]?.metadata.session_id === gone.sessionId) {
        core.memories.splice(index, 1);
      }
    }

    const { home, remove } = createMcHome();
    cleanups.push(remove);
    const journalDir = join(home, 'journal');
    mkdirSync(journalDir, { recursive: true });
    const planned = [gone, sent, skipped].map((session) => ({
      id: session.sessionId,
      lastActive: parseCoreDatetime(session.lastActive) ?? 0,
      messages: session.messageCount,
    }));
    const journal = join(journalDir, 'cleanup-interrupted.jsonl');
    writeFileSync(
      journal,
      [
        {
          type: 'plan',
          createdAt: Date.now() - 60_000,
          batchSize: 200,
          archive: null,
          sessions: planned,
        },
        { type: 'deleting', batch: 0, ids: [gone.sessionId, sent.sessionId] },
      ]
        .map((entry) => `${JSON.stringify(entry)}\n`)
        .join(''),
    );

    const result = await runMc(['session', 'cleanup', '--resume', '--yes'], {
      home,
      coreUrl: core.url,
    });

    expect(result.exitCode).toBe(0);
    expect(deletedSessionIds(core.requests)).toEqual([sent.sessionId]);
    const remaining = new Set(core.memories.map((memory) => memory.metadata.session_id));
    expect(remaining.has(sent.sessionId)).toBe(false);
    expect(remaining.has(skipped.sessionId)).toBe(true);
    expect(readFileSync(journal.replace(/\.jsonl$/, '.finished.jsonl'), 'utf8')).toContain(
      '"type":"finished"',
    );
  });
});
