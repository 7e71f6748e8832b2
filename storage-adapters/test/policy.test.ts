import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CompactingStorage, StorageError, compactNow, mergeStoredDoc, type StorageAdapter, type StoredDoc } from '@concord/storage-adapters';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { SqliteStorageAdapter } from '@concord/storage-adapters/sqlite';

/** A device doc that writes one flat-map entry per message and hands every update to `sink`. */
function chat(sink: (u: Uint8Array) => void) {
  const doc = new Y.Doc();
  doc.on('update', (u: Uint8Array) => sink(u));
  const messages = doc.getMap<string>('messages');
  let n = 0;
  return {
    doc,
    messages,
    send: () => {
      const id = `alice:${n++}`;
      messages.set(id, JSON.stringify({ id, text: `message ${id} `.padEnd(100, 'x') }));
    },
  };
}

function restore(stored: StoredDoc): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u.data);
  return doc;
}

class GatedMemory extends MemoryStorageAdapter {
  gate: Promise<void> | null = null;
  compactions = 0;
  maxConcurrent = 0;
  private active = 0;
  override async loadDoc(doc: string): Promise<StoredDoc> {
    const loaded = await super.loadDoc(doc);
    if (this.gate) await this.gate;
    return loaded;
  }
  override async compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    this.compactions++;
    this.maxConcurrent = Math.max(this.maxConcurrent, ++this.active);
    try {
      await super.compactDoc(doc, snapshot, uptoSeq);
    } finally {
      this.active--;
    }
  }
}

describe('compaction policy', () => {
  it('[STORE-20] mergeStoredDoc keeps all content, drops deleted content, and keeps updates still missing a dependency', () => {
    const updates: Uint8Array[] = [];
    const c = chat((u) => updates.push(u));
    for (let i = 0; i < 50; i++) c.send();
    for (let i = 0; i < 25; i++) c.messages.delete(`alice:${i}`);
    const merged = mergeStoredDoc({ snapshot: updates[0]!, updates: updates.slice(1).map((data, i) => ({ seq: i + 1, data })) });
    const back = new Y.Doc();
    Y.applyUpdate(back, merged);
    expect(back.getMap('messages').toJSON()).toEqual(c.messages.toJSON());
    expect(merged.byteLength).toBeLessThan(Y.mergeUpdates(updates).byteLength);

    // u2 builds on u1; a store that only holds u2 must still hold it after a merge.
    const parts: Uint8Array[] = [];
    const d = new Y.Doc();
    d.on('update', (u: Uint8Array) => parts.push(u));
    d.getText('t').insert(0, 'hello');
    d.getText('t').insert(5, ' world');
    const onlySecond = mergeStoredDoc({ snapshot: null, updates: [{ seq: 1, data: parts[1]! }] });
    const late = new Y.Doc();
    Y.applyUpdate(late, onlySecond);
    Y.applyUpdate(late, parts[0]!);
    expect(late.getText('t').toString()).toBe('hello world');
  });

  it('[STORE-21] a burst of appends keeps the tail near maxTail and loses nothing', async () => {
    const inner = new MemoryStorageAdapter();
    const store = new CompactingStorage(inner, { maxTail: 50 });
    const pending: Promise<number>[] = [];
    const c = chat((u) => pending.push(store.appendUpdate('conv', u)));
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 100; i++) c.send();
      await Promise.all(pending);
    }
    await store.idle();
    const raw = await inner.loadDoc('conv');
    expect(raw.updates.length).toBeLessThanOrEqual(50);
    expect(raw.snapshot).not.toBeNull();
    expect(restore(await store.loadDoc('conv')).getMap('messages').toJSON()).toEqual(c.messages.toJSON());
    await store.close();
  });

  it('[STORE-22] updates appended while a compaction runs stay, and one doc compacts one at a time', async () => {
    const inner = new GatedMemory();
    const store = new CompactingStorage(inner, { maxTail: 10 });
    const pending: Promise<number>[] = [];
    const c = chat((u) => pending.push(store.appendUpdate('conv', u)));
    let open!: () => void;
    inner.gate = new Promise<void>((r) => (open = r));
    for (let i = 0; i < 20; i++) c.send();
    await Promise.all(pending);
    // The compaction has read the doc and waits at the gate; these land after its uptoSeq.
    for (let i = 0; i < 30; i++) c.send();
    await Promise.all(pending);
    inner.gate = null;
    open();
    await store.idle();
    expect(inner.maxConcurrent).toBe(1);
    expect(inner.compactions).toBeGreaterThanOrEqual(2);
    expect(restore(await inner.loadDoc('conv')).getMap('messages').toJSON()).toEqual(c.messages.toJSON());
    expect(c.messages.size).toBe(50);
  });

  it('[STORE-23] a load that finds a long tail returns one merged snapshot and compacts in the background', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-policy-'));
    try {
      const inner = SqliteStorageAdapter.open(join(dir, 's.db'));
      const c = chat((u) => void inner.appendUpdate('conv', u).catch(() => {}));
      for (let i = 0; i < 500; i++) c.send();
      await inner.flush();
      const store = new CompactingStorage(inner, { maxTail: 200 });
      const loaded = await store.loadDoc('conv');
      expect(loaded.updates).toEqual([]);
      expect(restore(loaded).getMap('messages').toJSON()).toEqual(c.messages.toJSON());
      await store.idle();
      const raw = await inner.loadDoc('conv');
      expect(raw.updates).toEqual([]);
      expect(restore(raw).getMap('messages').size).toBe(500);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[STORE-24] deleting a doc while it compacts does not bring it back', async () => {
    const inner = new GatedMemory();
    const store = new CompactingStorage(inner, { maxTail: 5 });
    let open!: () => void;
    inner.gate = new Promise<void>((r) => (open = r));
    const pending: Promise<number>[] = [];
    const c = chat((u) => pending.push(store.appendUpdate('conv', u)));
    for (let i = 0; i < 10; i++) c.send();
    await Promise.all(pending);
    await store.deleteDoc('conv');
    inner.gate = null;
    open();
    await store.idle();
    expect(await store.listDocs()).toEqual([]);
    expect(inner.compactions).toBe(0);
  });

  it('[STORE-25] after compaction the unacknowledged updates are still found from the server state vector', async () => {
    const store = new CompactingStorage(new MemoryStorageAdapter(), { maxTail: 20 });
    const pending: Promise<number>[] = [];
    const device = chat((u) => pending.push(store.appendUpdate('conv', u)));
    const server = new Y.Doc();
    for (let i = 0; i < 30; i++) device.send();
    // The server acknowledged the first 30 messages, then the link dropped.
    Y.applyUpdate(server, Y.encodeStateAsUpdate(device.doc));
    for (let i = 0; i < 70; i++) device.send();
    await Promise.all(pending);
    await store.idle();
    // App restart: the device doc comes from storage, the outbox from the server's state vector.
    const reloaded = restore(await store.loadDoc('conv'));
    const outbox = Y.encodeStateAsUpdate(reloaded, Y.encodeStateVector(server));
    Y.applyUpdate(server, outbox);
    expect(server.getMap('messages').size).toBe(100);
    expect(server.getMap('messages').toJSON()).toEqual(device.messages.toJSON());
    await store.close();
  });

  it('[STORE-26] a failed background compaction goes to onError as a StorageError and leaves the data intact', async () => {
    const inner = new MemoryStorageAdapter({
      faults: {
        inTransaction: (p) => {
          if (p === 'compact:snapshot-written') throw new StorageError('io', 'disk gone');
        },
      },
    });
    const errors: [StorageError, string][] = [];
    const store = new CompactingStorage(inner, { maxTail: 5, onError: (e, d) => errors.push([e, d]) });
    const pending: Promise<number>[] = [];
    const c = chat((u) => pending.push(store.appendUpdate('conv', u)));
    for (let i = 0; i < 10; i++) c.send();
    await Promise.all(pending);
    await store.idle();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]![0].code).toBe('io');
    expect(errors[0]![1]).toBe('conv');
    const raw = await inner.loadDoc('conv');
    expect(raw.snapshot).toBeNull();
    expect(raw.updates).toHaveLength(10);
    await store.close();
  });

  it('[STORE-27] compactNow folds the whole tail into the snapshot and is a no-op without a tail', async () => {
    const a: StorageAdapter = new MemoryStorageAdapter();
    expect(await compactNow(a, 'conv')).toBeNull();
    const pending: Promise<number>[] = [];
    const c = chat((u) => pending.push(a.appendUpdate('conv', u)));
    for (let i = 0; i < 10; i++) c.send();
    const seqs = await Promise.all(pending);
    const r = await compactNow(a, 'conv');
    expect(r).toMatchObject({ uptoSeq: seqs.at(-1), merged: 10 });
    const raw = await a.loadDoc('conv');
    expect(raw.updates).toEqual([]);
    expect(restore(raw).getMap('messages').toJSON()).toEqual(c.messages.toJSON());
  });
});
