import { StorageClosedError, type StorageError } from './errors.js';

/** One write, as the group-commit queue hands it to an adapter. */
export type WriteOp =
  | { readonly kind: 'append'; readonly doc: string; readonly data: Uint8Array }
  | { readonly kind: 'compact'; readonly doc: string; readonly snapshot: Uint8Array; readonly uptoSeq: number }
  | { readonly kind: 'deleteDoc'; readonly doc: string }
  | { readonly kind: 'setKv'; readonly key: string; readonly value: Uint8Array }
  | { readonly kind: 'deleteKv'; readonly key: string };

/**
 * Writes every op in one transaction, in order, and returns one number per op (the seq for an append,
 * 0 otherwise). Throwing (or rejecting) must leave the store as it was before the call.
 */
export type CommitBatch = (ops: readonly WriteOp[]) => readonly number[] | Promise<readonly number[]>;

interface Pending {
  readonly op: WriteOp;
  readonly resolve: (seq: number) => void;
  readonly reject: (err: StorageError) => void;
}

/**
 * Group commit and lifecycle shared by every adapter.
 *
 * Writes queue up and go to the engine as one transaction per batch: the first write of a tick schedules a
 * batch on the microtask queue, so everything called synchronously after it (a Yjs transaction emitting
 * several updates, a burst of sends) joins it. While a batch is in flight, new writes gather into the next
 * one, so a slow engine (IndexedDB, eMMC fsync) gets bigger batches instead of a longer queue.
 * A microtask, not a timer: client-core tests fake timers, and a storage write must not wait on them.
 *
 * Reads first wait for the writes called before them (read-your-writes), and close() waits for running
 * reads, so an engine is never released under a running statement.
 */
export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Settles after the last scheduled batch; never rejects (failures go to each write's own promise). */
  private tail: Promise<void> = Promise.resolve();
  private readonly reads = new Set<Promise<unknown>>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private committed = 0;

  constructor(
    private readonly commit: CommitBatch,
    private readonly toStorageError: (err: unknown) => StorageError,
  ) {}

  /** Batches (transactions) started so far; tests and benchmarks use it to check group commit. */
  get batches(): number {
    return this.committed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(op: WriteOp): Promise<number> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.tail = this.tail.then(() => this.runBatch());
      }
    });
  }

  private async runBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    this.committed++;
    try {
      const seqs = await this.commit(batch.map((p) => p.op));
      batch.forEach((p, i) => p.resolve(seqs[i] ?? 0));
    } catch (err) {
      // A batch is one transaction: if it failed, nothing in it is stored, so every caller hears about it.
      const typed = this.toStorageError(err);
      for (const p of batch) p.reject(typed);
    }
  }

  /** Resolves once every write called before it has settled (each failure was reported to its own caller). */
  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new StorageClosedError());
    return this.tail;
  }

  async read<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) throw new StorageClosedError();
    const run = (async () => {
      await this.tail;
      try {
        return await fn();
      } catch (err) {
        throw this.toStorageError(err);
      }
    })();
    this.reads.add(run);
    try {
      return await run;
    } finally {
      this.reads.delete(run);
    }
  }

  /** Refuses new calls at once, lets queued writes and running reads finish, then runs `release` once. */
  close(release: () => void | Promise<void>): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      await this.tail;
      await Promise.allSettled([...this.reads]);
      try {
        await release();
      } catch (err) {
        throw this.toStorageError(err);
      }
    })();
    return this.closing;
  }
}
