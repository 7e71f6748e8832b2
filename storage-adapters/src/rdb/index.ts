import { GroupCommit, type WriteOp } from '../batch.js';
import { StorageError } from '../errors.js';
import type { StorageFaultHooks } from '../faults.js';
import type { StorageAdapter, StoredDoc, StoredUpdate } from '../types.js';
import { sortedWithPrefix } from '../util.js';
import { rdbError } from './errors.js';
import { RdbErrorCode as C, isBusinessError, type RdbStore, type ResultSet, type ValueType, type ValuesBucket } from './types.js';

export { rdbError } from './errors.js';
export * from './types.js';

/**
 * Rows stay far below RDB's 2 MB read limit (a bigger row is written fine and then can never be read back),
 * so every value is cut into parts of at most this size and glued together on read.
 */
export const RDB_CHUNK_BYTES = 512 * 1024;

export interface RdbStorageOptions {
  faults?: StorageFaultHooks;
  /** Part size; only tests lower it. */
  chunkBytes?: number;
  /** Waits before each retry of a transiently failed transaction or read (STORE-42); default RDB_RETRY_DELAYS_MS. */
  retryDelaysMs?: readonly number[];
}

/**
 * A write batch or read that failed for a passing reason is run again after these waits (ms), then fails for
 * good. Passing: 14800015 (the database does not respond: its connections are all taken), 14800024/14800025
 * (SQLite busy/locked), 14800047 (the WAL file is over its limit: a checkpoint has to run first, which it can once
 * readers let go) and batchInsertSync's -1 (failed without a reason). About 1.3 s in all, on a slow eMMC.
 */
export const RDB_RETRY_DELAYS_MS: readonly number[] = [20, 100, 400, 800];

/** batchInsertSync said -1: nothing was written, and the SDK gives no reason. */
class BatchInsertFailed extends StorageError {
  constructor(table: string, rows: number) {
    super('internal', `batchInsert into ${table} returned -1 for ${rows} rows`);
  }
}

const TRANSIENT = new Set<number>([C.NOT_RESPONDING, C.SQLITE_BUSY, C.SQLITE_LOCKED, C.WAL_SIZE_OVER_LIMIT]);

function isTransient(err: unknown): boolean {
  return err instanceof BatchInsertFailed || (isBusinessError(err) && TRANSIENT.has(err.code));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// seq comes from a counter in `meta` rather than AUTOINCREMENT, because an update with several parts is
// several rows; the counter never goes back, so a seq is never reused after a compaction or a deleteDoc.
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS updates (doc TEXT NOT NULL, seq INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (doc, seq, part))',
  'CREATE TABLE IF NOT EXISTS snapshots (doc TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (doc, part))',
  'CREATE TABLE IF NOT EXISTS kv (key TEXT NOT NULL, part INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (key, part))',
  'CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
];

const PREFIX = (col: string) => `${col} >= ? AND substr(${col}, 1, length(?)) = ?`;

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Runs `fn` over a query's rows and always closes the ResultSet, whatever happens. */
async function eachRow(store: RdbStore, sql: string, args: ValueType[], fn: (rs: ResultSet) => void): Promise<void> {
  const rs = await store.querySql(sql, args);
  try {
    while (rs.goToNextRow()) fn(rs);
  } finally {
    rs.close();
  }
}

/**
 * OpenHarmony RDB (`@ohos.data.relationalStore`). A batch is fully synchronous between `beginTransaction()`
 * and `commit()` (the *Sync calls of API 12), so no other JS can run inside an open transaction and slip its
 * own statements into it; reads use the async `querySql`, which RDB serves from its reader connections.
 */
export class RdbStorageAdapter implements StorageAdapter {
  private readonly queue: GroupCommit;
  private readonly faults: StorageFaultHooks;
  private readonly chunk: number;
  private readonly retryDelays: readonly number[];
  private txCount = 0;
  private retryCount = 0;

  /** Creates the tables if needed. Takes ownership of `store`: close() closes it. */
  static async open(store: RdbStore, options: RdbStorageOptions = {}): Promise<RdbStorageAdapter> {
    try {
      const retrying = <T>(fn: () => Promise<T>) => retry(fn, options.retryDelaysMs ?? RDB_RETRY_DELAYS_MS, () => undefined);
      for (const sql of SCHEMA) await retrying(() => store.executeSql(sql));
      const nextSeq = await retrying(async () => {
        let n = 1;
        await eachRow(store, "SELECT value FROM meta WHERE name = 'nextSeq'", [], (rs) => {
          n = rs.getLong(0);
        });
        return n;
      });
      return new RdbStorageAdapter(store, nextSeq, options);
    } catch (err) {
      throw rdbError(err);
    }
  }

  private constructor(
    readonly store: RdbStore,
    private nextSeq: number,
    options: RdbStorageOptions,
  ) {
    this.faults = options.faults ?? {};
    this.chunk = options.chunkBytes ?? RDB_CHUNK_BYTES;
    this.retryDelays = options.retryDelaysMs ?? RDB_RETRY_DELAYS_MS;
    this.queue = new GroupCommit((ops) => this.retrying(() => this.commit(ops)), rdbError);
  }

  /** Write transactions the engine was asked to run, counted inside them (checks group commit). */
  get transactions(): number {
    return this.txCount;
  }

  /** Transactions and reads run again after a passing failure (STORE-42). */
  get retries(): number {
    return this.retryCount;
  }

  private retrying<T>(fn: () => T | Promise<T>): Promise<T> {
    return retry(fn, this.retryDelays, () => this.retryCount++);
  }

  private parts(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let at = 0; at < data.byteLength; at += this.chunk) out.push(data.subarray(at, at + this.chunk));
    return out.length ? out : [data];
  }

  private insertAll(table: string, rows: ValuesBucket[]): void {
    if (rows.length === 0) return;
    const n = this.store.batchInsertSync(table, rows);
    // batchInsert reports some failures as -1 instead of throwing: the transaction is rolled back and retried.
    if (n === -1) throw new BatchInsertFailed(table, rows.length);
    if (n !== rows.length) throw new StorageError('internal', `batchInsert into ${table} wrote ${n} of ${rows.length} rows`);
  }

  private commit(ops: readonly WriteOp[]): number[] {
    const s = this.store;
    const firstSeq = this.nextSeq;
    s.beginTransaction();
    this.txCount++;
    try {
      const seqs: number[] = [];
      let pending: ValuesBucket[] = [];
      const flushAppends = () => {
        this.insertAll('updates', pending);
        pending = [];
      };
      for (const op of ops) {
        if (op.kind === 'append') {
          const seq = this.nextSeq++;
          this.parts(op.data).forEach((data, part) => pending.push({ doc: op.doc, seq, part, data }));
          seqs.push(seq);
          continue;
        }
        flushAppends();
        this.apply(op);
        seqs.push(0);
      }
      flushAppends();
      if (this.nextSeq !== firstSeq) {
        s.executeSync("INSERT OR REPLACE INTO meta (name, value) VALUES ('nextSeq', ?)", [this.nextSeq]);
      }
      this.faults.inTransaction?.('batch:before-commit');
      s.commit();
      return seqs;
    } catch (err) {
      this.nextSeq = firstSeq;
      try {
        s.rollBack();
      } catch (rollbackErr) {
        const first = rdbError(err);
        first.suppressed = rollbackErr;
        throw first;
      }
      throw err;
    }
  }

  private apply(op: Exclude<WriteOp, { kind: 'append' }>): void {
    const s = this.store;
    switch (op.kind) {
      case 'compact':
        s.executeSync('DELETE FROM snapshots WHERE doc = ?', [op.doc]);
        this.insertAll('snapshots', this.parts(op.snapshot).map((data, part) => ({ doc: op.doc, part, data })));
        this.faults.inTransaction?.('compact:snapshot-written');
        s.executeSync('DELETE FROM updates WHERE doc = ? AND seq <= ?', [op.doc, op.uptoSeq]);
        return;
      case 'deleteDoc':
        s.executeSync('DELETE FROM updates WHERE doc = ?', [op.doc]);
        s.executeSync('DELETE FROM snapshots WHERE doc = ?', [op.doc]);
        return;
      case 'setKv':
        s.executeSync('DELETE FROM kv WHERE key = ?', [op.key]);
        this.insertAll('kv', this.parts(op.value).map((value, part) => ({ key: op.key, part, value })));
        return;
      case 'deleteKv':
        s.executeSync('DELETE FROM kv WHERE key = ?', [op.key]);
        return;
    }
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    // Copied now: the caller may reuse its buffer before the batch runs.
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
    // One statement for snapshot and tail: a statement reads one consistent state, while two queries could
    // straddle a compaction and see the old snapshot next to the already-trimmed tail.
    return this.queue.read(() => this.retrying(async () => {
      const snapParts: Uint8Array[] = [];
      const updates: StoredUpdate[] = [];
      let seq = -1;
      let parts: Uint8Array[] = [];
      const endUpdate = () => {
        if (parts.length) updates.push({ seq, data: concat(parts) });
        parts = [];
      };
      await eachRow(
        this.store,
        'SELECT 0 AS k, 0 AS seq, part, data FROM snapshots WHERE doc = ? ' +
          'UNION ALL SELECT 1, seq, part, data FROM updates WHERE doc = ? ORDER BY k, seq, part',
        [doc, doc],
        (rs) => {
          if (rs.getLong(0) === 0) {
            snapParts.push(rs.getBlob(3));
            return;
          }
          const rowSeq = rs.getLong(1);
          if (rowSeq !== seq) endUpdate();
          seq = rowSeq;
          parts.push(rs.getBlob(3));
        },
      );
      endUpdate();
      return { snapshot: snapParts.length ? concat(snapParts) : null, updates };
    }));
  }

  listDocs(prefix?: string): Promise<string[]> {
    const where = prefix === undefined ? '' : ` WHERE ${PREFIX('doc')}`;
    const args = prefix === undefined ? [] : [prefix, prefix, prefix, prefix, prefix, prefix];
    return this.queue.read(() =>
      this.retrying(() => this.strings(`SELECT doc FROM snapshots${where} UNION SELECT doc FROM updates${where}`, args, prefix)),
    );
  }

  getKv(key: string): Promise<Uint8Array | undefined> {
    return this.queue.read(() => this.retrying(async () => {
      const parts: Uint8Array[] = [];
      await eachRow(this.store, 'SELECT value FROM kv WHERE key = ? ORDER BY part', [key], (rs) => {
        parts.push(rs.getBlob(0));
      });
      return parts.length ? concat(parts) : undefined;
    }));
  }

  listKv(prefix?: string): Promise<string[]> {
    const where = prefix === undefined ? '' : ` WHERE ${PREFIX('key')}`;
    const args = prefix === undefined ? [] : [prefix, prefix, prefix];
    return this.queue.read(() => this.retrying(() => this.strings(`SELECT DISTINCT key FROM kv${where}`, args, prefix)));
  }

  private async strings(sql: string, args: ValueType[], prefix: string | undefined): Promise<string[]> {
    const out: string[] = [];
    await eachRow(this.store, sql, args, (rs) => {
      out.push(rs.getString(0));
    });
    return sortedWithPrefix(out, prefix);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close(() => this.store.close());
  }
}

/** Runs `fn`; a passing failure (isTransient) runs it again after each of `delays`, then the last failure stands. */
async function retry<T>(fn: () => T | Promise<T>, delays: readonly number[], counted: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = delays[attempt];
      if (wait === undefined || !isTransient(err)) throw err;
      counted();
      await sleep(wait);
    }
  }
}
