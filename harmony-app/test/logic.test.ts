import { seededRandom } from '@concord/test-support';
import { describe, expect, it } from 'vitest';
import type { Keyed } from '@concord/client-core';
import { diff, KeyedListModel, type ListListener } from '../entry/src/main/ets/logic/listModel';
import { Deque } from '../entry/src/main/ets/logic/deque';
import { recordEvents, replayEvents } from './listEvents';

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
      const r = seededRandom(seed);
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

const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => new Row(`${prefix}${i}`));
const seq = (kind: string, from: number, n: number) => Array.from({ length: n }, (_, i) => `${kind}${from + i}`);

describe('Deque', () => {
  it('matches an array under random pushes, prepends, truncations, front drops and writes (seeded)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = seededRandom(seed);
      const d = new Deque<number>();
      let ref: number[] = [];
      let next = 0;
      for (let step = 0; step < 40; step++) {
        const op = r();
        const k = Math.floor(r() * 30);
        const items = Array.from({ length: k }, () => next++);
        if (op < 0.3) {
          d.prepend(items);
          ref = [...items, ...ref];
        } else if (op < 0.6) {
          d.append(items);
          ref = [...ref, ...items];
        } else if (op < 0.75) {
          const keep = Math.floor(r() * (ref.length + 1));
          d.truncate(keep);
          ref = ref.slice(0, keep);
        } else if (op < 0.9) {
          const n = Math.floor(r() * (ref.length + 1));
          d.dropFront(n);
          ref = ref.slice(n);
        } else if (ref.length > 0) {
          const i = Math.floor(r() * ref.length);
          d.setAt(i, -i);
          ref[i] = -i;
        }
        expect(d.length, `seed ${seed}`).toBe(ref.length);
        expect(d.toArray(), `seed ${seed}`).toEqual(ref);
      }
      const a = Math.floor(r() * ref.length);
      expect(d.slice(a, a + 5)).toEqual(ref.slice(a, a + 5));
      expect(d.at(-1)).toBeUndefined();
      expect(d.at(ref.length)).toBeUndefined();
    }
  });
});

describe('KeyedListModel range operations (a chat: pages on top, the newest page at the bottom)', () => {
  it('prepend: one add per new row at 0..k-1, nothing for the rows already there, which keep their objects', () => {
    const m = new KeyedListModel<Row>();
    const loaded = rows('n', 1000);
    m.set(loaded);
    const log = recordEvents(m);
    const page = rows('o', 50);
    m.prepend(page);
    // The old set() would have diffed all 1,050 rows to find the same events; here nothing below the page is read.
    expect(log).toEqual(seq('add', 0, 50));
    expect(m.count()).toBe(1050);
    expect(m.at(0)).toBe(page[0]);
    expect(m.at(50)).toBe(loaded[0]);
    expect(m.at(1049)).toBe(loaded[999]);
    expect(m.all()).toEqual([...page, ...loaded]);
    expect(m.indexOfKey('n0')).toBe(50);
    m.prepend([]);
    expect(log).toHaveLength(50);
  });

  it('replaceAt: a change event only when the version differs', () => {
    const m = new KeyedListModel<Row>();
    m.set(rows('k', 5));
    const log = recordEvents(m);
    m.replaceAt(2, new Row('k2', 'v0'));
    m.replaceAt(3, new Row('k3', 'v1'));
    m.replaceAt(9, new Row('k9', 'v1'));
    expect(log).toEqual(['chg3']);
    expect(m.at(3)!.version).toBe('v1');
  });

  it('replaceFrom: the diff of the tail only, at whole-list indexes; rows above it are not touched', () => {
    const m = new KeyedListModel<Row>();
    const loaded = rows('k', 300);
    m.set(loaded);
    const log = recordEvents(m);
    // The newest page: k251's status ticked, one new message at the end, one arrived in between (late clock).
    const tail = loaded.slice(250).map((x) => (x.key === 'k251' ? new Row('k251', 'read') : x));
    tail.splice(10, 0, new Row('late'));
    tail.push(new Row('new'));
    m.replaceFrom(250, tail);
    expect(log).toEqual(['chg251', 'add260', 'add301']);
    expect(replayEvents(loaded, log, m).map((x) => `${x.key}:${x.version}`)).toEqual(m.all().map((x) => `${x.key}:${x.version}`));
    for (let i = 0; i < 250; i++) expect(m.at(i)).toBe(loaded[i]);
  });

  it('removeFront: deletes at the top, or one reload when most of a long list goes', () => {
    const m = new KeyedListModel<Row>();
    m.set(rows('k', 100));
    const log = recordEvents(m);
    m.removeFront(3);
    expect(log).toEqual(['del0', 'del0', 'del0']);
    expect(m.at(0)!.key).toBe('k3');
    m.prepend(rows('o', 2000));
    log.length = 0;
    m.removeFront(2047);
    expect(log).toEqual(['reload']);
    expect(m.count()).toBe(50);
    expect(m.at(0)!.key).toBe('k50');
  });

  it('random range operations replay to exactly the model (seeded)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = seededRandom(seed);
      const m = new KeyedListModel<Row>();
      m.set(rows(`s${seed}-`, Math.floor(r() * 30)));
      let mirror = m.all().slice();
      let fresh = 0;
      for (let step = 0; step < 20; step++) {
        const log = recordEvents(m);
        const op = r();
        const n = m.count();
        if (op < 0.3) m.prepend(rows(`p${fresh++}-`, Math.floor(r() * 60)));
        else if (op < 0.5 && n > 0) {
          const i = Math.floor(r() * n);
          m.replaceAt(i, new Row(m.at(i)!.key, `v${step}`));
        } else if (op < 0.8) {
          const start = Math.floor(r() * (n + 1));
          const tail = m.all().slice(start).filter(() => r() > 0.2).map((x) => (r() < 0.3 ? new Row(x.key, `v${step}`) : x));
          for (let k = 0; k < Math.floor(r() * 5); k++) tail.splice(Math.floor(r() * (tail.length + 1)), 0, new Row(`t${fresh++}`));
          m.replaceFrom(start, tail);
        } else m.removeFront(Math.floor(r() * (n + 1)));
        mirror = replayEvents(mirror, log, m);
        expect(mirror.map((x) => `${x.key}:${x.version}`), `seed ${seed} step ${step}`).toEqual(m.all().map((x) => `${x.key}:${x.version}`));
      }
    }
  });
});
