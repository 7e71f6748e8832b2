/**
 * A Y.Doc and its persistence and acknowledgement state (composition, not a Y.Doc subclass).
 *
 * - Every `local` or `remote` update is appended to storage; `send()` awaits `persisted()` so a message is durable
 *   before the app hears it was sent. Loading applies the snapshot and tail with the `storage` origin.
 * - [CLIENTID-1] The Y.Doc gets a fresh random clientID each time it is created and the id is never stored.
 * - `acked` holds what the server is known to hold (ACK clocks, the server's SyncStep1 vector, and everything
 *   received from it); the doc has unacknowledged local changes iff its state vector exceeds it somewhere.
 */
import * as Y from 'yjs';
import type { StorageAdapter, StoredDoc } from '@concord/storage-adapters';
import type { Awareness } from 'y-protocols/awareness';
import { Emitter } from '../events/emitter.js';
import { type DocName, type StateVector } from '@concord/protocol';
import { randomClientId, type RandomBytes } from '../platform.js';
import { LOCAL, REMOTE, STORAGE, originOf, type Origin } from '../sync/origins.js';
import { decodeDocMeta, docMetaKey, emptyDocMeta, encodeDocMeta, mergeMax, unackedKey, type DocMeta } from './docMeta.js';

export interface DocHandleEvents {
  /** A local change to send (already queued for storage). */
  localUpdate: Uint8Array;
  /** Any change to the doc, or to what the server acknowledged or refused. */
  changed: { readonly source: Origin['source'] | 'ack' | 'reject' };
  storageError: Error;
}

/** Compact the stored tail after this many appends, so a load never replays a long log (DESIGN.md decision 4). */
const COMPACT_AFTER = 100;

export class DocHandle {
  readonly events = new Emitter<DocHandleEvents>();
  readonly doc: Y.Doc;
  awareness: Awareness | null = null;
  private meta: DocMeta = emptyDocMeta();
  private writes: Promise<void> = Promise.resolve();
  private metaWrites: Promise<void> = Promise.resolve();
  private tailLength = 0;
  private lastSeq = 0;
  private destroyed = false;
  private compactQueued = false;
  /** Whether the `unacked:` marker is (being) stored. */
  private unackedMarked = false;

  private constructor(
    readonly name: DocName,
    private readonly storage: StorageAdapter,
    private readonly random: RandomBytes,
  ) {
    this.doc = new Y.Doc({ gc: true });
    this.doc.clientID = randomClientId(random);
    // Attached once the stored state is applied (open): with an `update` listener Yjs re-encodes every
    // transaction, and re-encoding what was just read from storage only to drop it made loads ~1.7x slower.
  }

  private readonly onUpdateListener = (update: Uint8Array, origin: unknown): void => this.onUpdate(update, origin);

  /** Loads snapshot and tail. Unreadable parts are reported through `onCorrupt` and skipped; the rest is kept. */
  static async open(
    name: DocName,
    storage: StorageAdapter,
    random: RandomBytes,
    onCorrupt: (err: Error) => void,
  ): Promise<DocHandle> {
    const h = new DocHandle(name, storage, random);
    const [stored, metaBytes, marker] = await Promise.all([
      storage.loadDoc(name),
      storage.getKv(docMetaKey(name)),
      storage.getKv(unackedKey(name)),
    ]);
    h.unackedMarked = marker !== undefined;
    let bad: number;
    try {
      bad = h.applyStored(stored, onCorrupt);
    } finally {
      h.doc.on('update', h.onUpdateListener);
    }
    if (metaBytes !== undefined) {
      const meta = decodeDocMeta(metaBytes);
      if (meta === null) onCorrupt(new Error(`sync record of ${name} is unreadable; it will be rebuilt`));
      else h.meta = meta;
    }
    h.tailLength = stored.updates.length;
    h.lastSeq = stored.updates.at(-1)?.seq ?? 0;
    if (bad > 0 || h.tailLength > COMPACT_AFTER) h.compact();
    h.syncUnackedMarker();
    return h;
  }

  /** Applies snapshot and tail; returns how many parts could not be applied. */
  private applyStored(stored: StoredDoc, onCorrupt: (err: Error) => void): number {
    const parts = stored.snapshot === null ? [] : [stored.snapshot];
    for (const u of stored.updates) parts.push(u.data);
    let bad = 0;
    for (const part of parts) {
      try {
        Y.applyUpdate(this.doc, part, STORAGE);
      } catch {
        bad++;
      }
    }
    if (bad > 0) onCorrupt(new Error(`${bad} of ${parts.length} stored parts of ${this.name} could not be applied`));
    return bad;
  }

  get acked(): StateVector {
    return this.meta.acked;
  }
  get poisoned(): ReadonlySet<number> {
    return this.meta.poisoned;
  }
  get failed(): ReadonlyMap<string, { readonly reason: string; readonly retried?: boolean }> {
    return this.meta.failed;
  }

  /**
   * Apply an update received from the server; a broken one is dropped and reported, never thrown. The received
   * bytes are what gets stored: with the `update` listener detached Yjs does not re-encode them.
   */
  applyRemote(update: Uint8Array): boolean {
    // Structs held back for missing dependencies would be integrated by this update without being in its bytes:
    // then let Yjs encode what the transaction changed, as for any other change.
    if (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null) return this.applyRemoteEncoded(update);
    let changed = false;
    const watch = (tr: Y.Transaction): void => {
      if (tr.deleteSet.clients.size > 0) changed = true;
      else for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) changed = true;
    };
    this.doc.off('update', this.onUpdateListener);
    this.doc.on('afterTransaction', watch);
    try {
      Y.applyUpdate(this.doc, update, REMOTE);
    } catch (err) {
      this.events.emit('storageError', new Error(`bad update from server for ${this.name}: ${String(err)}`));
      return false;
    } finally {
      this.doc.off('afterTransaction', watch);
      this.doc.on('update', this.onUpdateListener);
    }
    if (changed) this.onUpdate(update, REMOTE);
    this.ackReceived(update);
    return true;
  }

  /**
   * What came from the server is held by the server, with everything before it of the same clients (the server
   * stores in causal order, TRUST-12). `encodeStateVectorFromUpdate` would skip clients whose structs in the update
   * do not start at clock 0, i.e. every incremental update, leaving them unacknowledged forever.
   */
  private ackReceived(update: Uint8Array): void {
    if (mergeMax(this.meta.acked, Y.parseUpdateMeta(update).to)) {
      this.saveMeta();
      this.syncUnackedMarker();
    }
  }

  private applyRemoteEncoded(update: Uint8Array): boolean {
    try {
      Y.applyUpdate(this.doc, update, REMOTE);
    } catch (err) {
      this.events.emit('storageError', new Error(`bad update from server for ${this.name}: ${String(err)}`));
      return false;
    }
    this.ackReceived(update);
    return true;
  }

  /** The server's clocks (ACK entries or its SyncStep1 vector). */
  acknowledge(clocks: Iterable<readonly [number, number]>): void {
    if (mergeMax(this.meta.acked, new Map(clocks))) {
      this.saveMeta();
      this.syncUnackedMarker();
      this.events.emit('changed', { source: 'ack' });
    }
  }

  /** Whether the server lacks some of this doc's local changes (refused client ids excluded). */
  hasUnacked(): boolean {
    for (const [client, clock] of this.stateVector()) {
      if (this.meta.poisoned.has(client)) continue;
      if ((this.meta.acked.get(client) ?? 0) < clock) return true;
    }
    return false;
  }

  stateVector(): StateVector {
    return Y.decodeStateVector(Y.encodeStateVector(this.doc));
  }

  /**
   * The server refused an update of this doc that carried structs of `clients` (those sent and not acknowledged).
   * Their client ids are never offered again (poisoned), the given messages fail with the reason, and when the
   * current clientID is among them the doc moves to a fresh one, so later changes do not depend on refused structs.
   */
  reject(reason: string, clients: ReadonlySet<number>, failedMessageIds: readonly string[]): void {
    for (const c of clients) this.meta.poisoned.add(c);
    for (const id of failedMessageIds) if (!this.meta.failed.has(id)) this.meta.failed.set(id, { reason });
    if (clients.has(this.doc.clientID)) this.doc.clientID = randomClientId(this.random);
    this.saveMeta();
    this.syncUnackedMarker();
    this.events.emit('changed', { source: 'reject' });
  }

  /** Client ids with local structs the server has not acknowledged (poisoned ones excluded). */
  unackedClients(): Set<number> {
    const out = new Set<number>();
    for (const [client, clock] of this.stateVector()) {
      if (!this.meta.poisoned.has(client) && (this.meta.acked.get(client) ?? 0) < clock) out.add(client);
    }
    return out;
  }

  markRetried(messageId: string): void {
    const f = this.meta.failed.get(messageId);
    if (f === undefined) return;
    this.meta.failed.set(messageId, { reason: f.reason, retried: true });
    this.saveMeta();
    this.events.emit('changed', { source: 'reject' });
  }

  /** Local change helper: runs `fn` in a transaction with the `local` origin. */
  transactLocal(fn: () => void): void {
    this.doc.transact(fn, LOCAL);
  }

  /** Resolves when every update applied so far is durable in storage. */
  async persisted(): Promise<void> {
    await this.writes;
    await this.metaWrites;
  }

  destroy(): void {
    this.destroyed = true;
    this.awareness?.destroy();
    this.awareness = null;
    this.doc.destroy();
    this.events.removeAll();
  }

  private onUpdate(update: Uint8Array, origin: unknown): void {
    const source = originOf(origin);
    if (source === 'storage' || this.destroyed) return;
    // The marker is stored before the update it announces, so a crash never leaves an unsent change unmarked.
    if (source === 'local' || source === null) this.markUnacked();
    this.writes = this.writes.then(async () => {
      try {
        this.lastSeq = await this.storage.appendUpdate(this.name, update);
        this.tailLength++;
      } catch (err) {
        this.events.emit('storageError', err instanceof Error ? err : new Error(String(err)));
      }
    });
    if (this.tailLength + 1 > COMPACT_AFTER) this.compact();
    if (source === 'local' || source === null) this.events.emit('localUpdate', update);
    this.events.emit('changed', { source: source ?? 'local' });
  }

  /** Replace the stored snapshot and tail by the current state, after the writes queued so far. */
  private compact(): void {
    if (this.compactQueued) return;
    this.compactQueued = true;
    this.writes = this.writes.then(async () => {
      this.compactQueued = false;
      if (this.destroyed) return;
      const snapshot = Y.encodeStateAsUpdate(this.doc);
      try {
        await this.storage.compactDoc(this.name, snapshot, this.lastSeq);
        this.tailLength = 0;
      } catch (err) {
        this.events.emit('storageError', err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private markUnacked(): void {
    if (this.unackedMarked) return;
    this.unackedMarked = true;
    this.writes = this.writes.then(async () => {
      try {
        await this.storage.setKv(unackedKey(this.name), new Uint8Array([1]));
      } catch (err) {
        this.events.emit('storageError', err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Store or drop the `unacked:` marker to match `hasUnacked()` (after the meta that explains it). */
  private syncUnackedMarker(): void {
    const unacked = this.hasUnacked();
    if (unacked && !this.unackedMarked) this.markUnacked();
    else if (!unacked && this.unackedMarked) {
      this.unackedMarked = false;
      this.metaWrites = this.metaWrites.then(async () => {
        try {
          if (!this.unackedMarked) await this.storage.deleteKv(unackedKey(this.name));
        } catch (err) {
          this.events.emit('storageError', err instanceof Error ? err : new Error(String(err)));
        }
      });
    }
  }

  private saveMeta(): void {
    const bytes = encodeDocMeta(this.meta);
    this.metaWrites = this.metaWrites.then(async () => {
      try {
        await this.storage.setKv(docMetaKey(this.name), bytes);
      } catch (err) {
        this.events.emit('storageError', err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}
