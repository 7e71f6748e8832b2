/**
 * Counters of one sync service, read through `SyncService.metrics()` (the load bench and logs use them).
 * Kept per service instance, never module-global, so that tests running several servers see their own numbers.
 */
export interface SyncMetrics {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  updatesStored: number;
  updateBytesStored: number;
  /** Group commits: transactions that stored one or more updates. */
  commits: number;
  /** Wall time spent in group-commit flushes (apply, SQLite commit with its fsync, acks, relays), and the longest. */
  flushMs: number;
  maxFlushMs: number;
  updatesRejected: number;
  compactions: number;
  docsLoaded: number;
  docsUnloaded: number;
  connectionsOpened: number;
  connectionsClosed: number;
  badFrames: number;
  heartbeatTerminations: number;
  slowReaderCloses: number;
}

export function createMetrics(): SyncMetrics {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    updatesStored: 0,
    updateBytesStored: 0,
    commits: 0,
    flushMs: 0,
    maxFlushMs: 0,
    updatesRejected: 0,
    compactions: 0,
    docsLoaded: 0,
    docsUnloaded: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    badFrames: 0,
    heartbeatTerminations: 0,
    slowReaderCloses: 0,
  };
}
