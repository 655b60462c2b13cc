/**
 * Which sessions a clean-up deletes, and why. Planning reads every page of the
 * listing (never trusting `total`) and decides from three rules: sessions on the keep
 * list are never deleted; sessions inactive for more than N days are deleted; with a
 * maximum count, only the most recently active sessions up to that count are kept.
 */
import type { SessionInfo } from '../../../contract/schemas.js';
import { isValidSessionId } from '../../../contract/session-id.js';
import type { CoreClient } from '../../../core-client/client.js';
import { fetchTrueTotal, walkSessions } from '../../../core-client/paging.js';
import { lastActiveMs } from './list.js';
import type { PlannedSession } from './cleanup-journal.js';

const DAY_MS = 86_400_000;

export type Verdict =
  | { action: 'keep'; reason: 'protected' | 'recent' | 'unaddressable' }
  | { action: 'delete'; reason: 'older-than-days' | 'over-max-sessions' };

export interface PlanRules {
  days: number;
  maxSessions: number | undefined;
  keep: ReadonlySet<string>;
}

export interface PlanDecision {
  session: PlannedSession;
  verdict: Verdict;
}

export interface CleanupPlan {
  createdAt: number;
  cutoffMs: number;
  decisions: PlanDecision[];
  toDelete: PlannedSession[];
  /** Sessions the Core stores but never listed; the plan cannot act on them. */
  unseen: number;
  coreTotal: number;
}

export async function buildPlan(
  client: CoreClient,
  rules: PlanRules,
  now: number,
  onProgress: (seen: number) => void,
): Promise<CleanupPlan> {
  const sessions: PlannedSession[] = [];
  for await (const session of walkSessions(client, { onPage: (walk) => onProgress(walk.seen) })) {
    sessions.push(toPlanned(session));
  }
  const coreTotal = await fetchTrueTotal(client);

  const cutoffMs = now - rules.days * DAY_MS;
  const decisions = decide(sessions, rules, cutoffMs);
  const toDelete = decisions
    .filter((decision) => decision.verdict.action === 'delete')
    .map((decision) => decision.session)
    .sort((a, b) => a.lastActive - b.lastActive);

  return {
    createdAt: now,
    cutoffMs,
    decisions,
    toDelete,
    unseen: Math.max(0, coreTotal - sessions.length),
    coreTotal,
  };
}

function toPlanned(session: SessionInfo): PlannedSession {
  return {
    id: session.session_id,
    lastActive: lastActiveMs(session),
    messages: session.message_count,
  };
}

/** Applies the rules; the most recently active sessions come first when counting towards the maximum. */
export function decide(
  sessions: PlannedSession[],
  rules: PlanRules,
  cutoffMs: number,
): PlanDecision[] {
  const newestFirst = [...sessions].sort(
    (a, b) => b.lastActive - a.lastActive || a.id.localeCompare(b.id),
  );
  let kept = 0;

  return newestFirst.map((session) => {
    const verdict = judge(session, rules, cutoffMs, kept);
    if (verdict.action === 'keep') {
      kept += 1;
    }
    return { session, verdict };
  });
}

function judge(
  session: PlannedSession,
  rules: PlanRules,
  cutoffMs: number,
  keptSoFar: number,
): Verdict {
  if (rules.keep.has(session.id)) {
    return { action: 'keep', reason: 'protected' };
  }

  // Deployed Cores store any session id a memory names, but their session routes reject
  // ids outside the rule, so such a session cannot be archived or deleted through them.
  if (!isValidSessionId(session.id)) {
    return { action: 'keep', reason: 'unaddressable' };
  }

  if (session.lastActive < cutoffMs) {
    return { action: 'delete', reason: 'older-than-days' };
  }

  if (rules.maxSessions !== undefined && keptSoFar >= rules.maxSessions) {
    return { action: 'delete', reason: 'over-max-sessions' };
  }

  return { action: 'keep', reason: 'recent' };
}

export function describeReason(
  verdict: Verdict,
  days: number,
  maxSessions: number | undefined,
): string {
  switch (verdict.reason) {
    case 'protected':
      return 'on the keep list';
    case 'recent':
      return `active within ${days} days`;
    case 'unaddressable':
      return 'its id cannot be used in a request to the Core';
    case 'older-than-days':
      return `inactive for more than ${days} days`;
    case 'over-max-sessions':
      return `beyond the ${maxSessions ?? 0} most recently active sessions`;
  }
}
