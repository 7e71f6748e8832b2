import Database from 'better-sqlite3';
import { GroupCommit, type WriteOp } from '../batch.js';
import {
  StorageBusyError,
  StorageClosedError,
  StorageConstraintError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
  StorageTooBigError,
  messageOf,
} from '../errors.js';
import type { StorageFaultHooks } from '../faults.js';
import type { StorageAdapter, StoredDoc } from '../types.js';
import { asUint8Array, sortedWithPrefix } from '../util.js';

export interface SqliteStorageOptions {
  faults?: StorageFaultHooks;
}

// AUTOINCREMENT, not a plain rowid: after a compaction deletes the newest rows a plain rowid would hand out
// their seqs again, and a stale compaction (uptoSeq from before) could then delete a newer update.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, seq);
CREATE TABLE IF NOT EXISTS snapshots (doc TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);
`;

// `doc >= @p` lets the index skip ahead; substr/length count characters on both sides, so the test is exact.
const PREFIX = (col: string) => `${col} >= @p AND substr(${col}, 1, length(@p)) = @p`;

/** Maps better-sqlite3's SqliteError (its `code` is the extended SQLite result code name) to typed errors. */
export function sqliteError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const msg = messageOf(err);
  const o = { cause: err };
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new StorageCorruptError(msg, o);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StorageBusyError(msg, o);
  if (code === 'SQLITE_FULL') return new StorageQuotaError(msg, o);
  if (code === 'SQLITE_TOOBIG') return new StorageTooBigError(msg, o);
  if (code.startsWith('SQLITE_CONSTRAINT')) return new StorageConstraintError(msg, o);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return new StorageError('io', msg, o);
  // better-sqlite3 throws a plain TypeError for any call on a closed handle.
  if (err instanceof TypeError && /not open/.test(msg)) return new StorageClosedError(msg, o);
  return new StorageError('internal', msg, o);
}

/**
 * SQLite for Node through better-sqlite3. WAL with synchronous=FULL: an append resolves only after its
 * commit is on disk, and group commit keeps that to one fsync per batch rather than per update.
 */
export class SqliteStorageAdapter implements StorageAdapter {
  private readonly queue: GroupCommit;
  private readonly faults: StorageFaultHooks;
  private readonly st;
  private txCount = 0;

  /** Opens (creating if needed) the file at `filename`; `:memory:` works for throwaway stores. */
  static open(filename: string, options: SqliteStorageOptions = {}): SqliteStorageAdapter {
    let db: Database.Database;
    try {
      db = new Database(filename);
    } catch (err) {
      throw sqliteError(err);
    }
    return new SqliteStorageAdapter(db, options);
  }

  /** Takes ownership of `db`: close() closes it. */
  constructor(
    readonly db: Database.Database,
    options: SqliteStorageOptions = {},
  ) {
    this.faults = options.faults ?? {};
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
      this.st = {
        append: db.prepare<[string, Uint8Array]>('INSERT INTO updates (doc, data) VALUES (?, ?)'),
        putSnapshot: db.prepare<[string, Uint8Array]>(
          'INSERT INTO snapshots (doc, data) VALUES (?, ?) ON CONFLICT (doc) DO UPDATE SET data = excluded.data',
        ),
        trimTail: db.prepare<[string, number]>('DELETE FROM updates WHERE doc = ? AND seq <= ?'),
        deleteUpdates: db.prepare<[string]>('DELETE FROM updates WHERE doc = ?'),
        deleteSnapshot: db.prepare<[string]>('DELETE FROM snapshots WHERE doc = ?'),
        setKv: db.prepare<[string, Uint8Array]>(
          'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        ),
        deleteKv: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
        snapshot: db.prepare<[string], { data: Uint8Array }>('SELECT data FROM snapshots WHERE doc = ?'),
        tail: db.prepare<[string], { seq: number; data: Uint8Array }>(
          'SELECT seq, data FROM updates WHERE doc = ? ORDER BY seq',
        ),
        getKv: db.prepare<[string], { value: Uint8Array }>('SELECT value FROM kv WHERE key = ?'),
        docs: db.prepare<[], { doc: string }>('SELECT doc FROM snapshots UNION SELECT doc FROM updates'),
        docsWith: db.prepare<[{ p: string }], { doc: string }>(
          `SELECT doc FROM snapshots WHERE ${PREFIX('doc')} UNION SELECT doc FROM updates WHERE ${PREFIX('doc')}`,
        ),
        keys: db.prepare<[], { key: string }>('SELECT key FROM kv'),
        keysWith: db.prepare<[{ p: string }], { key: string }>(`SELECT key FROM kv WHERE ${PREFIX('key')}`),
      };
    } catch (err) {
      throw sqliteError(err);
    }
    const runBatch = db.transaction((ops: readonly WriteOp[]) => {
      this.txCount++;
      const seqs = ops.map((op) => this.apply(op));
      this.faults.inTransaction?.('batch:before-commit');
      return seqs;
    });
    this.queue = new GroupCommit((ops) => runBatch(ops), sqliteError);
  }

  /** Write transactions the engine was asked to run, counted inside them (checks group commit). */
  get transactions(): number {
    return this.txCount;
  }

  private apply(op: WriteOp): number {
    const st = this.st;
    switch (op.kind) {
      case 'append':
        return Number(st.append.run(op.doc, op.data).lastInsertRowid);
      case 'compact':
        st.putSnapshot.run(op.doc, op.snapshot);
        this.faults.inTransaction?.('compact:snapshot-written');
        st.trimTail.run(op.doc, op.uptoSeq);
        return 0;
      case 'deleteDoc':
        st.deleteUpdates.run(op.doc);
        st.deleteSnapshot.run(op.doc);
        return 0;
      case 'setKv':
        st.setKv.run(op.key, op.value);
        return 0;
      case 'deleteKv':
        st.deleteKv.run(op.key);
        return 0;
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
    // Both reads in one transaction, so a compaction can never fall between them.
    return this.queue.read(
      this.db.transaction((): StoredDoc => {
        const snap = this.st.snapshot.get(doc);
        return {
          snapshot: snap ? asUint8Array(snap.data) : null,
          updates: this.st.tail.all(doc).map((r) => ({ seq: r.seq, data: asUint8Array(r.data) })),
        };
      }),
    );
  }

  listDocs(prefix?: string): Promise<string[]> {
    return this.queue.read(() => {
      const rows = prefix === undefined ? this.st.docs.all() : this.st.docsWith.all({ p: prefix });
      return sortedWithPrefix(
        rows.map((r) => r.doc),
        prefix,
      );
    });
  }

  getKv(key: string): Promise<Uint8Array | undefined> {
    return this.queue.read(() => {
      const row = this.st.getKv.get(key);
      return row ? asUint8Array(row.value) : undefined;
    });
  }

  listKv(prefix?: string): Promise<string[]> {
    return this.queue.read(() => {
      const rows = prefix === undefined ? this.st.keys.all() : this.st.keysWith.all({ p: prefix });
      return sortedWithPrefix(
        rows.map((r) => r.key),
        prefix,
      );
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
