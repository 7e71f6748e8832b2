import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/index.js';
import { displayOrder, leavesGap, mergeNewest, prependOlder } from '../../src/view/index.js';

const msg = (id: string, author: string, hlc: string): Message => ({ id, author, hlc, sentAt: 0, type: 'text', body: id, edited: false, deleted: false, own: false }) as Message;
const m = (i: number): Message => msg(`m${String(i).padStart(4, '0')}`, i % 2 === 0 ? 'u1' : 'u2', String(1000 + i).padStart(8, '0'));
const range = (from: number, to: number): Message[] => Array.from({ length: to - from }, (_, k) => m(from + k));
const ids = (list: readonly Message[]): string[] => list.map((x) => x.id);

/** A conversation view over messages 0..n-1: the newest page is the last 50, `predecessor` the message before. */
function view(n: number, hidden: ReadonlySet<number> = new Set()) {
  const all = range(0, n).filter((_, i) => !hidden.has(i));
  return {
    page: all.slice(-50),
    predecessor: (id: string) => all[all.findIndex((x) => x.id === id) - 1]?.id,
    older: (before: string) => all.slice(Math.max(0, all.findIndex((x) => x.id === before) - 50), all.findIndex((x) => x.id === before)),
  };
}

describe('chat window', () => {
  it('[WEB-WINDOW-1] a few new messages extend the window: the pages paged in above stay, nothing is lost at the seam', () => {
    let v = view(200);
    let shown = v.page;
    shown = prependOlder(shown, v.older(shown[0]!.id), shown[0]!.id);
    expect(ids(shown)).toEqual(ids(range(100, 200)));
    v = view(210);
    shown = mergeNewest(shown, v.page, v.predecessor);
    // The ten messages that left the newest page are still shown: the window is 100..209 without a hole.
    expect(ids(shown)).toEqual(ids(range(100, 210)));
  });

  it('[WEB-WINDOW-1] more new messages at once than a page holds start the window over at the newest page; paging up fills in order', () => {
    let v = view(100);
    let shown = v.page;
    v = view(220);
    expect(leavesGap(shown[shown.length - 1], v.page[0], v.predecessor)).toBe(true);
    shown = mergeNewest(shown, v.page, v.predecessor);
    expect(ids(shown)).toEqual(ids(range(170, 220)));
    shown = prependOlder(shown, v.older(shown[0]!.id), shown[0]!.id);
    expect(ids(shown)).toEqual(ids(range(120, 220)));
  });

  it('[WEB-WINDOW-1] [FAIL-1] a retried failed message leaves the window once the view hides it; a stale older page is dropped', () => {
    let v = view(120);
    let shown = v.page;
    v = view(121, new Set([119]));
    shown = mergeNewest(shown, v.page, v.predecessor);
    expect(ids(shown)).not.toContain(m(119).id);
    expect(ids(shown)).toEqual([...ids(range(70, 119)), m(120).id]);
    expect(prependOlder(shown, range(0, 5), 'not-the-top')).toEqual(shown);
  });

  it('[ORDER-1] [VIEW-8] display order is HLC, then author, then id', () => {
    const list = [msg('b', 'u2', '01'), msg('a', 'u2', '01'), msg('c', 'u1', '01'), msg('d', 'u0', '00')];
    expect(ids(list.slice().sort(displayOrder))).toEqual(['d', 'c', 'a', 'b']);
  });
});
