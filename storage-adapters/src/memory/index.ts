import { GroupCommit, type WriteOp } from '../batch.js';
import { StorageError, messageOf } from '../errors.js';
import type { StorageFaultHooks } from '../faults.js';
import type { StorageAdapter, StoredDoc, StoredUpdate } from '../types.js';
import { sortedWithPrefix } from '../util.js';

interface MemoryDoc {
  snapshot: Uint8Array | null;
  updates: StoredUpdate[];
}

/**
 * The data behind a MemoryStorageAdapter. It outlives the adapter, so a test can close an adapter and open a
 * new one on the same store to simulate an app restart.
 */
export class MemoryStore {
  readonly docs = new Map<string, MemoryDoc>();
  readonly kv = new Map<string, Uint8Array>();
  /** One counter for all docs, so a doc deleted and written again never reuses a seq an old compaction saw. */
  nextSeq = 1;

  /** Bytes held in values (keys and bookkeeping excluded). */
  storedBytes(): number {
    let n = 0;
    for (const d of this.docs.values()) {
      n += d.snapshot?.byteLength ?? 0;
      for (const u of d.updates) n += u.data.byteLength;
    }
    for (const v of this.kv.values()) n += v.byteLength;
    return n;
  }
}

export interface MemoryStorageOptions {
  store?: MemoryStore;
  faults?: StorageFaultHooks;
}

/** A copy, so neither the caller nor the store can change bytes the other holds. */
const copy = (b: Uint8Array): Uint8Array => b.slice();


export class MemoryStorageAdapter implements StorageAdapter {
  readonly store: MemoryStore;
  private readonly faults: StorageFaultHooks;
  private readonly queue: GroupCommit;
  private txCount = 0;

  constructor(options: MemoryStorageOptions = {}) {
    this.store = options.store ?? new MemoryStore();
    this.faults = options.faults ?? {};
    this.queue = new GroupCommit(
      (ops) => this.commit(ops),
      (err) => (err instanceof StorageError ? err : new StorageError('internal', messageOf(err), { cause: err })),
    );
  }

  /** Write transactions the engine was asked to run, counted inside them (checks group commit). */
  get transactions(): number {
    return this.txCount;
  }

  /**
   * Values in ops were already copied when the write was called. Applies the batch to a scratch copy of the
   * touched entries and swaps them in only at the end, so a throw (a fault hook) leaves the store untouched,
   * like a rolled-back transaction.
   */
  private commit(ops: readonly WriteOp[]): number[] {
    this.txCount++;
    const s = this.store;
    const docs = new Map<string, MemoryDoc | null>();
    const kv = new Map<string, Uint8Array | null>();
    let nextSeq = s.nextSeq;
    const docOf = (name: string): MemoryDoc => {
      let d = docs.get(name);
      if (d === undefined || d === null) {
        const old = d === null ? undefined : s.docs.get(name);
        d = { snapshot: old?.snapshot ?? null, updates: old ? [...old.updates] : [] };
        docs.set(name, d);
      }
      return d;
    };
    const seqs = ops.map((op): number => {
      switch (op.kind) {
        case 'append': {
          const seq = nextSeq++;
          docOf(op.doc).updates.push({ seq, data: op.data });
          return seq;
        }
        case 'compact': {
          const d = docOf(op.doc);
          d.snapshot = op.snapshot;
          this.faults.inTransaction?.('compact:snapshot-written');
          d.updates = d.updates.filter((u) => u.seq > op.uptoSeq);
          return 0;
        }
        case 'deleteDoc':
          docs.set(op.doc, null);
          return 0;
        case 'setKv':
          kv.set(op.key, op.value);
          return 0;
        case 'deleteKv':
          kv.set(op.key, null);
          return 0;
      }
    });
    this.faults.inTransaction?.('batch:before-commit');
    for (const [name, d] of docs) {
      if (d === null || (d.snapshot === null && d.updates.length === 0)) s.docs.delete(name);
      else s.docs.set(name, d);
    }
    for (const [key, v] of kv) {
      if (v === null) s.kv.delete(key);
      else s.kv.set(key, v);
    }
    s.nextSeq = nextSeq;
    return seqs;
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    return this.queue.write({ kind: 'append', doc, data: copy(update) });
  }

  compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    return this.queue.write({ kind: 'compact', doc, snapshot: copy(snapshot), uptoSeq }).then(() => undefined);
  }

  deleteDoc(doc: string): Promise<void> {
    return this.queue.write({ kind: 'deleteDoc', doc }).then(() => undefined);
  }

  setKv(key: string, value: Uint8Array): Promise<void> {
    return this.queue.write({ kind: 'setKv', key, value: copy(value) }).then(() => undefined);
  }

  deleteKv(key: string): Promise<void> {
    return this.queue.write({ kind: 'deleteKv', key }).then(() => undefined);
  }

  loadDoc(doc: string): Promise<StoredDoc> {
    return this.queue.read(() => {
      const d = this.store.docs.get(doc);
      return {
        snapshot: d?.snapshot ? copy(d.snapshot) : null,
        updates: d ? d.updates.map((u) => ({ seq: u.seq, data: copy(u.data) })) : [],
      };
    });
  }

  listDocs(prefix?: string): Promise<string[]> {
    return this.queue.read(() => sortedWithPrefix(this.store.docs.keys(), prefix));
  }

  getKv(key: string): Promise<Uint8Array | undefined> {
    return this.queue.read(() => {
      const v = this.store.kv.get(key);
      return v === undefined ? undefined : copy(v);
    });
  }

  listKv(prefix?: string): Promise<string[]> {
    return this.queue.read(() => sortedWithPrefix(this.store.kv.keys(), prefix));
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close(() => undefined);
  }
}
