/**
 * The incremental message index (conversation/messageIndex.ts) against the from-scratch reads of model.ts:
 * ORDER-1 order, RCPT-2 unread counts and the client ids a receipt covers.
 */
import { seededRandom } from '@concord/test-support';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { MessageIndex } from '../src/conversation/messageIndex.js';
import { othersFrontier, readMarks, readMessages, unreadCount } from '../src/conversation/model.js';
import {
  CONV_MESSAGES,
  CONV_RECEIPTS,
  receiptKey,
  type MessageEntry,
  encodeClockVector,
  encodeHlc,
  type Hlc,
} from '@concord/protocol';

const ME = 'ann';

function msg(author: string, rnd: string, hlc: Hlc, body = 'hi'): MessageEntry {
  return { id: `${author}.${rnd}`, author, hlc, type: 'text', body };
}

function put(doc: Y.Doc, m: unknown, key = (m as MessageEntry).id): void {
  doc.getMap<unknown>(CONV_MESSAGES).set(key, m);
}

/** The index must say exactly what the full reads say. */
function expectSame(index: MessageIndex, doc: Y.Doc): void {
  const full = readMessages(doc);
  const marks = readMarks(doc);
  expect(index.messages().map((m) => [m.entry.id, m.item])).toEqual(full.map((m) => [m.entry.id, m.item]));
  expect(index.unreadCount()).toBe(unreadCount(full, marks, ME));
  expect(new Map(index.othersFrontier())).toEqual(othersFrontier(full, ME));
  const byKey = (a: { deviceKey: string }, b: { deviceKey: string }): number => (a.deviceKey < b.deviceKey ? -1 : 1);
  expect([...index.marks()].sort(byKey).map(({ userId, deviceKey, dsv, rsv, rhlc }) => ({ userId, deviceKey, dsv, rsv, rhlc }))).toEqual(
    [...marks].sort(byKey),
  );
  expect(index.last()?.entry.id).toBe(full.at(-1)?.entry.id);
  full.forEach((m, i) => {
    expect(index.positionOf(m.entry.id)).toBe(i);
    expect(index.get(m.entry.id)?.entry).toBe(m.entry);
  });
}

describe('message index', () => {
  test('[ORDER-1] entries arriving out of order are inserted in HLC, author, id order; malformed ones are skipped', () => {
    const doc = new Y.Doc();
    const index = new MessageIndex(doc, ME);
    put(doc, msg('bob', 'b', encodeHlc(5, 0)));
    put(doc, msg('ann', 'a', encodeHlc(9, 0)));
    put(doc, msg('cat', 'c', encodeHlc(1, 0)));
    put(doc, msg('ann', 'z', encodeHlc(5, 0)));
    put(doc, { id: 'bob.x', author: 'cat', hlc: encodeHlc(2, 0), type: 'text', body: 'forged author' });
    put(doc, 'not an object', 'bob.y');
    expect(index.messages().map((m) => m.entry.id)).toEqual(['cat.c', 'ann.z', 'bob.b', 'ann.a']);
    expect(index.positionOf('bob.b')).toBe(2);
    expect(index.positionOf('bob.x')).toBe(-1);
    expect(index.newestOthersHlc()).toBe(encodeHlc(5, 0));
    expectSame(index, doc);
  });

  test('an index created over a loaded doc reads what is there; a deleted or replaced key is re-read', () => {
    const doc = new Y.Doc();
    put(doc, msg('bob', 'b', encodeHlc(5, 0)));
    put(doc, msg('cat', 'c', encodeHlc(6, 0)));
    const index = new MessageIndex(doc, ME);
    expect(index.size).toBe(2);
    doc.getMap<unknown>(CONV_MESSAGES).delete('bob.b');
    expectSame(index, doc);
    expect(index.othersFrontier().size).toBe(1);
    // A replaced entry is a new item: what receipts cover changes with it.
    const before = index.get('cat.c')?.item;
    put(doc, msg('cat', 'c', encodeHlc(1, 0), 'again'));
    expect(index.get('cat.c')?.item).not.toEqual(before);
    expectSame(index, doc);
    index.destroy();
    put(doc, msg('bob', 'late', encodeHlc(7, 0)));
    expect(index.size).toBe(1);
  });

  test('[RCPT-2] the unread count follows my read marks, and a message arriving after a mark stays unread', () => {
    const doc = new Y.Doc();
    const index = new MessageIndex(doc, ME);
    put(doc, msg('bob', '1', encodeHlc(1, 0)));
    put(doc, msg('bob', '2', encodeHlc(2, 0)));
    put(doc, msg(ME, '3', encodeHlc(3, 0)));
    expect(index.unreadCount()).toBe(2);
    const receipts = doc.getMap<unknown>(CONV_RECEIPTS);
    const sv = (): string => encodeClockVector(index.othersFrontier());
    receipts.set(receiptKey(ME, 'd1'), { rsv: sv(), rhlc: encodeHlc(1, 0) });
    expect(index.unreadCount()).toBe(1);
    receipts.set(receiptKey('bob', 'd1'), { rsv: sv(), rhlc: encodeHlc(9, 0) });
    expect(index.unreadCount()).toBe(1);
    receipts.set(receiptKey(ME, 'd2'), { rsv: sv(), rhlc: encodeHlc(9, 0) });
    expect(index.unreadCount()).toBe(0);
    // Older HLC, but not covered by the vectors (RCPT-1).
    put(doc, msg('bob', '0', encodeHlc(0, 5)));
    expect(index.unreadCount()).toBe(1);
    // A mark that moves back (only a buggy or hostile device does that) is recounted too.
    receipts.set(receiptKey(ME, 'd2'), { rsv: sv(), rhlc: encodeHlc(0, 1) });
    expectSame(index, doc);
    receipts.delete(receiptKey(ME, 'd1'));
    expectSame(index, doc);
  });

  test('[ORDER-1][RCPT-2] random writes on several docs merged in random order: the index equals the full reads', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
      const users = [ME, ME, 'bob', 'cat'];
      const peers = users.map((user, i) => ({ user, device: `d${i}`, doc: new Y.Doc() }));
      const updates: Uint8Array[] = [];
      for (const p of peers) p.doc.on('update', (u: Uint8Array) => updates.push(u));
      // Peers also learn part of each other's history, so their marks cover others' messages.
      const share = (): void => {
        const [a, b] = [pick(peers), pick(peers)];
        Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)));
      };
      let n = 0;
      for (let step = 0; step < 150; step++) {
        const p = pick(peers);
        const r = rnd();
        if (r < 0.55) {
          // Few distinct stamps, so ties on HLC and author happen.
          put(p.doc, msg(p.user, `m${n++}`, encodeHlc(Math.floor(rnd() * 20), Math.floor(rnd() * 3))));
        } else if (r < 0.8) {
          const sv = Y.decodeStateVector(Y.encodeStateVector(p.doc));
          // Any subset of the peer's whole vector, not only the message frontier: the index must read any mark.
          const vector = encodeClockVector(new Map([...sv].filter(() => rnd() < 0.8)));
          const mark = { dsv: vector, rsv: vector, rhlc: encodeHlc(Math.floor(rnd() * 22), 0) };
          p.doc.getMap<unknown>(CONV_RECEIPTS).set(receiptKey(p.user, p.device), rnd() < 0.05 ? { rsv: 'not base64!' } : mark);
        } else if (r < 0.95) {
          share();
        } else {
          // Hostile: delete or overwrite a key (honest peers never do).
          const keys = [...p.doc.getMap<unknown>(CONV_MESSAGES).keys()];
          if (keys.length > 0) {
            const k = pick(keys);
            if (rnd() < 0.5) p.doc.getMap<unknown>(CONV_MESSAGES).delete(k);
            else put(p.doc, { ...(p.doc.getMap<unknown>(CONV_MESSAGES).get(k) as MessageEntry), body: 'rewritten' });
          }
        }
      }
      // A replica receiving every update in random order (Yjs holds back what misses its dependencies).
      const target = new Y.Doc();
      const early = new MessageIndex(target, ME);
      const order = updates.map((u) => [rnd(), u] as const).sort((a, b) => a[0] - b[0]);
      let late: MessageIndex | null = null;
      order.forEach(([, u], i) => {
        Y.applyUpdate(target, u);
        if (rnd() < 0.1) expectSame(early, target);
        if (i === Math.floor(order.length / 2)) late = new MessageIndex(target, ME);
      });
      try {
        expectSame(early, target);
        if (late !== null) expectSame(late, target);
        expect(early.size).toBeGreaterThan(0);
      } catch (err) {
        throw new Error(`seed ${seed}: ${String(err)}`);
      }
    }
  });
});
