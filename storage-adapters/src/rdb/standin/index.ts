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

/** Which calls an injected error hits: writes (everything but queries, rollBack and close), queries, or both. */
export type FaultScope = 'any' | 'write' | 'read';

export interface StandInRdbOptions {
  /**
   * How long an async call (executeSql, querySql, insert, batchInsert, close...) takes, in ms of a real timer:
   * on a device they run on a native worker and settle on a later macrotask, never in the same turn. Default 0
   * (the next macrotask).
   */
  asyncDelayMs?: number;
}

interface InjectedError {
  readonly code: number;
  left: number;
  readonly scope: FaultScope;
}

const MESSAGES: Record<number, string> = {
  [C.NOT_RESPONDING]: 'The database does not respond.',
  [C.WAL_SIZE_OVER_LIMIT]: 'The WAL file size exceeds the default limit.',
  [C.SQLITE_BUSY]: 'SQLite: The database file is locked.',
  [C.SQLITE_LOCKED]: 'SQLite: A table in the database is locked.',
};

/**
 * A stand-in for an OpenHarmony `RdbStore` that runs on real SQLite (better-sqlite3) and keeps the documented
 * behaviours an app can trip over: executeSql refusing BEGIN/COMMIT/ROLLBACK/ATTACH with 801, querySql refusing
 * anything but a query (14800019), ResultSet row positions and codes, 14800014 after close, and rows above
 * 2 MB that are written fine but fail when read. One connection serves reads and writes; a device has one
 * writer and several readers, which code that never awaits inside a transaction cannot tell apart.
 *
 * Closer to a board (STORE-46/47): async calls settle after a real timer (`asyncDelayMs`); faults a device shows
 * under load can be injected: `batchInsertSync` returning -1 (the SDK's "-1 otherwise": nothing written), and a
 * BusinessError code (14800047 WAL file over its limit, 14800015 not responding, 14800024/25 busy/locked, or any
 * other) thrown by the next N calls of a scope, before they touch the database.
 */
export class StandInRdbStore implements RdbStore {
  private closed = false;
  asyncDelayMs: number;
  private minusOnes = 0;
  private readonly injected: InjectedError[] = [];

  constructor(
    readonly db: Database.Database,
    options: StandInRdbOptions = {},
  ) {
    this.asyncDelayMs = options.asyncDelayMs ?? 0;
  }

  /** The next `count` batchInsertSync calls write nothing and return -1. */
  batchInsertReturnsMinusOne(count: number): void {
    this.minusOnes += count;
  }

  /** The next `count` calls in `scope` throw a BusinessError with `code` (and do nothing else). */
  injectError(code: number, count: number, scope: FaultScope = 'any'): void {
    this.injected.push({ code, left: count, scope });
  }

  /** Drop every fault not yet used. */
  clearFaults(): void {
    this.minusOnes = 0;
    this.injected.length = 0;
  }

  /** Injected faults not yet used (tests check they were all hit). */
  get faultsLeft(): number {
    return this.minusOnes + this.injected.reduce((n, f) => n + f.left, 0);
  }

  private fault(scope: 'write' | 'read'): void {
    const f = this.injected.find((x) => x.left > 0 && (x.scope === 'any' || x.scope === scope));
    if (f === undefined) return;
    f.left--;
    throw businessError(f.code, MESSAGES[f.code] ?? `Injected error ${f.code}.`);
  }

  /** Opens a file (or `:memory:`) with RDB's defaults: WAL journal, FULL sync. */
  static open(filename: string, options: StandInRdbOptions = {}): StandInRdbStore {
    let db: Database.Database;
    try {
      db = new Database(filename);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    } catch (err) {
      throw toBusinessError(err);
    }
    return new StandInRdbStore(db, options);
  }

  private guard<T>(fn: () => T, scope: 'write' | 'read' | null = null): T {
    if (this.closed || !this.db.open) throw businessError(C.ALREADY_CLOSED, 'The RdbStore is already closed.');
    if (scope !== null) this.fault(scope);
    try {
      return fn();
    } catch (err) {
      throw toBusinessError(err);
    }
  }

  private async later<T>(fn: () => T): Promise<T> {
    // Async forms settle on a later macrotask, as the native worker's do, so callers cannot depend on sync effects
    // nor on them finishing within the current turn.
    await new Promise<void>((resolve) => setTimeout(resolve, this.asyncDelayMs));
    return fn();
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
    }, /^\s*SELECT\b/i.test(sql) ? 'read' : 'write');
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
    }, 'read');
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
    }, 'write');
  }

  insert(table: string, values: ValuesBucket, conflict?: ConflictResolution): Promise<number> {
    return this.later(() => this.insertSync(table, values, conflict));
  }

  batchInsertSync(table: string, values: ValuesBucket[]): number {
    return this.guard(() => {
      if (this.minusOnes > 0) {
        this.minusOnes--;
        return -1;
      }
      // Like the device, a batch is all-or-nothing; inside an open transaction this nests as a savepoint.
      this.db.transaction(() => {
        for (const v of values) this.insertRow(table, v);
      })();
      return values.length;
    }, 'write');
  }

  /** One row, without a fault of its own (batchInsertSync is one call). */
  private insertRow(table: string, values: ValuesBucket): void {
    const cols = Object.keys(values);
    if (cols.length === 0) throw businessError(C.PARAMETER_ERROR, 'Parameter error. The values bucket is empty.');
    this.db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => bindable(values[c] ?? null)));
  }

  batchInsert(table: string, values: ValuesBucket[]): Promise<number> {
    return this.later(() => this.batchInsertSync(table, values));
  }

  beginTransaction(): void {
    this.guard(() => this.db.exec('BEGIN'), 'write');
  }

  commit(): void {
    this.guard(() => this.db.exec('COMMIT'), 'write');
  }

  rollBack(): void {
    this.guard(() => this.db.exec('ROLLBACK'));
  }

  close(): Promise<void> {
    return this.later(() =>
      this.guard(() => {
        this.closed = true;
        this.db.close();
      }),
    );
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
  /** Every store this module opened, by the name it was opened with, in order (tests inject faults into them). */
  readonly opened: { readonly name: string; readonly store: StandInRdbStore }[] = [];

  constructor(
    private readonly dir: string,
    private readonly options: StandInRdbOptions = {},
  ) {}

  getRdbStore(_context: unknown, config: StandInStoreConfig): Promise<StandInRdbStore> {
    return new Promise<void>((resolve) => setTimeout(resolve, this.options.asyncDelayMs ?? 0)).then(() => {
      const store = StandInRdbStore.open(join(this.dir, config.name), this.options);
      this.opened.push({ name: config.name, store });
      return store;
    });
  }

  deleteRdbStore(_context: unknown, name: string): Promise<void> {
    return Promise.resolve().then(() => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(this.dir, name + suffix), { force: true });
    });
  }
}
