import { describe, expect, it } from 'vitest';
import { buildTimeline, NO_LABEL_YET, showsTimeLabel, timeLabelFlags, TIME_GROUP_MS, type TimelineMessage } from '../../src/view/index.js';

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

  it('[WEB-TIME-3] [VIEW-3] the gap is strictly more than five minutes since the last label', () => {
    const exact = buildTimeline([msg('a', 'u', at(18, 10, 0)), msg('b', 'u', at(18, 10, 0) + TIME_GROUP_MS)], NOW);
    expect(exact.filter((i) => i.kind === 'time')).toHaveLength(1);
    const over = buildTimeline([msg('a', 'u', at(18, 10, 0)), msg('b', 'u', at(18, 10, 0) + TIME_GROUP_MS + 1)], NOW);
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

  it('[VIEW-3] measured from the last label, so a steady conversation still gets a time every five minutes', () => {
    const m = 60_000;
    const base = at(18, 10, 0);
    expect(timeLabelFlags([base, base + 2 * m, base + 5 * m, base + 5 * m + 1000])).toEqual([true, false, false, true]);
    const steady = [0, 1, 2, 3, 4].map((i) => base + i * 3 * m);
    expect(timeLabelFlags(steady)).toEqual([true, false, true, false, true]);
    expect(timeLabelFlags([])).toEqual([]);
    // A clock that went back (an earlier stamp sorted later) is labelled too.
    expect(timeLabelFlags([base, base - m])).toEqual([true, true]);
  });

  it('[VIEW-3] showsTimeLabel is timeLabelFlags one step at a time, so a list can relabel from any row given the anchor above it', () => {
    const times = [0, 30, 90, 125, 200, 200, 321, 10_000, 9_000, 9_100].map((s) => at(18, 9, 0) + s * 1000);
    const flags = timeLabelFlags(times);
    let anchor = NO_LABEL_YET;
    const anchors: number[] = [];
    times.forEach((t, i) => {
      const show = showsTimeLabel(t, anchor);
      expect(show, `message ${i}`).toBe(flags[i]);
      if (show) anchor = t;
      anchors.push(anchor);
    });
    let a = anchors[3]!;
    for (let i = 4; i < times.length; i++) {
      const show = showsTimeLabel(times[i]!, a);
      expect(show).toBe(flags[i]);
      if (show) a = times[i]!;
    }
  });
});
