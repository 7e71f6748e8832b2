import { StorageError, messageOf } from '../errors.js';
import type { StorageAdapter, StoredDoc } from '../types.js';
import { mergeStoredDoc } from './merge.js';

/*
 * Why compaction never loses an update that the server has not acknowledged (an outbox entry):
 * - The snapshot written by a compaction is the merge of the old snapshot and every tail update up to
 *   `uptoSeq`, so it contains every struct those updates carried; deleting those rows removes bytes, never
 *   content. Updates appended after the tail was read have a larger seq and are not deleted.
 * - What is unacknowledged is never derived from tail rows. client-core computes it from the server's state
 *   vector for this device (Y.encodeStateAsUpdate(doc, serverStateVector)), which works the same on a
 *   snapshot as on a tail. So no row needs to be pinned until its ack arrives.
 * - A compaction is one transaction in the adapter (snapshot replaced and tail trimmed together), so a crash
 *   leaves either the old snapshot with the whole tail or the new snapshot with the rest of it.
 */

export interface CompactionResult {
  /** Every tail update with seq <= uptoSeq is now part of the snapshot. */
  readonly uptoSeq: number;
  /** Tail updates folded into the snapshot. */
  readonly merged: number;
  readonly snapshotBytes: number;
}

/** Loads a doc, merges snapshot and tail, and compacts it. Returns null when there was no tail to fold in. */
export async function compactNow(adapter: StorageAdapter, doc: string): Promise<CompactionResult | null> {
  const stored = await adapter.loadDoc(doc);
  return compactLoaded(adapter, doc, stored);
}

async function compactLoaded(
  adapter: StorageAdapter,
  doc: string,
  stored: StoredDoc,
  merged: Uint8Array = mergeStoredDoc(stored),
  stillWanted: () => boolean = () => true,
): Promise<CompactionResult | null> {
  const last = stored.updates.at(-1);
  if (last === undefined || !stillWanted()) return null;
  await adapter.compactDoc(doc, merged, last.seq);
  return { uptoSeq: last.seq, merged: stored.updates.length, snapshotBytes: merged.byteLength };
}

export interface CompactionPolicyOptions {
  /** Compact a doc once its tail is longer than this (default 200). */
  maxTail?: number;
  /**
   * Where a failed background compaction is reported (default: console.error). The data is intact after one
   * (the transaction rolled back); the next append past the threshold tries again.
   */
  onError?: (err: StorageError, doc: string) => void;
}

/**
 * A StorageAdapter that keeps every doc's tail short: once a doc's tail passes `maxTail`, it compacts that doc
 * in the background, one compaction per doc at a time. A load that finds a long tail (written before this
 * process, or by an app without the policy) returns the merged doc instead, so no load replays a long log.
 */
export class CompactingStorage implements StorageAdapter {
  readonly maxTail: number;
  private readonly onError: (err: StorageError, doc: string) => void;
  private readonly tails = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  /** Bumped by deleteDoc, so a compaction that read the doc before the delete does not bring it back. */
  private readonly generations = new Map<string, number>();
  private closing = false;

  constructor(
    readonly inner: StorageAdapter,
    options: CompactionPolicyOptions = {},
  ) {
    this.maxTail = options.maxTail ?? 200;
    this.onError =
      options.onError ?? ((err, doc) => console.error(`[storage] background compaction of ${doc} failed:`, err));
  }

  async appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    const seq = await this.inner.appendUpdate(doc, update);
    const n = (this.tails.get(doc) ?? 0) + 1;
    this.tails.set(doc, n);
    if (n > this.maxTail) this.schedule(doc);
    return seq;
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    const stored = await this.inner.loadDoc(doc);
    this.tails.set(doc, stored.updates.length);
    if (stored.updates.length <= this.maxTail) return stored;
    const merged = mergeStoredDoc(stored);
    if (!this.running.has(doc) && !this.closing) {
      this.track(doc, (wanted) => compactLoaded(this.inner, doc, stored, merged, wanted));
    }
    return { snapshot: merged, updates: [] };
  }

  /** Starts a background compaction of `doc` unless one is running. */
  private schedule(doc: string): void {
    if (this.running.has(doc) || this.closing) return;
    this.track(doc, async (wanted) => compactLoaded(this.inner, doc, await this.inner.loadDoc(doc), undefined, wanted));
  }

  private track(doc: string, run: (stillWanted: () => boolean) => Promise<CompactionResult | null>): void {
    const gen = this.generations.get(doc) ?? 0;
    const job = run(() => (this.generations.get(doc) ?? 0) === gen).then(
      (result) => {
        this.running.delete(doc);
        // Appends that landed while this ran were counted on top; only the folded-in ones leave the tail.
        if (result) this.tails.set(doc, Math.max(0, (this.tails.get(doc) ?? 0) - result.merged));
        if ((this.tails.get(doc) ?? 0) > this.maxTail && (this.generations.get(doc) ?? 0) === gen) this.schedule(doc);
      },
      (err: unknown) => {
        // No retry from here: a store that fails now would fail in a loop. The next append tries again.
        this.running.delete(doc);
        this.onError(err instanceof StorageError ? err : new StorageError('internal', messageOf(err), { cause: err }), doc);
      },
    );
    this.running.set(doc, job);
  }

  /** Resolves when no compaction is running (background failures went to onError). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running.values());
  }

  compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    return this.inner.compactDoc(doc, snapshot, uptoSeq);
  }

  deleteDoc(doc: string): Promise<void> {
    this.generations.set(doc, (this.generations.get(doc) ?? 0) + 1);
    this.tails.delete(doc);
    return this.inner.deleteDoc(doc);
  }

  listDocs(prefix?: string): Promise<string[]> {
    return this.inner.listDocs(prefix);
  }
  getKv(key: string): Promise<Uint8Array | undefined> {
    return this.inner.getKv(key);
  }
  setKv(key: string, value: Uint8Array): Promise<void> {
    return this.inner.setKv(key, value);
  }
  deleteKv(key: string): Promise<void> {
    return this.inner.deleteKv(key);
  }
  listKv(prefix?: string): Promise<string[]> {
    return this.inner.listKv(prefix);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** Lets running compactions finish (a half-done one would only be rolled back), then closes the store. */
  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
    await this.inner.close();
  }
}
