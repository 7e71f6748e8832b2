import { Dexie, type DexieOptions, type Table } from 'dexie';
import { GroupCommit, type WriteOp } from '../batch.js';
import {
  StorageBusyError,
  StorageClosedError,
  StorageConstraintError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
  messageOf,
} from '../errors.js';
import type { StorageFaultHooks } from '../faults.js';
import type { StorageAdapter, StoredDoc } from '../types.js';
import { asUint8Array, sortedWithPrefix } from '../util.js';

interface UpdateRow {
  seq?: number;
  doc: string;
  data: Uint8Array;
}
interface SnapshotRow {
  doc: string;
  data: Uint8Array;
}
interface KvRow {
  key: string;
  value: Uint8Array;
}

export interface IndexedDbStorageOptions {
  /** Database name; one name is one store. */
  name: string;
  /** The IndexedDB factory and key range class; defaults to the globals. Tests pass fake-indexeddb's. */
  indexedDB?: NonNullable<DexieOptions['indexedDB']>;
  IDBKeyRange?: NonNullable<DexieOptions['IDBKeyRange']>;
  faults?: StorageFaultHooks;
}

/** Maps Dexie's error names (which mirror DOMException names, inner errors unwrapped) to typed errors. */
export function indexedDbError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const inner = typeof err === 'object' && err !== null && 'inner' in err && err.inner ? err.inner : undefined;
  if (inner instanceof StorageError) return inner;
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  const innerName = typeof inner === 'object' && inner !== null && 'name' in inner ? String(inner.name) : '';
  const msg = messageOf(err);
  const o = { cause: err };
  for (const n of [name, innerName]) {
    switch (n) {
      case 'DatabaseClosedError':
        return new StorageClosedError(msg, o);
      case 'QuotaExceededError':
        return new StorageQuotaError(msg, o);
      case 'ConstraintError':
        return new StorageConstraintError(msg, o);
      case 'DataError':
      case 'VersionError':
        return new StorageCorruptError(msg, o);
      case 'BlockedError':
      case 'TimeoutError':
        return new StorageBusyError(msg, o);
      case 'UnknownError':
        return new StorageError('io', msg, o);
    }
  }
  return new StorageError('internal', msg, o);
}

/**
 * IndexedDB through Dexie 4. The tail is one object store keyed by an auto-increment seq (IndexedDB never
 * reuses those, even after the newest rows are deleted), with a [doc+seq] index to read one doc in order.
 */
export class IndexedDbStorageAdapter implements StorageAdapter {
  readonly db: Dexie;
  private readonly updates: Table<UpdateRow, number>;
  private readonly snapshots: Table<SnapshotRow, string>;
  private readonly kv: Table<KvRow, string>;
  private readonly queue: GroupCommit;
  private readonly faults: StorageFaultHooks;
  private txCount = 0;

  constructor(options: IndexedDbStorageOptions) {
    const dexieOptions: DexieOptions = {
      // 'strict' so that a resolved append is on disk, as the interface promises (Chrome defaults to relaxed).
      chromeTransactionDurability: 'strict',
      // Dexie's query cache would keep a second copy of every blob read.
      cache: 'disabled',
    };
    if (options.indexedDB) dexieOptions.indexedDB = options.indexedDB;
    if (options.IDBKeyRange) dexieOptions.IDBKeyRange = options.IDBKeyRange;
    this.db = new Dexie(options.name, dexieOptions);
    this.db.version(1).stores({ updates: '++seq, doc, [doc+seq]', snapshots: 'doc', kv: 'key' });
    this.updates = this.db.table('updates');
    this.snapshots = this.db.table('snapshots');
    this.kv = this.db.table('kv');
    this.faults = options.faults ?? {};
    this.queue = new GroupCommit((ops) => this.commit(ops), indexedDbError);
  }

  /** Write transactions the engine was asked to run, counted inside them (checks group commit). */
  get transactions(): number {
    return this.txCount;
  }

  private commit(ops: readonly WriteOp[]): Promise<number[]> {
    return this.db.transaction('rw', [this.updates, this.snapshots, this.kv], async () => {
      this.txCount++;
      const seqs: number[] = [];
      // Consecutive appends go in one bulkAdd: one request per run instead of one per update.
      for (let i = 0; i < ops.length; ) {
        const op = ops[i]!;
        if (op.kind === 'append') {
          const run: UpdateRow[] = [];
          for (let o = ops[i]; o?.kind === 'append'; o = ops[++i]) run.push({ doc: o.doc, data: o.data });
          seqs.push(...(await this.updates.bulkAdd(run, { allKeys: true })));
          continue;
        }
        await this.apply(op);
        seqs.push(0);
        i++;
      }
      this.faults.inTransaction?.('batch:before-commit');
      return seqs;
    });
  }

  private async apply(op: Exclude<WriteOp, { kind: 'append' }>): Promise<void> {
    switch (op.kind) {
      case 'compact':
        await this.snapshots.put({ doc: op.doc, data: op.snapshot });
        this.faults.inTransaction?.('compact:snapshot-written');
        await this.tailRange(op.doc, op.uptoSeq).delete();
        return;
      case 'deleteDoc':
        await this.updates.where('doc').equals(op.doc).delete();
        await this.snapshots.delete(op.doc);
        return;
      case 'setKv':
        await this.kv.put({ key: op.key, value: op.value });
        return;
      case 'deleteKv':
        await this.kv.delete(op.key);
        return;
    }
  }

  private tailRange(doc: string, uptoSeq?: number) {
    return this.updates
      .where('[doc+seq]')
      .between([doc, Dexie.minKey], [doc, uptoSeq ?? Dexie.maxKey], true, uptoSeq !== undefined);
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    // Copied now: the caller may reuse its buffer before the batch runs (structured clone happens later).
    return this.queue.write({ kind: 'append', doc, data: update.slice() });
  }

  compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    return this.queue.write({ kind: 'compact', doc, snapshot: snapshot.slice(), uptoSeq }).then(() => undefined);
  }

  deleteDoc(doc: string): Promise<void> {
    return this.queue.write({ kind: 'deleteDoc', doc }).then(() => undefined);
  }

  setKv(key: string, value: Uint8Array): Promise<void> {
    return this.queue.write({ kind: 'setKv', key, value: value.slice() }).then(() => undefined);
  }

  deleteKv(key: string): Promise<void> {
    return this.queue.write({ kind: 'deleteKv', key }).then(() => undefined);
  }

  loadDoc(doc: string): Promise<StoredDoc> {
    // One read transaction, so a compaction can never fall between the snapshot and the tail.
    return this.queue.read(() =>
      this.db.transaction('r', [this.updates, this.snapshots], async (): Promise<StoredDoc> => {
        const snap = await this.snapshots.get(doc);
        const rows = await this.tailRange(doc).toArray();
        return {
          snapshot: snap ? asUint8Array(snap.data) : null,
          updates: rows.map((r) => ({ seq: r.seq!, data: asUint8Array(r.data) })),
        };
      }),
    );
  }

  listDocs(prefix?: string): Promise<string[]> {
    return this.queue.read(() =>
      this.db.transaction('r', [this.updates, this.snapshots], async () => {
        const [a, b] =
          prefix === undefined
            ? await Promise.all([this.snapshots.toCollection().primaryKeys(), this.updates.orderBy('doc').uniqueKeys()])
            : await Promise.all([
                this.snapshots.where('doc').startsWith(prefix).primaryKeys(),
                this.updates.where('doc').startsWith(prefix).uniqueKeys(),
              ]);
        return sortedWithPrefix([...a, ...b].map(String), prefix);
      }),
    );
  }

  getKv(key: string): Promise<Uint8Array | undefined> {
    return this.queue.read(async () => {
      const row = await this.kv.get(key);
      return row ? asUint8Array(row.value) : undefined;
    });
  }

  listKv(prefix?: string): Promise<string[]> {
    return this.queue.read(async () => {
      const keys =
        prefix === undefined ? await this.kv.toCollection().primaryKeys() : await this.kv.where('key').startsWith(prefix).primaryKeys();
      return sortedWithPrefix(keys, prefix);
    });
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close(() => {
      this.db.close();
    });
  }
}
