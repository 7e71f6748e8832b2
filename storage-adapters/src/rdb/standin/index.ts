import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ConflictResolution, RdbStore, ResultSet, ValueType, ValuesBucket } from '../types.js';
import { RdbErrorCode as C } from '../types.js';
import { businessError } from './business-error.js';
import { StandInResultSet } from './resultset.js';

export { businessError } from './business-error.js';
export { RDB_MAX_ROW_READ_BYTES, StandInResultSet } from './resultset.js';

/** What API 12's executeSql refuses with 801 (reference §1): no transactions or attachments through SQL text. */
const REFUSED_SQL = /^\s*(BEGIN|COMMIT|ROLLBACK|ATTACH)\b/i;

const CONFLICT_SQL = ['', ' OR ROLLBACK', ' OR ABORT', ' OR FAIL', ' OR IGNORE', ' OR REPLACE'];

/** SQLite result code name (better-sqlite3's `code`, extended codes included) to RDB's BusinessError code. */
function codeFor(sqliteCode: string): number {
  const base = sqliteCode.replace(/^(SQLITE_[A-Z]+).*$/, '$1');
  switch (base) {
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return C.CORRUPTED;
    case 'SQLITE_ABORT':
      return C.SQLITE_ABORT;
    case 'SQLITE_PERM':
      return C.SQLITE_PERM;
    case 'SQLITE_BUSY':
      return C.SQLITE_BUSY;
    case 'SQLITE_LOCKED':
      return C.SQLITE_LOCKED;
    case 'SQLITE_NOMEM':
      return C.SQLITE_NOMEM;
    case 'SQLITE_READONLY':
      return C.SQLITE_READONLY;
    case 'SQLITE_IOERR':
      return C.SQLITE_IOERR;
    case 'SQLITE_FULL':
      return C.SQLITE_FULL;
    case 'SQLITE_CANTOPEN':
      return C.SQLITE_CANTOPEN;
    case 'SQLITE_TOOBIG':
      return C.SQLITE_TOOBIG;
    case 'SQLITE_CONSTRAINT':
      return C.SQLITE_CONSTRAINT;
    case 'SQLITE_MISMATCH':
      return C.SQLITE_MISMATCH;
    case 'SQLITE_MISUSE':
      return C.SQLITE_MISUSE;
    default:
      return C.SQLITE_ERROR;
  }
}

function toBusinessError(err: unknown): Error {
  if (err instanceof Error && 'code' in err && typeof err.code === 'number') return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const message = err instanceof Error ? err.message : String(err);
  return businessError(code.startsWith('SQLITE_') ? codeFor(code) : C.INNER_ERROR, message, err);
}

/**
 * better-sqlite3 binds Buffers, not plain Uint8Arrays, and has no booleans. Assets and vectors (Float32Array) exist
 * only in the RDB's asset and vector stores, which the stand-in does not reproduce: binding one is refused.
 */
function bindable(v: ValueType): null | number | bigint | string | Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  throw businessError(C.PARAMETER_ERROR, 'the stand-in binds no Asset, Assets or Float32Array', v);
}

/**
 * A stand-in for an OpenHarmony `RdbStore` that runs on real SQLite (better-sqlite3) and keeps the documented
 * behaviours an app can trip over: executeSql refusing BEGIN/COMMIT/ROLLBACK/ATTACH with 801, querySql refusing
 * anything but a query (14800019), ResultSet row positions and codes, 14800014 after close, and rows above
 * 2 MB that are written fine but fail when read. One connection serves reads and writes; a device has one
 * writer and several readers, which code that never awaits inside a transaction cannot tell apart.
 */
export class StandInRdbStore implements RdbStore {
  private closed = false;

  constructor(readonly db: Database.Database) {}

  /** Opens a file (or `:memory:`) with RDB's defaults: WAL journal, FULL sync. */
  static open(filename: string): StandInRdbStore {
    let db: Database.Database;
    try {
      db = new Database(filename);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    } catch (err) {
      throw toBusinessError(err);
    }
    return new StandInRdbStore(db);
  }

  private guard<T>(fn: () => T): T {
    if (this.closed || !this.db.open) throw businessError(C.ALREADY_CLOSED, 'The RdbStore is already closed.');
    try {
      return fn();
    } catch (err) {
      throw toBusinessError(err);
    }
  }

  private async later<T>(fn: () => T): Promise<T> {
    // Async forms settle on a later turn, as the native worker's do, so callers cannot depend on sync effects.
    await Promise.resolve();
    return this.guard(fn);
  }

  executeSync(sql: string, args: ValueType[] = []): ValueType {
    return this.guard(() => {
      if (REFUSED_SQL.test(sql)) throw businessError(C.NOT_SUPPORTED, 'Capability not supported.');
      const stmt = this.db.prepare(sql);
      if (stmt.reader) {
        const row = stmt.raw(true).get(...args.map(bindable)) as unknown[] | undefined;
        const v = row?.[0];
        return v === undefined ? null : (v as ValueType);
      }
      const r = stmt.run(...args.map(bindable));
      if (/^\s*INSERT\b/i.test(sql)) return Number(r.lastInsertRowid);
      if (/^\s*(UPDATE|DELETE)\b/i.test(sql)) return r.changes;
      return null;
    });
  }

  executeSql(sql: string, bindArgs?: ValueType[]): Promise<void> {
    return this.later(() => {
      this.executeSync(sql, bindArgs);
    });
  }

  querySqlSync(sql: string, bindArgs: ValueType[] = []): ResultSet {
    return this.guard(() => {
      const stmt = this.db.prepare(sql);
      if (!stmt.reader) throw businessError(C.NOT_A_QUERY, 'Only SQL query statements are supported.');
      const columns = stmt.columns().map((c) => c.name);
      const rows = stmt.raw(true).all(...bindArgs.map(bindable)) as (null | number | bigint | string | Buffer)[][];
      return new StandInResultSet(columns, rows);
    });
  }

  querySql(sql: string, bindArgs?: ValueType[]): Promise<ResultSet> {
    return this.later(() => this.querySqlSync(sql, bindArgs));
  }

  insertSync(table: string, values: ValuesBucket, conflict: ConflictResolution = 0): number {
    return this.guard(() => {
      const cols = Object.keys(values);
      if (cols.length === 0) throw businessError(C.PARAMETER_ERROR, 'Parameter error. The values bucket is empty.');
      const sql = `INSERT${CONFLICT_SQL[conflict] ?? ''} INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
      return Number(this.db.prepare(sql).run(...cols.map((c) => bindable(values[c] ?? null))).lastInsertRowid);
    });
  }

  insert(table: string, values: ValuesBucket, conflict?: ConflictResolution): Promise<number> {
    return this.later(() => this.insertSync(table, values, conflict));
  }

  batchInsertSync(table: string, values: ValuesBucket[]): number {
    return this.guard(() => {
      // Like the device, a batch is all-or-nothing; inside an open transaction this nests as a savepoint.
      this.db.transaction(() => {
        for (const v of values) this.insertSync(table, v);
      })();
      return values.length;
    });
  }

  batchInsert(table: string, values: ValuesBucket[]): Promise<number> {
    return this.later(() => this.batchInsertSync(table, values));
  }

  beginTransaction(): void {
    this.guard(() => this.db.exec('BEGIN'));
  }

  commit(): void {
    this.guard(() => this.db.exec('COMMIT'));
  }

  rollBack(): void {
    this.guard(() => this.db.exec('ROLLBACK'));
  }

  close(): Promise<void> {
    return this.later(() => {
      this.closed = true;
      this.db.close();
    });
  }
}

export interface StandInStoreConfig {
  name: string;
  securityLevel?: number;
}

/**
 * The `relationalStore` module's entry points for a directory on the host: `getRdbStore(context, config)` opens
 * `<dir>/<config.name>`; the context is accepted and ignored, as the stand-in has no app sandbox.
 */
export class StandInRelationalStore {
  constructor(private readonly dir: string) {}

  getRdbStore(_context: unknown, config: StandInStoreConfig): Promise<StandInRdbStore> {
    return Promise.resolve().then(() => StandInRdbStore.open(join(this.dir, config.name)));
  }

  deleteRdbStore(_context: unknown, name: string): Promise<void> {
    return Promise.resolve().then(() => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(this.dir, name + suffix), { force: true });
    });
  }
}
