/**
 * Clean-up of stale sessions: `mc session cleanup --days 30 --yes` on one embedded
 * Core, against a bare HTTP loop that sends one `DELETE /v1/sessions/{id}` at a time
 * for the same stale sessions on a second, identically seeded Core.
 */
import process from 'node:process';

import { request } from 'undici';

import { BenchHome, totalRequests } from './lib/home.mjs';

const DAY_MS = 86_400_000;
const CLEANUP_DAYS = 30;

/** The seeded data: half of the sessions are stale. */
export const CLEANUP_SEED = { sessions: 20_000, messages: 3, staleRatio: 0.5, randomSeed: 42 };
const EXPECTED_DELETED = Math.round(CLEANUP_SEED.sessions * CLEANUP_SEED.staleRatio);

/**
 * Runs both sides and returns their figures: wall time in milliseconds, requests the
 * Core logged, and for `mc` also the requests its audit log recorded.
 */
export async function benchCleanup() {
  const mc = await measureMcCleanup();
  const loop = await measureDeleteLoop();
  return { mc, loop, ratio: loop.ms / mc.ms };
}

async function measureMcCleanup() {
  const home = BenchHome.create('cleanup-mc');
  try {
    await home.seed(CLEANUP_SEED);
    await home.startCore();

    const logOffset = home.coreLogSize();
    const result = await home.mcOk(['session', 'cleanup', '--days', String(CLEANUP_DAYS), '--yes']);
    checkDeletedLine(result.stdout);

    // The home is fresh, so every audit entry is a request of the clean-up.
    const audit = await home.mcOk(['audit', 'show', '--json']);
    const auditedRequests = JSON.parse(audit.stdout).length;
    // The Core's log is complete only once the Core has stopped and flushed it; neither
    // `audit show` nor `core stop` sends the Core a request.
    await home.stopCore();
    const coreRequests = home.countCoreRequests(logOffset);
    const remaining = await remainingSessions(home);

    return {
      ms: result.ms,
      requests: totalRequests(coreRequests),
      requestsByRoute: Object.fromEntries(coreRequests),
      auditedRequests,
      remaining,
    };
  } finally {
    await home.dispose();
  }
}

async function measureDeleteLoop() {
  const home = BenchHome.create('cleanup-loop');
  try {
    await home.seed(CLEANUP_SEED);
    const staleIds = await findStaleIds(home);
    if (staleIds.length !== EXPECTED_DELETED) {
      throw new Error(`expected ${EXPECTED_DELETED} stale sessions, found ${staleIds.length}`);
    }
    const url = await home.startCore();

    const logOffset = home.coreLogSize();
    const started = process.hrtime.bigint();
    let sent = 0;
    for (const id of staleIds) {
      await deleteOne(url, id);
      sent++;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;

    // The Core's log is complete only once the Core has stopped and flushed it.
    await home.stopCore();
    const coreRequests = home.countCoreRequests(logOffset);
    const remaining = await remainingSessions(home);
    return { ms, requests: totalRequests(coreRequests), sent, remaining };
  } finally {
    await home.dispose();
  }
}

/** Reads the stale ids straight from SQLite, before the clock starts. */
async function findStaleIds(home) {
  const { CoreStore } = await import('../dist/server/store.js');
  const store = CoreStore.open(home.database);
  try {
    return store
      .sessionsInactiveSince(Date.now() - CLEANUP_DAYS * DAY_MS)
      .map((session) => session.sessionId);
  } finally {
    store.close();
  }
}

async function deleteOne(baseUrl, sessionId) {
  const response = await request(`${baseUrl}/v1/sessions/${encodeURIComponent(sessionId)}`, {
    method: 'DELETE',
  });
  const body = await response.body.text();
  if (response.statusCode !== 200) {
    throw new Error(`DELETE ${sessionId} answered ${response.statusCode}: ${body}`);
  }
}

/** Reads how many sessions the Core kept, and rejects unless exactly the fresh half is left. */
async function remainingSessions(home) {
  const { readStoreTotals } = await import('../dist/server/store.js');
  const remaining = readStoreTotals(home.database)?.sessions;
  const expected = CLEANUP_SEED.sessions - EXPECTED_DELETED;
  if (remaining !== expected) {
    throw new Error(`expected ${expected} sessions left after the clean-up, found ${remaining}`);
  }

  return remaining;
}

function checkDeletedLine(stdout) {
  const match = /Deleted (\d+) sessions/.exec(stdout);
  if (match === null || Number(match[1]) !== EXPECTED_DELETED) {
    throw new Error(`mc session cleanup did not report ${EXPECTED_DELETED} deletions: ${stdout}`);
  }
}
