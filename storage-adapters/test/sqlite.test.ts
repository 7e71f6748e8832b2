import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageAdapterTests } from '@concord/storage-adapters/conformance';
import { SqliteStorageAdapter } from '@concord/storage-adapters/sqlite';

runStorageAdapterTests('sqlite (better-sqlite3)', async ({ faults }) => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-sqlite-'));
  const file = join(dir, 'store.db');
  let adapter = SqliteStorageAdapter.open(file, { faults });
  return {
    adapter,
    reopen: async () => (adapter = SqliteStorageAdapter.open(file, { faults })),
    transactions: () => adapter.transactions,
    teardown: async () => {
      await adapter.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
