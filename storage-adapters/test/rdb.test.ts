import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageAdapterTests } from '@concord/storage-adapters/conformance';
import { RdbStorageAdapter } from '@concord/storage-adapters/rdb';
import { StandInRdbStore } from '@concord/storage-adapters/rdb-standin';

runStorageAdapterTests('rdb (relationalStore stand-in on SQLite)', async ({ faults }) => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-rdb-'));
  const file = join(dir, 'concord.db');
  let adapter = await RdbStorageAdapter.open(StandInRdbStore.open(file), { faults });
  return {
    adapter,
    reopen: async () => (adapter = await RdbStorageAdapter.open(StandInRdbStore.open(file), { faults })),
    transactions: () => adapter.transactions,
    teardown: async () => {
      await adapter.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
