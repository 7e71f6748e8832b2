import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageClosedError, StorageError } from '../errors.js';
import type { StorageFaultHooks } from '../faults.js';
import type { StorageAdapter, StoredDoc } from '../types.js';

export interface StorageAdapterSetup {
  adapter: StorageAdapter;
  /** Opens the same store again after `adapter.close()`; durable adapters provide it. */
  reopen?: () => Promise<StorageAdapter>;
  /** Transactions committed so far by the adapter last opened, to check group commit. */
  transactions?: () => number;
  teardown: () => Promise<void>;
}

export interface StorageAdapterSetupContext {
  /** Pass this to every adapter the setup opens (reopen included); the suite sets its hooks. */
  faults: StorageFaultHooks;
}

/** Deterministic bytes (xorshift), so a failure shows the same data on every run. */
export function testBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const texts = (d: StoredDoc) => d.updates.map((u) => dec(u.data));

class InjectedFault extends StorageError {
  constructor() {
    super('io', 'injected fault');
  }
}

/**
 * The conformance suite every StorageAdapter must pass. `setup` makes a fresh, empty store per test.
 * Rule IDs are listed in SPEC.md §8.
 */
export function runStorageAdapterTests(
  name: string,
  setup: (ctx: StorageAdapterSetupContext) => Promise<StorageAdapterSetup>,
): void {
  describe(`StorageAdapter conformance: ${name}`, () => {
    let s: StorageAdapterSetup;
    let a: StorageAdapter;
    const faults: StorageFaultHooks = {};

    beforeEach(async () => {
      faults.inTransaction = undefined;
      s = await setup({ faults });
      a = s.adapter;
    });
    afterEach(async () => {
      faults.inTransaction = undefined;
      await s.teardown();
    });

    /** Closes the current adapter and opens the store again, or returns null for a non-durable adapter. */
    async function reopen(): Promise<boolean> {
      if (!s.reopen) return false;
      await a.close();
      a = await s.reopen();
      return true;
    }

    it('[STORE-1] appended updates load in call order with strictly increasing seqs', async () => {
      expect(await a.loadDoc('d')).toEqual({ snapshot: null, updates: [] });
      const first = await a.appendUpdate('d', enc('u0'));
      const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => a.appendUpdate('d', enc(`u${i + 1}`))));
      const last = await a.appendUpdate('d', enc('u51'));
      const seqs = [first, ...burst, last];
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      const loaded = await a.loadDoc('d');
      expect(loaded.snapshot).toBeNull();
      expect(texts(loaded)).toEqual(Array.from({ length: 52 }, (_, i) => `u${i}`));
      expect(loaded.updates.map((u) => u.seq)).toEqual(seqs);
    });

    it('[STORE-2] a seq is never reused, even after compaction or deleteDoc', async () => {
      const s1 = await a.appendUpdate('d', enc('a'));
      const s2 = await a.appendUpdate('d', enc('b'));
      await a.compactDoc('d', enc('snap'), s2);
      const s3 = await a.appendUpdate('d', enc('c'));
      expect(s3).toBeGreaterThan(s2);
      await a.deleteDoc('d');
      const s4 = await a.appendUpdate('d', enc('d'));
      expect(s4).toBeGreaterThan(s3);
      // A stale compaction (its uptoSeq from before the delete) must not touch what came after.
      await a.compactDoc('d', enc('stale'), s3);
      expect(texts(await a.loadDoc('d'))).toEqual(['d']);
      if (await reopen()) expect(await a.appendUpdate('d', enc('e'))).toBeGreaterThan(s4);
      expect(s1).toBeLessThan(s2);
    });

    it('[STORE-3] a burst of 1,000 appends is a handful of transactions and resolves in call order', async () => {
      const before = s.transactions?.() ?? 0;
      const resolved: number[] = [];
      const seqs = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          a.appendUpdate('burst', enc(`m${i}`)).then((seq) => {
            resolved.push(i);
            return seq;
          }),
        ),
      );
      expect(resolved).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      if (s.transactions) expect(s.transactions() - before).toBeLessThanOrEqual(5);
      expect(texts(await a.loadDoc('burst'))).toHaveLength(1000);
    });

    it('[STORE-4] a failed batch rejects every write in it with a StorageError and stores none of it', async () => {
      await a.appendUpdate('d', enc('kept'));
      faults.inTransaction = (p) => {
        if (p === 'batch:before-commit') throw new InjectedFault();
      };
      const results = await Promise.allSettled([
        a.appendUpdate('d', enc('x1')),
        a.setKv('k', enc('v')),
        a.appendUpdate('e', enc('x2')),
        a.deleteDoc('d'),
      ]);
      faults.inTransaction = undefined;
      for (const r of results) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(StorageError);
          expect((r.reason as StorageError).code).toBe('io');
        }
      }
      expect(texts(await a.loadDoc('d'))).toEqual(['kept']);
      expect(await a.loadDoc('e')).toEqual({ snapshot: null, updates: [] });
      expect(await a.getKv('k')).toBeUndefined();
      // The adapter keeps working after a failed batch.
      await a.appendUpdate('d', enc('after'));
      expect(texts(await a.loadDoc('d'))).toEqual(['kept', 'after']);
    });

    it('[STORE-5] compactDoc replaces the snapshot and drops only updates up to uptoSeq', async () => {
      const seqs: number[] = [];
      for (const t of ['a', 'b', 'c']) seqs.push(await a.appendUpdate('d', enc(t)));
      await a.compactDoc('d', enc('S1'), seqs[1]!);
      // Appends called in the same tick as a compaction, after it, stay.
      const p1 = a.compactDoc('d', enc('S2'), seqs[2]!);
      const p2 = a.appendUpdate('d', enc('late'));
      await Promise.all([p1, p2]);
      const loaded = await a.loadDoc('d');
      expect(dec(loaded.snapshot!)).toBe('S2');
      expect(texts(loaded)).toEqual(['late']);
      // A doc that only has a snapshot is still a doc.
      await a.compactDoc('only', enc('S'), 0);
      expect(await a.listDocs()).toEqual(['d', 'only']);
    });

    it('[STORE-6] a compaction that fails midway leaves the old snapshot and the whole tail, also after reopen', async () => {
      const s1 = await a.appendUpdate('d', enc('a'));
      await a.compactDoc('d', enc('old'), s1);
      const s2 = await a.appendUpdate('d', enc('b'));
      await a.appendUpdate('d', enc('c'));
      faults.inTransaction = (p) => {
        if (p === 'compact:snapshot-written') throw new InjectedFault();
      };
      await expect(a.compactDoc('d', enc('new'), s2)).rejects.toBeInstanceOf(StorageError);
      faults.inTransaction = undefined;
      const check = async () => {
        const loaded = await a.loadDoc('d');
        expect(dec(loaded.snapshot!)).toBe('old');
        expect(texts(loaded)).toEqual(['b', 'c']);
      };
      await check();
      if (await reopen()) await check();
      // And a compaction that succeeds duplicates nothing: the folded-in updates are gone from the tail.
      await a.compactDoc('d', enc('new'), s2);
      const loaded = await a.loadDoc('d');
      expect(dec(loaded.snapshot!)).toBe('new');
      expect(texts(loaded)).toEqual(['c']);
    });

    it('[STORE-7] large values (5 MB) round-trip byte for byte', async () => {
      const big = testBytes(5 * 1024 * 1024, 7);
      const big2 = testBytes(3 * 1024 * 1024 + 17, 8);
      await a.appendUpdate('big', big2);
      await a.compactDoc('big', big, 0);
      await a.setKv('big', big);
      const check = async () => {
        const loaded = await a.loadDoc('big');
        expect(Buffer.from(loaded.snapshot!).equals(Buffer.from(big))).toBe(true);
        expect(Buffer.from(loaded.updates[0]!.data).equals(Buffer.from(big2))).toBe(true);
        expect(Buffer.from((await a.getKv('big'))!).equals(Buffer.from(big))).toBe(true);
      };
      await check();
      if (await reopen()) await check();
    });

    it('[STORE-8] binary values are stored untouched and are copied in and out', async () => {
      const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      const input = all.slice();
      const appended = a.appendUpdate('bin', input);
      input.fill(0); // the caller reusing its buffer must not change what is stored
      await appended;
      await a.appendUpdate('bin', new Uint8Array(0));
      await a.setKv('bin', all);
      const loaded = await a.loadDoc('bin');
      expect(loaded.updates[0]!.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(loaded.updates[0]!.data)).toEqual(Array.from(all));
      expect(loaded.updates[1]!.data.byteLength).toBe(0);
      loaded.updates[0]!.data.fill(1);
      const again = await a.loadDoc('bin');
      expect(Array.from(again.updates[0]!.data)).toEqual(Array.from(all));
      expect(Array.from((await a.getKv('bin'))!)).toEqual(Array.from(all));
    });

    it('[STORE-9] 1,000 docs are stored, listed and loaded independently', async () => {
      const names = Array.from({ length: 1000 }, (_, i) => `conv:${String(i).padStart(4, '0')}`);
      await Promise.all(names.map((n) => a.appendUpdate(n, enc(n))));
      expect(await a.listDocs()).toEqual(names);
      expect(await a.listDocs('conv:09')).toEqual(names.slice(900));
      const loaded = await Promise.all(names.map((n) => a.loadDoc(n)));
      loaded.forEach((d, i) => expect(texts(d)).toEqual([names[i]]));
    });

    it('[STORE-10] listDocs and listKv filter by prefix and sort by code unit', async () => {
      const docs = ['user:b', 'conv:2', 'conv:10', 'conv:1', 'c', 'conv:\u00e9', 'conv:\u{1F600}', 'conv:\uFF01'];
      for (const d of docs) await a.appendUpdate(d, enc(d));
      const sorted = [...docs].sort();
      expect(await a.listDocs()).toEqual(sorted);
      expect(await a.listDocs('conv:')).toEqual(sorted.filter((d) => d.startsWith('conv:')));
      expect(await a.listDocs('nope')).toEqual([]);
      expect(await a.listDocs('')).toEqual(sorted);
      for (const k of docs) await a.setKv(k, enc(k));
      expect(await a.listKv()).toEqual(sorted);
      expect(await a.listKv('conv:1')).toEqual(['conv:1', 'conv:10']);
      expect(await a.listKv('%')).toEqual([]);
    });

    it('[STORE-11] kv values round-trip, overwrite and delete', async () => {
      expect(await a.getKv('session')).toBeUndefined();
      await a.setKv('session', enc('one'));
      await a.setKv('session', enc('two'));
      expect(dec((await a.getKv('session'))!)).toBe('two');
      await a.setKv('empty', new Uint8Array(0));
      expect((await a.getKv('empty'))?.byteLength).toBe(0);
      await a.deleteKv('session');
      await a.deleteKv('never-set');
      expect(await a.getKv('session')).toBeUndefined();
      expect(await a.listKv()).toEqual(['empty']);
    });

    it('[STORE-12] deleteDoc removes snapshot and tail of that doc only; unknown docs are fine', async () => {
      const seq = await a.appendUpdate('gone', enc('x'));
      await a.compactDoc('gone', enc('snap'), seq);
      await a.appendUpdate('gone', enc('y'));
      await a.appendUpdate('kept', enc('z'));
      await a.deleteDoc('gone');
      await a.deleteDoc('never-written');
      expect(await a.loadDoc('gone')).toEqual({ snapshot: null, updates: [] });
      expect(texts(await a.loadDoc('kept'))).toEqual(['z']);
      expect(await a.listDocs()).toEqual(['kept']);
    });

    it('[STORE-13] concurrent calls see their own earlier writes and leave a consistent store', async () => {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        ops.push(a.appendUpdate(`doc${i % 7}`, enc(`${i}`)));
        if (i % 10 === 0) ops.push(a.setKv(`k${i}`, enc(`${i}`)));
        if (i % 25 === 0) ops.push(a.loadDoc(`doc${i % 7}`), a.listDocs('doc'), a.listKv());
      }
      // Read-your-writes: a load called right after an append (not awaited) sees it.
      const p = a.appendUpdate('ryw', enc('mine'));
      const seen = await a.loadDoc('ryw');
      expect(texts(seen)).toEqual(['mine']);
      await Promise.all([...ops, p]);
      for (let d = 0; d < 7; d++) {
        const expected = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 7 === d).map(String);
        expect(texts(await a.loadDoc(`doc${d}`))).toEqual(expected);
      }
      expect(await a.listKv()).toHaveLength(20);
    });

    it('[STORE-14] a durable adapter keeps everything across close and reopen', async () => {
      if (!s.reopen) return;
      const seq = await a.appendUpdate('d', enc('a'));
      await a.compactDoc('d', enc('snap'), seq);
      const s2 = await a.appendUpdate('d', enc('b'));
      await a.setKv('k', enc('v'));
      // Not awaited: close() must let queued writes finish first.
      const pending = a.appendUpdate('d', enc('c'));
      await a.close();
      expect(await pending).toBeGreaterThan(s2);
      a = await s.reopen();
      const loaded = await a.loadDoc('d');
      expect(dec(loaded.snapshot!)).toBe('snap');
      expect(texts(loaded)).toEqual(['b', 'c']);
      expect(dec((await a.getKv('k'))!)).toBe('v');
      expect(await a.listDocs()).toEqual(['d']);
    });

    it('[STORE-15] every call after close rejects with StorageClosedError', async () => {
      await a.appendUpdate('d', enc('a'));
      await a.close();
      const calls: (() => Promise<unknown>)[] = [
        () => a.appendUpdate('d', enc('x')),
        () => a.loadDoc('d'),
        () => a.compactDoc('d', enc('s'), 1),
        () => a.listDocs(),
        () => a.deleteDoc('d'),
        () => a.getKv('k'),
        () => a.setKv('k', enc('v')),
        () => a.deleteKv('k'),
        () => a.listKv(),
        () => a.flush(),
      ];
      for (const call of calls) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(StorageClosedError);
        expect((err as StorageClosedError).code).toBe('closed');
      }
      if (s.reopen) a = await s.reopen();
    });

    it('[STORE-16] flush resolves after every earlier write is committed', async () => {
      const seqs = Array.from({ length: 20 }, (_, i) => a.appendUpdate('f', enc(`${i}`)));
      const kv = a.setKv('f', enc('v'));
      let settled = 0;
      for (const p of [...seqs, kv]) void p.then(() => settled++);
      await a.flush();
      // The flush promise settles after the writes' own promises were resolved.
      await Promise.resolve();
      expect(settled).toBe(21);
      if (await reopen()) expect(texts(await a.loadDoc('f'))).toHaveLength(20);
    });
  });
}
