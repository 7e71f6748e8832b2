/**
 * STORE-40..42: the relationalStore stand-in closer to a board (async calls settle after a real timer; -1 from
 * batchInsertSync and 14800047/14800015/... injectable on the next N calls), and what the RDB adapter does with
 * them: passing failures are rolled back and retried, nothing is lost or doubled; past the retries the writes fail
 * with the typed error, nothing of the batch is stored, and the adapter keeps working.
 */
import { describe, expect, it } from 'vitest';
import { RdbErrorCode, RdbStorageAdapter, type BusinessError } from '@concord/storage-adapters/rdb';
import { StandInRdbStore } from '@concord/storage-adapters/rdb-standin';
import { StorageBusyError, StorageError, StorageQuotaError } from '@concord/storage-adapters';

const codeOf = (p: Promise<unknown>): Promise<number | undefined> =>
  p.then(
    () => undefined,
    (err: BusinessError) => err.code,
  );
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
/** Short waits so the tests run quickly; the retry logic is the same as with the defaults. */
const FAST = [1, 2, 4, 8];

async function adapter(store = StandInRdbStore.open(':memory:')): Promise<{ a: RdbStorageAdapter; s: StandInRdbStore }> {
  return { a: await RdbStorageAdapter.open(store, { retryDelaysMs: FAST }), s: store };
}

describe('relationalStore stand-in, board behaviour', () => {
  it('[STORE-40] async calls settle after a real timer, not in the same turn: a 0 ms timer set before runs first; asyncDelayMs delays them', async () => {
    const s = StandInRdbStore.open(':memory:');
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await s.executeSql('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)').then(() => order.push('executeSql'));
    expect(order).toEqual(['timer', 'executeSql']);
    s.asyncDelayMs = 40;
    const t = performance.now();
    await s.insert('t', { v: bytes(1, 1) });
    await (await s.querySql('SELECT v FROM t')).close();
    expect(performance.now() - t).toBeGreaterThanOrEqual(75);
    await s.close();
  });

  it('[STORE-41] batchInsertSync returns -1 (writing nothing) and injected codes are thrown by the next N calls of their scope, then calls work again', async () => {
    const s = StandInRdbStore.open(':memory:');
    await s.executeSql('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    s.batchInsertReturnsMinusOne(1);
    expect(s.batchInsertSync('t', [{ v: bytes(1, 1) }])).toBe(-1);
    expect(s.batchInsertSync('t', [{ v: bytes(1, 2) }])).toBe(1);
    s.injectError(RdbErrorCode.WAL_SIZE_OVER_LIMIT, 2, 'write');
    expect(await codeOf(s.insert('t', { v: bytes(1, 3) }))).toBe(14800047);
    // A query is not a write: untouched by a write-scoped fault.
    expect((await s.querySql('SELECT v FROM t')).rowCount).toBe(1);
    expect(await codeOf(Promise.resolve().then(() => s.beginTransaction()))).toBe(14800047);
    expect(s.faultsLeft).toBe(0);
    s.injectError(RdbErrorCode.NOT_RESPONDING, 1, 'read');
    expect(await codeOf(s.querySql('SELECT v FROM t'))).toBe(14800015);
    const rs = await s.querySql('SELECT v FROM t');
    expect(rs.rowCount).toBe(1);
    rs.close();
    await s.close();
  });
});

describe('RDB adapter on board faults', () => {
  it('[STORE-42] -1 from batchInsertSync, 14800047 and 14800015 on the next calls: the batch is rolled back and retried, every write lands once, in order', async () => {
    const { a, s } = await adapter();
    const cases: [string, () => void][] = [
      ['-1', () => s.batchInsertReturnsMinusOne(2)],
      ['14800047 at commit', () => s.injectError(RdbErrorCode.WAL_SIZE_OVER_LIMIT, 2, 'write')],
      ['14800015', () => s.injectError(RdbErrorCode.NOT_RESPONDING, 3, 'write')],
    ];
    let expected = 0;
    for (const [what, inject] of cases) {
      inject();
      const seqs = await Promise.all([a.appendUpdate('d', bytes(10, expected + 1)), a.appendUpdate('d', bytes(10, expected + 2)), a.setKv(`k${what}`, bytes(3, 7))]);
      expected += 2;
      expect(s.faultsLeft, what).toBe(0);
      expect(seqs[1]!, what).toBeGreaterThan(seqs[0]!);
      expect(await a.getKv(`k${what}`), what).toEqual(bytes(3, 7));
    }
    expect(a.retries).toBe(7);
    const loaded = await a.loadDoc('d');
    expect(loaded.updates.map((u) => u.data[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(loaded.updates.map((u) => u.seq)).size).toBe(6);
    // Reads retry too.
    s.injectError(RdbErrorCode.NOT_RESPONDING, 2, 'read');
    expect((await a.loadDoc('d')).updates).toHaveLength(6);
    expect(s.faultsLeft).toBe(0);
    await a.close();
  });

  it('[STORE-42] past the retries the writes fail with the typed error (quota, busy, internal for -1), nothing of the batch is stored, and the adapter keeps working', async () => {
    const { a, s } = await adapter();
    await a.appendUpdate('d', bytes(4, 1));
    const failures: [() => void, new (...args: never[]) => StorageError][] = [
      [() => s.injectError(RdbErrorCode.WAL_SIZE_OVER_LIMIT, 100, 'write'), StorageQuotaError],
      [() => s.injectError(RdbErrorCode.NOT_RESPONDING, 100, 'write'), StorageBusyError],
      [() => s.batchInsertReturnsMinusOne(100), StorageError],
    ];
    for (const [inject, type] of failures) {
      inject();
      const writes = [a.appendUpdate('d', bytes(4, 9)), a.setKv('lost', bytes(1, 1))];
      for (const w of writes) await expect(w).rejects.toBeInstanceOf(type);
      // 1 try + one per retry delay, then given up.
      expect(100 - s.faultsLeft).toBe(FAST.length + 1);
      s.clearFaults();
    }
    expect((await a.loadDoc('d')).updates.map((u) => u.data[0])).toEqual([1]);
    expect(await a.getKv('lost')).toBeUndefined();
    await a.appendUpdate('d', bytes(4, 2));
    expect((await a.loadDoc('d')).updates.map((u) => u.data[0])).toEqual([1, 2]);
    await a.close();
  });
});
