import { describe, expect, it } from 'vitest';

import { renderTable, wrapText } from '../../src/cli/render/table.js';
import { formatCoreTime, formatRelative, formatUtc } from '../../src/cli/render/time.js';
import { splitTurns } from '../../src/cli/commands/session/show.js';

describe('time rendering', () => {
  const now = Date.UTC(2026, 11, 4, 12, 0, 0);

  it('reads Core times as UTC', () => {
    expect(formatCoreTime('2026-12-04T09:30:00.123456', now, false)).toBe(
      '2026-12-04 09:30:00 UTC',
    );
    expect(formatCoreTime('2026-12-04T09:30:00', now, true)).toBe('2 hours ago');
  });

  it('describes spans relative to now', () => {
    expect(formatRelative(now - 30_000, now)).toBe('just now');
    expect(formatRelative(now - 61_000, now)).toBe('1 minute ago');
    expect(formatRelative(now - 3 * 86_400_000, now)).toBe('3 days ago');
    expect(formatRelative(now + 5 * 60_000, now)).toBe('in 5 minutes');
  });

  it('marks unreadable times', () => {
    expect(formatCoreTime('yesterday', now, false)).toBe('?');
  });

  it('prints the zone', () => {
    expect(formatUtc(0)).toBe('1970-01-01 00:00:00 UTC');
  });
});

describe('table rendering', () => {
  const columns = [
    { header: 'ID', value: (row: { id: string }) => row.id, flexible: true },
    { header: 'N', value: () => '1', align: 'right' as const },
  ];

  it('fits the width by cutting flexible columns', () => {
    const text = renderTable(columns, [{ id: 'x'.repeat(100) }], 40);
    for (const line of text.trimEnd().split('\n')) {
      expect(line.length).toBeLessThanOrEqual(40);
    }
    expect(text).toContain('…');
  });

  it('leaves out optional columns that do not fit', () => {
    const withOptional = [
      { header: 'ID', value: (row: { id: string }) => row.id },
      { header: 'SOURCES', value: () => 'chat, api, discord', flexible: true, optional: true },
    ];
    const narrow = renderTable(withOptional, [{ id: 'x'.repeat(40) }], 45);
    const wide = renderTable(withOptional, [{ id: 'x'.repeat(40) }], 80);

    expect(narrow).not.toContain('SOURCES');
    expect(narrow).toContain('x'.repeat(40));
    expect(wide).toContain('SOURCES');
  });

  it('strips control characters from cells', () => {
    const text = renderTable(columns, [{ id: 'a\u001b[31mred\nb' }], 80);
    expect(text).not.toContain('\u001b');
    expect(text.split('\n')).toHaveLength(3);
  });
});

describe('wrapText', () => {
  it('wraps long lines at the width', () => {
    const lines = wrapText('word '.repeat(40), 30);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(30);
    }
  });
});

describe('splitTurns', () => {
  it('tells user and assistant apart', () => {
    expect(splitTurns('User: hi\nthere\nAssistant: hello')).toEqual([
      { speaker: 'user', text: 'hi\nthere' },
      { speaker: 'assistant', text: 'hello' },
    ]);
  });

  it('keeps other content as one turn', () => {
    expect(splitTurns('a note')).toEqual([{ speaker: 'user', text: 'a note' }]);
  });
});
