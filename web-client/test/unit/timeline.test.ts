import { describe, expect, it } from 'vitest';
import { buildTimeline, TIME_GAP_MS, type TimelineMessage } from '../../src/display/timeline.js';

const at = (d: number, h: number, mi: number): number => new Date(2025, 5, d, h, mi).getTime();
const NOW = at(18, 15, 30);
const msg = (id: string, author: string, sentAt: number): TimelineMessage => ({ id, author, sentAt });

describe('timeline', () => {
  it('[WEB-TIME-3] a label before the first message, none within a few minutes, one after a gap', () => {
    const items = buildTimeline([msg('a', 'u1', at(18, 10, 0)), msg('b', 'u2', at(18, 10, 4)), msg('c', 'u1', at(18, 10, 20))], NOW);
    expect(items.map((i) => (i.kind === 'time' ? `[${i.label}]` : i.key))).toEqual(['[10:00]', 'a', 'b', '[10:20]', 'c']);
    expect(items[0]).toMatchObject({ kind: 'time', newDay: true });
    expect(items[3]).toMatchObject({ kind: 'time', newDay: false });
  });

  it('[WEB-TIME-3] the gap is strictly more than five minutes', () => {
    const exact = buildTimeline([msg('a', 'u', at(18, 10, 0)), msg('b', 'u', at(18, 10, 0) + TIME_GAP_MS)], NOW);
    expect(exact.filter((i) => i.kind === 'time')).toHaveLength(1);
    const over = buildTimeline([msg('a', 'u', at(18, 10, 0)), msg('b', 'u', at(18, 10, 0) + TIME_GAP_MS + 1)], NOW);
    expect(over.filter((i) => i.kind === 'time')).toHaveLength(2);
  });

  it('[WEB-TIME-3] a new day is a separator even one minute later, labelled by the WeChat rule', () => {
    const items = buildTimeline([msg('a', 'u', at(16, 23, 59)), msg('b', 'u', at(17, 0, 0)), msg('c', 'u', at(18, 8, 0))], NOW);
    const labels = items.filter((i) => i.kind === 'time');
    expect(labels.map((l) => l.kind === 'time' && [l.label, l.newDay])).toEqual([
      ['Monday 23:59', true],
      ['Yesterday 00:00', true],
      ['08:00', true],
    ]);
  });

  it('[WEB-TIME-3] runs of one author are grouped; a label starts a new run', () => {
    const items = buildTimeline(
      [msg('a', 'u1', at(18, 10, 0)), msg('b', 'u1', at(18, 10, 1)), msg('c', 'u2', at(18, 10, 2)), msg('d', 'u2', at(18, 10, 30))],
      NOW,
    );
    const runs = items.flatMap((i) => (i.kind === 'message' ? [[i.key, i.firstOfRun]] : []));
    expect(runs).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', true],
    ]);
  });

  it('[WEB-TIME-3] no messages, no items', () => {
    expect(buildTimeline([], NOW)).toEqual([]);
  });
});
