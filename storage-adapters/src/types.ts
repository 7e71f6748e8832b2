/**
 * The storage seam of Concord: what a CRDT store needs, and nothing more.
 *
 * Doc data is kept as a snapshot plus a tail of appended updates. Values are opaque bytes: an adapter never
 * parses a Yjs update. The client-core and the compaction policy decide what the bytes mean.
 */

/** One appended update as it was stored. `seq` grows with every append to the same doc (gaps allowed). */
export interface StoredUpdate {
  readonly seq: number;
  readonly data: Uint8Array;
}

/** Everything stored for one doc: the last compacted snapshot (if any) and the updates appended after it, in order. */
export interface StoredDoc {
  readonly snapshot: Uint8Array | null;
  readonly updates: readonly StoredUpdate[];
}

export interface StorageAdapter {
  /**
   * Append one update to a doc's tail. Resolves once the update is durable (committed), with its seq.
   * Calls made in the same tick are written in one transaction (group commit), in call order.
   */
  appendUpdate(doc: string, update: Uint8Array): Promise<number>;

  /** The snapshot and the tail, tail in append order. A doc never written loads as `{snapshot: null, updates: []}`. */
  loadDoc(doc: string): Promise<StoredDoc>;

  /**
   * Atomically replace the snapshot by `snapshot` and delete every tail update with `seq <= uptoSeq`.
   * Updates appended after `uptoSeq` stay. A crash at any point leaves either the old state or the new one.
   */
  compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>;

  /** Names of docs that have a snapshot or updates, sorted; only those starting with `prefix` when given. */
  listDocs(prefix?: string): Promise<string[]>;

  /** Remove a doc's snapshot and tail. Deleting an unknown doc is not an error. */
  deleteDoc(doc: string): Promise<void>;

  /** Small records (session, cursors, settings). */
  getKv(key: string): Promise<Uint8Array | undefined>;
  setKv(key: string, value: Uint8Array): Promise<void>;
  deleteKv(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  listKv(prefix?: string): Promise<string[]>;

  /** Resolves when every write started before the call is durable. */
  flush(): Promise<void>;
  /** Flushes, then releases the underlying store. Every later call rejects with a StorageClosedError. */
  close(): Promise<void>;
}
