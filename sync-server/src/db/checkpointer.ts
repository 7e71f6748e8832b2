/**
 * WAL checkpoints off the event loop. With SQLite's automatic checkpoint, the commit that crosses 1,000 WAL pages
 * copies the WAL into the database and fsyncs it inside the group commit, on the thread that serves every socket:
 * under chat load that made single flushes of 40-250 ms (bench/load `maxFlush`). A worker thread with its own
 * connection runs PASSIVE checkpoints instead; in WAL mode they run beside the writer and never block it, and once
 * a checkpoint has caught up the writer starts the WAL over from its beginning, so the file stays bounded.
 * If the worker cannot start or dies, the connection goes back to automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err) });
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    db.close();
    parentPort.close();
  }
});
`;

const AUTO_CHECKPOINT_PAGES = 1000;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(db: Database.Database, onError: (err: unknown) => void, intervalMs = 500): Checkpointer {
  const file = db.name;
  if (file === ':memory:' || file === '') return { stop: async () => undefined };
  let worker: Worker;
  try {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, modulePath } });
  } catch (err) {
    onError(err);
    return { stop: async () => undefined };
  }
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopped = false;
  const fallBack = (err: unknown): void => {
    if (stopped) return;
    stopped = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    onError(err);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => {
    if (!stopped) fallBack(new Error(`checkpoint worker exited with ${code}`));
  });
  worker.on('message', (m: { error?: string }) => {
    if (m.error !== undefined) onError(new Error(`checkpoint failed: ${m.error}`));
  });
  return {
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      // The worker is unref'd while it runs; waiting on an unref'd handle would let the process end mid-close.
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    },
  };
}
