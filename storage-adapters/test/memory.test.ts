import { runStorageAdapterTests } from '@concord/storage-adapters/conformance';
import { MemoryStorageAdapter, MemoryStore } from '@concord/storage-adapters/memory';

runStorageAdapterTests('memory', async ({ faults }) => {
  const store = new MemoryStore();
  let adapter = new MemoryStorageAdapter({ store, faults });
  return {
    adapter,
    reopen: async () => (adapter = new MemoryStorageAdapter({ store, faults })),
    transactions: () => adapter.transactions,
    teardown: async () => {},
  };
});
