import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { runStorageAdapterTests } from '@concord/storage-adapters/conformance';
import { IndexedDbStorageAdapter } from '@concord/storage-adapters/indexeddb';

runStorageAdapterTests('indexeddb (dexie on fake-indexeddb)', async ({ faults }) => {
  // A fresh factory per test: its databases live only in it, so tests cannot see each other's data.
  const indexedDB = new IDBFactory();
  const open = () => new IndexedDbStorageAdapter({ name: 'concord', indexedDB, IDBKeyRange, faults });
  let adapter = open();
  return {
    adapter,
    reopen: async () => (adapter = open()),
    transactions: () => adapter.transactions,
    teardown: async () => {
      await adapter.close().catch(() => {});
    },
  };
});
