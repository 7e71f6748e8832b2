import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageBusyError, StorageCorruptError, StorageError } from '@concord/storage-adapters';
import { SqliteStorageAdapter, sqliteError } from '@concord/storage-adapters/sqlite';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-sqlite-'));
  dirs.push(dir);
  return join(dir, 'store.db');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SQLite adapter engine behaviour', () => {
  it('[STORE-40] the store runs in WAL mode with FULL sync', async () => {
    const a = SqliteStorageAdapter.open(tempFile());
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(a.db.pragma('synchronous', { simple: true })).toBe(2);
    await a.close();
  });

  it('[STORE-41] a write blocked by another connection rejects with StorageBusyError, and nothing is half-written', async () => {
    const file = tempFile();
    const a = new SqliteStorageAdapter(new Database(file, { timeout: 0 }));
    await a.appendUpdate('d', new Uint8Array([1]));
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([a.appendUpdate('d', new Uint8Array([2])), a.setKv('k', new Uint8Array([3]))]);
    for (const r of results) expect(r.status === 'rejected' && r.reason instanceof StorageBusyError).toBe(true);
    other.exec('ROLLBACK');
    other.close();
    expect((await a.loadDoc('d')).updates.map((u) => Array.from(u.data))).toEqual([[1]]);
    await a.appendUpdate('d', new Uint8Array([4]));
    await a.close();
  });

  it('[STORE-42] a file that is not a database fails to open with StorageCorruptError', () => {
    const file = tempFile();
    writeFileSync(file, Buffer.alloc(8192, 7));
    expect(() => SqliteStorageAdapter.open(file)).toThrow(StorageCorruptError);
  });

  it('[STORE-43] SQLite result codes map to typed errors, with the original as cause', () => {
    const mk = (code: string) => Object.assign(new Error(code), { code });
    expect(sqliteError(mk('SQLITE_FULL')).code).toBe('quota');
    expect(sqliteError(mk('SQLITE_TOOBIG')).code).toBe('too-big');
    expect(sqliteError(mk('SQLITE_CONSTRAINT_UNIQUE')).code).toBe('constraint');
    expect(sqliteError(mk('SQLITE_BUSY_SNAPSHOT')).code).toBe('busy');
    expect(sqliteError(mk('SQLITE_CORRUPT_VTAB')).code).toBe('corrupt');
    expect(sqliteError(mk('SQLITE_IOERR_FSYNC')).code).toBe('io');
    const original = mk('SQLITE_MISMATCH');
    const mapped = sqliteError(original);
    expect(mapped).toBeInstanceOf(StorageError);
    expect(mapped.code).toBe('internal');
    expect(mapped.cause).toBe(original);
  });
});
