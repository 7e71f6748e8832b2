import { describe, expect, it } from 'vitest';
import { RdbErrorCode, type BusinessError } from '@concord/storage-adapters/rdb';
import { RDB_MAX_ROW_READ_BYTES, StandInRdbStore } from '@concord/storage-adapters/rdb-standin';

const code = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as BusinessError).code;
  }
  return undefined;
};
const codeOf = (p: Promise<unknown>): Promise<number | undefined> =>
  p.then(
    () => undefined,
    (err: BusinessError) => err.code,
  );

async function store(): Promise<StandInRdbStore> {
  const s = StandInRdbStore.open(':memory:');
  await s.executeSql('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)');
  return s;
}

describe('relationalStore stand-in', () => {
  it('[STORE-30] executeSql refuses BEGIN, COMMIT, ROLLBACK and ATTACH with 801; beginTransaction/commit/rollBack work', async () => {
    const s = await store();
    for (const sql of ['BEGIN', 'begin transaction', '  COMMIT', 'ROLLBACK', "ATTACH DATABASE 'x' AS y"]) {
      expect(await codeOf(s.executeSql(sql))).toBe(RdbErrorCode.NOT_SUPPORTED);
      expect(code(() => s.executeSync(sql))).toBe(RdbErrorCode.NOT_SUPPORTED);
    }
    s.beginTransaction();
    s.insertSync('t', { name: 'a', data: new Uint8Array([1]) });
    s.rollBack();
    s.beginTransaction();
    s.insertSync('t', { name: 'b', data: new Uint8Array([2]) });
    s.commit();
    const rs = await s.querySql('SELECT name FROM t');
    expect(rs.rowCount).toBe(1);
    rs.goToNextRow();
    expect(rs.getString(0)).toBe('b');
    rs.close();
  });

  it('[STORE-31] a ResultSet starts at row -1, reads only on a row, and refuses everything after close', async () => {
    const s = await store();
    expect(await s.batchInsert('t', [{ name: 'a', data: new Uint8Array([0, 255]) }, { name: 'b', data: null }])).toBe(2);
    const rs = await s.querySql('SELECT id, name, data FROM t ORDER BY id');
    expect(rs.rowIndex).toBe(-1);
    expect(rs.isStarted).toBe(false);
    expect(code(() => rs.getBlob(2))).toBe(RdbErrorCode.ROW_OUT_OF_RANGE);
    expect(rs.goToNextRow()).toBe(true);
    expect(rs.rowIndex).toBe(0);
    expect(rs.getLong(0)).toBe(1);
    expect(Array.from(rs.getBlob(2))).toEqual([0, 255]);
    expect(rs.getBlob(2).constructor).toBe(Uint8Array);
    expect(code(() => rs.getString(3))).toBe(RdbErrorCode.COLUMN_OUT_OF_RANGE);
    expect(rs.goToNextRow()).toBe(true);
    expect(rs.isColumnNull(2)).toBe(true);
    expect(rs.goToNextRow()).toBe(false);
    expect(rs.isEnded).toBe(true);
    expect(code(() => rs.getString(1))).toBe(RdbErrorCode.ROW_OUT_OF_RANGE);
    rs.close();
    expect(rs.isClosed).toBe(true);
    expect(code(() => rs.goToFirstRow())).toBe(RdbErrorCode.ALREADY_CLOSED);
    expect(code(() => rs.getLong(0))).toBe(RdbErrorCode.ALREADY_CLOSED);
  });

  it('[STORE-32] querySql takes only queries (14800019); SQLite failures carry RDB codes', async () => {
    const s = await store();
    expect(await codeOf(s.querySql('DELETE FROM t'))).toBe(RdbErrorCode.NOT_A_QUERY);
    await s.insert('t', { name: 'dup' });
    expect(await codeOf(s.insert('t', { name: 'dup' }))).toBe(RdbErrorCode.SQLITE_CONSTRAINT);
    expect(await codeOf(s.executeSql('SELEC nonsense'))).toBe(RdbErrorCode.SQLITE_ERROR);
    // A failed batchInsert stores none of its rows.
    expect(await codeOf(s.batchInsert('t', [{ name: 'new' }, { name: 'dup' }]))).toBe(RdbErrorCode.SQLITE_CONSTRAINT);
    const rs = s.querySqlSync('SELECT count(*) FROM t');
    rs.goToFirstRow();
    expect(rs.getLong(0)).toBe(1);
    rs.close();
  });

  it('[STORE-33] a row over 2 MB is written but cannot be read back', async () => {
    const s = await store();
    await s.insert('t', { name: 'big', data: new Uint8Array(RDB_MAX_ROW_READ_BYTES + 1) });
    await s.insert('t', { name: 'ok', data: new Uint8Array(RDB_MAX_ROW_READ_BYTES - 1024) });
    const rs = await s.querySql('SELECT data FROM t WHERE name = ?', ['big']);
    expect(rs.rowCount).toBe(1);
    expect(code(() => rs.goToNextRow())).toBe(RdbErrorCode.INNER_ERROR);
    rs.close();
    const ok = await s.querySql('SELECT data FROM t WHERE name = ?', ['ok']);
    expect(ok.goToNextRow()).toBe(true);
    expect(ok.getBlob(0).byteLength).toBe(RDB_MAX_ROW_READ_BYTES - 1024);
    ok.close();
  });

  it('[STORE-34] every call on a closed store fails with 14800014', async () => {
    const s = await store();
    await s.close();
    expect(await codeOf(s.querySql('SELECT 1'))).toBe(RdbErrorCode.ALREADY_CLOSED);
    expect(await codeOf(s.executeSql('DELETE FROM t'))).toBe(RdbErrorCode.ALREADY_CLOSED);
    expect(code(() => s.beginTransaction())).toBe(RdbErrorCode.ALREADY_CLOSED);
    expect(code(() => s.insertSync('t', { name: 'x' }))).toBe(RdbErrorCode.ALREADY_CLOSED);
  });
});
