export type { StorageAdapter, StoredDoc, StoredUpdate } from './types.js';
export * from './errors.js';
export type { FaultPoint, StorageFaultHooks } from './faults.js';
export { GroupCommit, type CommitBatch, type WriteOp } from './batch.js';
export * from './policy/index.js';
