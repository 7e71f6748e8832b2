export { mergeStoredDoc } from './merge.js';
export { CompactingStorage, compactNow, type CompactionPolicyOptions, type CompactionResult } from './compacting.js';
