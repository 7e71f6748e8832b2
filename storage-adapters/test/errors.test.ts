import { describe, expect, it } from 'vitest';
import {
  StorageBusyError,
  StorageClosedError,
  StorageConstraintError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
  StorageTooBigError,
  isStorageError,
} from '@concord/storage-adapters';
import { IndexedDbStorageAdapter, indexedDbError } from '@concord/storage-adapters/indexeddb';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';

describe('typed storage errors', () => {
  it('[STORE-44] each error class has its own name and machine-readable code', () => {
    const cases: [StorageError, string, string][] = [
      [new StorageClosedError(), 'StorageClosedError', 'closed'],
      [new StorageCorruptError(), 'StorageCorruptError', 'corrupt'],
      [new StorageBusyError(), 'StorageBusyError', 'busy'],
      [new StorageQuotaError(), 'StorageQuotaError', 'quota'],
      [new StorageTooBigError(), 'StorageTooBigError', 'too-big'],
      [new StorageConstraintError(), 'StorageConstraintError', 'constraint'],
      [new StorageError('io', 'x'), 'StorageError', 'io'],
    ];
    for (const [err, name, code] of cases) {
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(name);
      expect(err.code).toBe(code);
      expect(isStorageError(err)).toBe(true);
    }
    expect(isStorageError(new Error('x'))).toBe(false);
  });

  it('[STORE-45] IndexedDB/Dexie error names map to typed errors', async () => {
    const named = (name: string) => Object.assign(new Error(name), { name });
    expect(indexedDbError(named('QuotaExceededError'))).toBeInstanceOf(StorageQuotaError);
    expect(indexedDbError(named('ConstraintError'))).toBeInstanceOf(StorageConstraintError);
    expect(indexedDbError(named('DatabaseClosedError'))).toBeInstanceOf(StorageClosedError);
    expect(indexedDbError(Object.assign(named('AbortError'), { inner: named('QuotaExceededError') }))).toBeInstanceOf(
      StorageQuotaError,
    );
    expect(indexedDbError(named('Whatever')).code).toBe('internal');
    // The database closed underneath the adapter (e.g. by a version change from another tab).
    const a = new IndexedDbStorageAdapter({ name: 'x', indexedDB: new IDBFactory(), IDBKeyRange });
    await a.appendUpdate('d', new Uint8Array([1]));
    a.db.close();
    await expect(a.loadDoc('d')).rejects.toBeInstanceOf(StorageClosedError);
    await expect(a.appendUpdate('d', new Uint8Array([2]))).rejects.toBeInstanceOf(StorageClosedError);
  });
});
