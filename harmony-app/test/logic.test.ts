import { describe, expect, it } from 'vitest';
import {
  badgeText,
  chatTimeLabel,
  humanizedTime,
  timeLabelFlags,
  WORDS_EN,
  WORDS_ZH,
  wordsFor,
} from '../entry/src/main/ets/logic/timeLabels';
import { diff, KeyedListModel, type Keyed, type ListListener } from '../entry/src/main/ets/logic/listModel';

// Local-time constructors keep these tests independent of the machine's time zone.
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
const NOW = at(2026, 3, 12, 15, 30); // Thursday

describe('badgeText', () => {
  it.each([
    [0, ''],
    [-3, ''],
    [Number.NaN, ''],
    [1, '1'],
    [99, '99'],
    [100, '99+'],
    [12345, '99+'],
  ])('%d -> "%s"', (n, text) => expect(badgeText(n)).toBe(text));
});

describe('chatTimeLabel (WeChat rule)', () => {
  it('today shows the clock, yesterday a word, this week the weekday, this year the date, older the year', () => {
    expect(chatTimeLabel(at(2026, 3, 12, 9, 5), NOW, WORDS_EN)).toBe('09:05');
    expect(chatTimeLabel(at(2026, 3, 11, 23, 59), NOW, WORDS_EN)).toBe('Yesterday 23:59');
    expect(chatTimeLabel(at(2026, 3, 9, 8, 0), NOW, WORDS_EN)).toBe('Monday 08:00');
    expect(chatTimeLabel(at(2026, 3, 5, 8, 0), NOW, WORDS_EN)).toBe('Mar 5 08:00');
    expect(chatTimeLabel(at(2025, 12, 31, 22, 1), NOW, WORDS_EN)).toBe('Dec 31, 2025 22:01');
    expect(chatTimeLabel(at(2026, 3, 11, 7, 0), NOW, WORDS_ZH)).toBe('昨天 07:00');
    expect(chatTimeLabel(at(2025, 1, 2, 7, 0), NOW, WORDS_ZH)).toBe('2025年1月2日 07:00');
  });

  it('a time slightly in the future (clock skew) reads as today', () => {
    expect(chatTimeLabel(NOW + 60_000, NOW, WORDS_EN)).toBe('15:31');
  });

  it('groups messages within 2 minutes of the last label, measured from that label', () => {
    const m = 60_000;
    const base = at(2026, 3, 12, 10, 0);
    // 0, +1, +2 share one label; +2:01 gets a new one; a steady stream every 90 s still gets a label every 2 min.
    expect(timeLabelFlags([base, base + m, base + 2 * m, base + 2 * m + 1000])).toEqual([true, false, false, true]);
    const steady = [0, 1, 2, 3, 4].map((i) => base + i * 90_000);
    expect(timeLabelFlags(steady)).toEqual([true, false, true, false, true]);
    expect(timeLabelFlags([])).toEqual([]);
  });
});

describe('humanizedTime (conversation list)', () => {
  it('reads like a chat app', () => {
    expect(humanizedTime(NOW - 10_000, NOW, WORDS_EN)).toBe('Just now');
    expect(humanizedTime(NOW - 5 * 60_000, NOW, WORDS_EN)).toBe('5 min ago');
    expect(humanizedTime(at(2026, 3, 12, 8, 7), NOW, WORDS_EN)).toBe('08:07');
    expect(humanizedTime(at(2026, 3, 11, 8, 7), NOW, WORDS_EN)).toBe('Yesterday');
    expect(humanizedTime(at(2026, 3, 8, 8, 7), NOW, WORDS_EN)).toBe('Sunday');
    expect(humanizedTime(at(2026, 1, 8, 8, 7), NOW, WORDS_ZH)).toBe('1月8日');
    expect(humanizedTime(at(2024, 1, 8, 8, 7), NOW, WORDS_ZH)).toBe('2024年1月8日');
    expect(humanizedTime(0, NOW, WORDS_EN)).toBe('');
    expect(humanizedTime(NOW - 3 * 60_000, NOW, wordsFor('zh-Hans'))).toBe('3分钟前');
    expect(wordsFor('en-US')).toBe(WORDS_EN);
  });
});

class Row implements Keyed {
  constructor(
    readonly key: string,
    readonly version: string = 'v0',
  ) {}
}

/** Replays ops on a copy of prev, the way LazyForEach would. */
function replay(prev: Row[], next: Row[]): Row[] | 'reload' {
  const ops = diff(prev, next);
  if (ops === null) return 'reload';
  const list: (Row | 'stale')[] = prev.slice();
  for (const op of ops) {
    if (op.kind === 'delete') list.splice(op.index, 1);
    else if (op.kind === 'add') list.splice(op.index, 0, next[op.index]!);
    else list[op.index] = next[op.index]!;
  }
  return list as Row[];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('KeyedListModel / diff', () => {
  it('an appended message is one add at the end; a status tick is one change', () => {
    const a = [new Row('1'), new Row('2')];
    expect(diff(a, [...a, new Row('3')])).toEqual([{ kind: 'add', index: 2 }]);
    expect(diff(a, [a[0]!, new Row('2', 'read')])).toEqual([{ kind: 'change', index: 1 }]);
  });

  it('an older page prepended is adds at the top', () => {
    const a = [new Row('5'), new Row('6')];
    expect(diff(a, [new Row('3'), new Row('4'), ...a])).toEqual([
      { kind: 'add', index: 0 },
      { kind: 'add', index: 1 },
    ]);
  });

  it('a conversation jumping to the top is a delete plus an add', () => {
    const a = [new Row('a'), new Row('b'), new Row('c')];
    const ops = diff(a, [new Row('c', 'v1'), new Row('a'), new Row('b')]);
    expect(ops).toEqual([
      { kind: 'delete', index: 2 },
      { kind: 'add', index: 0 },
    ]);
  });

  it('random edits always replay to exactly the new list (seeded; seed printed on failure)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const prev = Array.from({ length: Math.floor(r() * 20) }, (_, i) => new Row(`k${i}`));
      let next = prev.filter(() => r() > 0.2).map((x) => (r() < 0.2 ? new Row(x.key, 'v1') : x));
      if (r() < 0.3 && next.length > 1) next = [next[next.length - 1]!, ...next.slice(0, -1)];
      for (let k = 0; k < Math.floor(r() * 5); k++) next.splice(Math.floor(r() * (next.length + 1)), 0, new Row(`n${seed}-${k}`));
      const out = replay(prev, next);
      if (out !== 'reload') expect(out.map((x) => `${x.key}:${x.version}`), `seed ${seed}`).toEqual(next.map((x) => `${x.key}:${x.version}`));
    }
  });

  it('notifies listeners and reloads when reordering wholesale is cheaper', () => {
    const m = new KeyedListModel<Row>();
    const log: string[] = [];
    const l: ListListener = {
      onReloaded: () => log.push('reload'),
      onAdded: (i) => log.push(`add${i}`),
      onDeleted: (i) => log.push(`del${i}`),
      onChanged: (i) => log.push(`chg${i}`),
    };
    m.addListener(l);
    m.set([new Row('a')]);
    m.set([new Row('a'), new Row('b')]);
    expect(log).toEqual(['add0', 'add1']);
    const many = Array.from({ length: 200 }, (_, i) => new Row(`x${i}`));
    m.set(many);
    m.set(many.slice().reverse());
    expect(log.at(-1)).toBe('reload');
    expect(m.count()).toBe(200);
    expect(m.indexOfKey('x199')).toBe(0);
    m.removeListener(l);
    m.set([]);
    expect(log.at(-1)).toBe('reload');
  });
});
