export type { StorageAdapter, StoredDoc, StoredUpdate } from './types.js';
