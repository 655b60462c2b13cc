import { describe, expect, it } from 'vitest';

import { decide } from '../../src/cli/commands/session/cleanup-plan.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4, 12);

function session(id: string, daysAgo: number) {
  return { id, lastActive: NOW - daysAgo * DAY, messages: 2 };
}

function actions(decisions: ReturnType<typeof decide>): Record<string, string> {
  return Object.fromEntries(
    decisions.map((d) => [d.session.id, `${d.verdict.action}:${d.verdict.reason}`]),
  );
}

describe('cleanup plan', () => {
  const sessions = [
    session('new', 1),
    session('week', 7),
    session('old', 31),
    session('ancient', 400),
  ];

  it('deletes only sessions older than the cut-off', () => {
    const result = actions(
      decide(sessions, { days: 30, maxSessions: undefined, keep: new Set() }, NOW - 30 * DAY),
    );
    expect(result).toEqual({
      new: 'keep:recent',
      week: 'keep:recent',
      old: 'delete:older-than-days',
      ancient: 'delete:older-than-days',
    });
  });

  it('keeps a session exactly at the cut-off', () => {
    const result = actions(
      decide(
        [session('edge', 30)],
        { days: 30, maxSessions: undefined, keep: new Set() },
        NOW - 30 * DAY,
      ),
    );
    expect(result.edge).toBe('keep:recent');
  });

  it('protects sessions on the keep list', () => {
    const result = actions(
      decide(
        sessions,
        { days: 30, maxSessions: undefined, keep: new Set(['ancient']) },
        NOW - 30 * DAY,
      ),
    );
    expect(result.ancient).toBe('keep:protected');
    expect(result.old).toBe('delete:older-than-days');
  });

  it('keeps sessions whose id the Core rejects', () => {
    const result = actions(
      decide(
        [session('bad id!', 400)],
        { days: 30, maxSessions: undefined, keep: new Set() },
        NOW - 30 * DAY,
      ),
    );
    expect(result['bad id!']).toBe('keep:unaddressable');
  });

  it('keeps only the most recent with max sessions', () => {
    const result = actions(
      decide(sessions, { days: 365, maxSessions: 1, keep: new Set() }, NOW - 365 * DAY),
    );
    expect(result).toEqual({
      new: 'keep:recent',
      week: 'delete:over-max-sessions',
      old: 'delete:over-max-sessions',
      ancient: 'delete:older-than-days',
    });
  });

  it('counts protected sessions towards the maximum', () => {
    const result = actions(
      decide(sessions, { days: 365, maxSessions: 2, keep: new Set(['old']) }, NOW - 365 * DAY),
    );
    expect(result.new).toBe('keep:recent');
    expect(result.week).toBe('keep:recent');
    expect(result.old).toBe('keep:protected');
  });
});
