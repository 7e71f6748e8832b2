import { describe, expect, it } from 'vitest';
import {
  StorageBusyError,
  StorageClosedError,
  StorageConstraintError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
  StorageTooBigError,
} from '@concord/storage-adapters';
import { testBytes } from '@concord/storage-adapters/conformance';
import { RDB_CHUNK_BYTES, RdbErrorCode, RdbStorageAdapter, rdbError, type ResultSet, type ValueType } from '@concord/storage-adapters/rdb';
import { StandInRdbStore, businessError } from '@concord/storage-adapters/rdb-standin';

/** Records what the adapter asks of the store, and which ResultSets it left open. */
class SpyStore extends StandInRdbStore {
  readonly sql: string[] = [];
  readonly open = new Set<ResultSet>();
  override executeSql(sql: string, args?: ValueType[]): Promise<void> {
    this.sql.push(sql);
    return super.executeSql(sql, args);
  }
  override executeSync(sql: string, args?: ValueType[]): ValueType {
    this.sql.push(sql);
    return super.executeSync(sql, args);
  }
  override querySqlSync(sql: string, args?: ValueType[]): ResultSet {
    const rs = super.querySqlSync(sql, args);
    this.open.add(rs);
    const close = rs.close.bind(rs);
    rs.close = () => {
      this.open.delete(rs);
      close();
    };
    return rs;
  }
}

const spy = () => new SpyStore(StandInRdbStore.open(':memory:').db);

describe('RDB adapter on the relationalStore stand-in', () => {
  it('[STORE-35] values above the chunk size are split into rows well under the 2 MB read limit', async () => {
    const store = spy();
    const a = await RdbStorageAdapter.open(store);
    const big = testBytes(5 * 1024 * 1024 + 3, 3);
    await a.compactDoc('d', big, 0);
    await a.appendUpdate('d', big);
    await a.setKv('k', big);
    for (const table of ['snapshots', 'updates', 'kv']) {
      const col = table === 'kv' ? 'value' : 'data';
      const max = store.db.prepare(`SELECT max(length(${col})) AS m, count(*) AS n FROM ${table}`).get() as { m: number; n: number };
      expect(max.m).toBeLessThanOrEqual(RDB_CHUNK_BYTES);
      expect(max.n).toBe(11);
    }
    const loaded = await a.loadDoc('d');
    expect(Buffer.from(loaded.snapshot!).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(loaded.updates[0]!.data).equals(Buffer.from(big))).toBe(true);
    await a.close();
  });

  it('[STORE-36] transactions use beginTransaction/commit, never SQL text, and every ResultSet is closed', async () => {
    const store = spy();
    const a = await RdbStorageAdapter.open(store);
    await Promise.all([a.appendUpdate('d', new Uint8Array([1])), a.setKv('k', new Uint8Array([2]))]);
    await a.loadDoc('d');
    await a.listDocs('d');
    await a.getKv('k');
    await a.listKv();
    await a.compactDoc('d', new Uint8Array([3]), 1);
    expect(store.sql.filter((s) => /^\s*(BEGIN|COMMIT|ROLLBACK|END|SAVEPOINT)/i.test(s))).toEqual([]);
    expect(store.open.size).toBe(0);
    await a.close();
  });

  it('[STORE-37] a ResultSet is closed even when reading it fails', async () => {
    const store = spy();
    const a = await RdbStorageAdapter.open(store);
    await a.appendUpdate('d', new Uint8Array([1]));
    // A row above 2 MB written behind the adapter's back: reading it fails, and the cursor is still closed.
    store.db.prepare('INSERT INTO updates (doc, seq, part, data) VALUES (?, ?, ?, ?)').run('d', 99, 0, Buffer.alloc(3 * 1024 * 1024));
    const err = await a.loadDoc('d').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('internal');
    expect(store.open.size).toBe(0);
    await a.close();
  });

  it('[STORE-38] RDB error codes map to typed storage errors', () => {
    const cases: [number, new (...args: never[]) => StorageError, string][] = [
      [RdbErrorCode.CORRUPTED, StorageCorruptError, 'corrupt'],
      [RdbErrorCode.ALREADY_CLOSED, StorageClosedError, 'closed'],
      [RdbErrorCode.NOT_RESPONDING, StorageBusyError, 'busy'],
      [RdbErrorCode.SQLITE_BUSY, StorageBusyError, 'busy'],
      [RdbErrorCode.SQLITE_LOCKED, StorageBusyError, 'busy'],
      [RdbErrorCode.SQLITE_CONSTRAINT, StorageConstraintError, 'constraint'],
      [RdbErrorCode.SQLITE_FULL, StorageQuotaError, 'quota'],
      [RdbErrorCode.WAL_SIZE_OVER_LIMIT, StorageQuotaError, 'quota'],
      [RdbErrorCode.SQLITE_TOOBIG, StorageTooBigError, 'too-big'],
      [RdbErrorCode.SQLITE_CANTOPEN, StorageError, 'io'],
      [RdbErrorCode.SQLITE_IOERR, StorageError, 'io'],
      [RdbErrorCode.NOT_SUPPORTED, StorageError, 'unsupported'],
      [RdbErrorCode.INNER_ERROR, StorageError, 'internal'],
    ];
    for (const [c, cls, name] of cases) {
      const original = businessError(c, 'boom');
      const mapped = rdbError(original);
      expect(mapped).toBeInstanceOf(cls);
      expect(mapped.code).toBe(name);
      expect(mapped.cause).toBe(original);
      expect(mapped.message).toContain(String(c));
    }
    // A plain `{code, message}` object, as some system callbacks deliver, maps the same way.
    expect(rdbError({ code: RdbErrorCode.CORRUPTED, message: 'x' })).toBeInstanceOf(StorageCorruptError);
  });

  it('[STORE-39] a store closed underneath the adapter surfaces as StorageClosedError, and constraint failures as StorageConstraintError', async () => {
    const store = spy();
    const a = await RdbStorageAdapter.open(store);
    store.db.exec('CREATE UNIQUE INDEX no_two ON kv (part)');
    await a.setKv('a', new Uint8Array([1]));
    await expect(a.setKv('b', new Uint8Array([1]))).rejects.toBeInstanceOf(StorageConstraintError);
    expect(Array.from((await a.getKv('a'))!)).toEqual([1]);
    await store.close();
    await expect(a.loadDoc('d')).rejects.toBeInstanceOf(StorageClosedError);
    await expect(a.appendUpdate('d', new Uint8Array([1]))).rejects.toBeInstanceOf(StorageClosedError);
  });
});
