import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { DocHandle } from '../src/doc/docHandle.js';
import { MessageIndex } from '../src/conversation/messageIndex.js';
import { updateDeliveredMark, writeReadMark } from '../src/conversation/receipts.js';
import {
  CONV_MESSAGES,
  CONV_RECEIPTS,
  receiptKey,
  type MessageEntry,
  encodeHlc,
  type DocName,
} from '@concord/protocol';

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
const open: { handle: DocHandle; index: MessageIndex }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.index.destroy();
});

async function device(me: string): Promise<{ handle: DocHandle; index: MessageIndex }> {
  const handle = await DocHandle.open('conv:c1' as DocName, new MemoryStorageAdapter(), random, (err) => {
    throw err;
  });
  const index = new MessageIndex(handle.doc, me);
  open.push({ handle, index });
  return { handle, index };
}

function message(author: string, n: number): MessageEntry {
  return { id: `${author}.m${n}`, author, hlc: encodeHlc(1_000 + n, 0), type: 'text', body: `hello ${n}` };
}

const markOf = (doc: Y.Doc, key: string): unknown => doc.getMap(CONV_RECEIPTS).get(key);

describe('receipt marks', () => {
  it('[RCPT-3] a mark does not move when only other devices\' receipts change, so marks never answer marks', async () => {
    // Bob's device wrote a message and, with the same Yjs client, later only receipt marks.
    const bob = new Y.Doc();
    bob.getMap(CONV_MESSAGES).set('bob.m1', message('bob', 1));
    const alice = await device('alice');
    alice.handle.applyRemote(Y.encodeStateAsUpdate(bob));

    updateDeliveredMark(alice.handle, alice.index, 'alice', 'd1');
    const first = markOf(alice.handle.doc, receiptKey('alice', 'd1'));
    expect(first).toBeDefined();

    // Bob's device answers with a delivered mark of its own: its client's clock moves, no new message arrives.
    const before = Y.encodeStateVector(bob);
    bob.getMap(CONV_RECEIPTS).set(receiptKey('bob', 'd2'), { dsv: 'AA==' });
    alice.handle.applyRemote(Y.encodeStateAsUpdate(bob, before));
    updateDeliveredMark(alice.handle, alice.index, 'alice', 'd1');
    expect(markOf(alice.handle.doc, receiptKey('alice', 'd1'))).toBe(first);

    // A new message does move it.
    const before2 = Y.encodeStateVector(bob);
    bob.getMap(CONV_MESSAGES).set('bob.m2', message('bob', 2));
    alice.handle.applyRemote(Y.encodeStateAsUpdate(bob, before2));
    updateDeliveredMark(alice.handle, alice.index, 'alice', 'd1');
    expect(markOf(alice.handle.doc, receiptKey('alice', 'd1'))).not.toEqual(first);
  });

  it('[RCPT-CLIENT-1] a read mark from the message frontier still covers exactly what was held', async () => {
    const bob = new Y.Doc();
    bob.getMap(CONV_MESSAGES).set('bob.m1', message('bob', 1));
    const alice = await device('alice');
    alice.handle.applyRemote(Y.encodeStateAsUpdate(bob));
    expect(alice.index.unreadCount()).toBe(1);
    writeReadMark(alice.handle, alice.index, 'alice', 'd1', encodeHlc(9_999, 0));
    expect(alice.index.unreadCount()).toBe(0);

    // Written offline earlier (older HLC) but arriving after the mark: still unread.
    const before = Y.encodeStateVector(bob);
    bob.getMap(CONV_MESSAGES).set('bob.m0', { ...message('bob', 0), id: 'bob.m0' });
    alice.handle.applyRemote(Y.encodeStateAsUpdate(bob, before));
    expect(alice.index.unreadCount()).toBe(1);
  });
});
