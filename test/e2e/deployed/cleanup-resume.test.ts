/**
 * A clean-up killed with SIGKILL half-way, then resumed: no session deleted twice, none
 * deleted before it was archived whole, and every stale session gone at the end.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startDeployedCore, deletionCounts } from '../../helpers/deployed-core.js';
import { createMcHome, runMc, startMc } from '../../helpers/mc-process.js';
import { useCleanups } from '../../helpers/cleanups.js';

const DAY_MS = 86_400_000;
const STALE_SESSIONS = 1_000;
const RECENT_SESSIONS = 20;
const MESSAGES_PER_SESSION = 2;
const POLL_INTERVAL_MS = 10;
/** The deployed Core fixture sorts every memory on each request, so 1,000 sessions take a while. */
const TEST_TIMEOUT_MS = 120_000;

const cleanups = useCleanups();

/** Journal lines of every clean-up journal under `home`. */
function journalEntries(home: string): Array<{ type: string; batch?: number }> {
  const dir = join(home, 'journal');
  if (!existsSync(dir)) {
    return [];
  }

  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { type: string; batch?: number }];
      } catch {
        // The line being written when the process died may be cut off.
        return [];
      }
    });
}

describe('clean-up killed half-way', () => {
  it(
    'resume finishes without double deletes',
    async () => {
      // The list window defect is off: this test is about the journal, not the listing.
      const core = await startDeployedCore({ rateLimit: false, listFromMemoryWindow: false });
      cleanups.push(() => core.close());
      const recent = core.addSessions({
        count: RECENT_SESSIONS,
        messagesPerSession: MESSAGES_PER_SESSION,
        idPrefix: 'recent',
      });
      const stale = core.addSessions({
        count: STALE_SESSIONS,
        messagesPerSession: MESSAGES_PER_SESSION,
        idPrefix: 'stale',
        newestLastActive: Date.now() - 40 * DAY_MS,
        sessionIntervalMs: 60_000,
      });
      const staleIds = new Set(stale.map((session) => session.sessionId));
      const { home, remove } = createMcHome();
      cleanups.push(remove);
      const archive = join(home, 'archive.jsonl');

      const first = startMc(['session', 'cleanup', '--archive', archive, '--yes'], {
        home,
        coreUrl: core.url,
      });
      let exited = false;
      void first.done.then(() => (exited = true));
      while (
        !exited &&
        !journalEntries(home).some((entry) => entry.type === 'done' && entry.batch === 0)
      ) {
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal).toBe('SIGKILL');
      expect(journalEntries(home).some((entry) => entry.type === 'finished')).toBe(false);
      const deletedBeforeKill = [...deletionCounts(core.requests).keys()];
      expect(deletedBeforeKill.length).toBeGreaterThan(0);
      expect(deletedBeforeKill.length).toBeLessThan(STALE_SESSIONS);

      const resumed = await runMc(['session', 'cleanup', '--resume', '--yes'], {
        home,
        coreUrl: core.url,
        timeoutMs: TEST_TIMEOUT_MS,
      });
      expect(resumed.stderr).not.toContain('❌');
      expect(resumed.exitCode).toBe(0);
      expect(journalEntries(home).some((entry) => entry.type === 'finished')).toBe(true);

      const remaining = new Set(
        core.memories.map((memory) => String(memory.metadata['session_id'])),
      );
      expect(remaining).toEqual(new Set(recent.map((session) => session.sessionId)));

      const counts = deletionCounts(core.requests);
      expect(new Set(counts.keys())).toEqual(staleIds);
      const deletedTwice = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
      expect(deletedTwice).toEqual([]);

      const records = readFileSync(archive, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { session_id: string; messages: unknown[] });
      const archivedIds = records.map((record) => record.session_id);
      expect(new Set(archivedIds)).toEqual(staleIds);
      expect(archivedIds).toHaveLength(STALE_SESSIONS);
      const partial = records.filter((record) => record.messages.length !== MESSAGES_PER_SESSION);
      expect(partial.map((record) => record.session_id)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
