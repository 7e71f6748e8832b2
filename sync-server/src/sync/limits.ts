/**
 * Tunables of the sync side. Defaults suit one embedded server; tests pass short timers. Everything is read once
 * per service from its options, never from the environment, so several services can run in one process.
 */
import type { SyncLimits } from '../seams.js';

/** The fields are documented on SyncLimits in seams.ts; the comments here say why each default. */
export type { SyncLimits };

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  // WIRE-4: 1 MiB per frame; OpenHarmony refuses frames above 5 MiB anyway.
  maxFrameBytes: 1024 * 1024,
  maxUpdateBytes: 1024 * 1024,
  helloTimeoutMs: 10_000,
  // y-websocket's provider drops a socket after 30 s of silence, so a 30 s ping keeps stock clients alive too.
  heartbeatIntervalMs: 30_000,
  unloadAfterMs: 60_000,
  // A burst of writes to many docs (a bulk import, a device paging through history) would otherwise keep each of them
  // in memory for unloadAfterMs: 1,000 segments seeded in a minute held 1.16 GB (bench/history).
  maxIdleDocs: 100,
  // DESIGN 4: replaying a long log is superlinear (30,000 updates: 36 s), a short one is not: on top of a snapshot,
  // 500 one-message updates replay in ~2 ms and 1,000 in ~3.6 ms, against ~2.5 ms for a snapshot of 1,100 messages.
  // Each compaction rewrites the whole doc, so a low count costs more than it saves: at 100 and 2,000 msgs/s, snapshot
  // encoding alone was 6% of the server's CPU and commits carrying snapshots took 4.7 ms (p50) against 0.6 ms
  // (bench/HISTORY.md "Load").
  compactAfterUpdates: 500,
  // Each commit is a fixed cost whatever it holds (an fsync and a few WAL frames: ~0.4 ms of CPU on the reference VM,
  // most of it in the kernel). At 2,000 msgs/s, 8 ms instead of 5 ms took ~12% off the CPU per message (149 -> 134 µs,
  // medians of 7) for +1.6 ms at p50 and ~+1 ms at p99; at 4,000/s p99 fell (46-51 -> 36 ms). bench/HISTORY.md "Load".
  commitIntervalMs: 8,
  // Far above what an honest reader lags behind (a WELCOME for 10,000 docs is ~200 KB), far below the RAM budget.
  maxBufferedBytes: 8 * 1024 * 1024,
  maxDocsPerSocket: 10_000,
  // An app holds one socket per device (MUX-1); a few more cover a reconnect racing the old socket's close and stock
  // y-websocket tooling (one socket per doc). 2,000 sockets from one account were accepted before the cap.
  maxSocketsPerDevice: 16,
  maxSocketsPerUser: 128,
};

export function resolveLimits(partial: Partial<SyncLimits> | undefined): SyncLimits {
  const limits: SyncLimits = { ...DEFAULT_SYNC_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`sync limit ${key} must be a positive number, got ${String(value)}`);
    }
  }
  return limits;
}
