/**
 * The set of open DocHandles of one session. Concurrent opens of one doc share one load (a Map of promises), and
 * each new handle is announced once so the sync engine and the models can attach to it.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import type { DocName } from '@concord/protocol';
import type { RandomBytes } from '../platform.js';
import { DocHandle } from './docHandle.js';
import { docMetaKey } from './docMeta.js';

export class DocStore {
  private readonly loading = new Map<DocName, Promise<DocHandle>>();
  private readonly handles = new Map<DocName, DocHandle>();
  /** Docs being released: a new load waits until their writes are durable (and, when forgotten, deleted). */
  private readonly releasing = new Map<DocName, Promise<void>>();
  private readonly releaseTokens = new Map<DocName, object>();
  private readonly openListeners: ((handle: DocHandle) => void)[] = [];
  private closed = false;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly random: RandomBytes,
    private readonly onStorageError: (doc: DocName, err: Error) => void,
  ) {}

  /** Called for each handle once loaded, before `get` resolves. */
  onOpen(listener: (handle: DocHandle) => void): void {
    this.openListeners.push(listener);
  }

  get(name: DocName): Promise<DocHandle> {
    let p = this.loading.get(name);
    if (p === undefined) {
      const released = this.releasing.get(name);
      p = released === undefined ? this.load(name) : released.then(() => this.load(name));
      this.loading.set(name, p);
    }
    return p;
  }

  /** The handle if already loaded. */
  peek(name: DocName): DocHandle | undefined {
    return this.handles.get(name);
  }

  loaded(): DocHandle[] {
    return [...this.handles.values()];
  }

  /** Resolves when every loaded doc's updates are durable. */
  async persisted(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.persisted()));
  }

  /**
   * Drop a loaded doc from memory (SEG-7) after its queued writes are durable; with `forget`, delete its local copy
   * and sync record as well. The caller detaches its listeners first.
   */
  release(name: DocName, forget: boolean): Promise<void> {
    const handle = this.handles.get(name);
    if (handle === undefined) return Promise.resolve();
    this.handles.delete(name);
    this.loading.delete(name);
    const token = {};
    const done = (async (): Promise<void> => {
      try {
        await handle.persisted();
        handle.destroy();
        if (forget) {
          await this.storage.deleteDoc(name);
          await this.storage.deleteKv(docMetaKey(name));
        }
      } catch (err) {
        this.onStorageError(name, err instanceof Error ? err : new Error(String(err)));
      } finally {
        if (this.releaseTokens.get(name) === token) {
          this.releasing.delete(name);
          this.releaseTokens.delete(name);
        }
      }
    })();
    this.releasing.set(name, done);
    this.releaseTokens.set(name, token);
    return done;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.releasing.values()]);
    this.closed = true;
    await Promise.allSettled([...this.loading.values()]);
    await this.persisted();
    for (const h of this.handles.values()) h.destroy();
    this.handles.clear();
    this.loading.clear();
  }

  private async load(name: DocName): Promise<DocHandle> {
    const handle = await DocHandle.open(name, this.storage, this.random, (err) => this.onStorageError(name, err));
    if (this.closed) {
      handle.destroy();
      throw new Error('doc store closed');
    }
    handle.events.on('storageError', (err) => this.onStorageError(name, err));
    this.handles.set(name, handle);
    for (const l of this.openListeners) l(handle);
    return handle;
  }
}
