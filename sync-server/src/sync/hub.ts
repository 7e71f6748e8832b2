/**
 * The hub: loaded docs, their subscribers and awareness, the store pipeline (validate, group commit, apply, ack,
 * relay, notify), compaction and unloading. Endpoints call it; it never touches sockets except through `Peer`.
 *
 * Ordering guarantee (ACK-1): updates received in one event-loop turn are queued and flushed together in a
 * `setImmediate`, or, within `limits.commitIntervalMs` of the previous group commit, in a timer at its end (so that
 * updates of several turns share one commit). The flush applies them to the in-memory docs, commits them in one SQLite transaction, and only
 * then acknowledges and relays. The flush is synchronous (better-sqlite3), so no other handler can observe the
 * in-memory doc between the apply and the commit: nothing unstored is ever sent.
 *
 * Loads are synchronous too, for the same reason: a load cannot interleave with anything, so concurrent loads of
 * one doc cannot happen and need no Map<string, Promise> dedupe. An async backend (PostgreSQL) would need one.
 */
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Logger } from 'pino';
import {
  ErrorCode,
  FrameKind,
  encodeFrame,
  parseDocName,
  type ClockEntry,
  type DeviceId,
  type DocName,
  type ParsedDocName,
  type UserId,
} from '@concord/protocol';
import type { AccessPolicy } from '../seams.js';
import type { Compaction, DocStore } from './docStore.js';
import type { SyncLimits } from './limits.js';
import type { SyncMetrics } from './metrics.js';
import type { Peer, PeerKind } from './peer.js';
import { RefusalLog } from './refusalLog.js';
import { DEFAULT_RULES, updateClients, validateUpdate, type Admission, type DecodedUpdate, type Refusal, type UpdateRule } from './validate.js';

/** Transaction origins on the server's copies: decide nothing by identity, only by `source`. */
export type ServerOrigin = { readonly source: 'client'; readonly peer: Peer } | { readonly source: 'server' } | { readonly source: 'storage' };

const STORAGE_ORIGIN: ServerOrigin = { source: 'storage' };
const SERVER_ORIGIN: ServerOrigin = { source: 'server' };

export interface DocHandle {
  readonly name: DocName;
  readonly parsed: ParsedDocName;
  ydoc: Y.Doc;
  readonly subscribers: Set<Peer>;
  awareness: awarenessProtocol.Awareness | null;
  /** Awareness client ids each peer has set, removed when the peer leaves. */
  readonly awarenessOwners: Map<Peer, Set<number>>;
  lastSeq: number;
  tail: number;
  /** Bytes of the stored tail and of the stored snapshot (0 if none): what the compaction trigger weighs (DUR-3). */
  tailBytes: number;
  snapshotBytes: number;
  queued: number;
  unloadTimer: NodeJS.Timeout | null;
  /** `varUint SYNC, varString doc`: the start of every multiplexed SYNC frame of this doc, encoded once. */
  readonly muxSyncPrefix: Uint8Array;
  /** Who may see the doc (for NOTIFY), cached: asking the membership tables on every stored update is hot-path work. */
  audience: { readonly users: readonly UserId[]; readonly at: number } | null;
}

/**
 * How long a doc's audience is trusted without asking again. Membership changes go through `transact`, which drops
 * the cache at once; the bound only covers changes made to the tables by other means.
 */
const AUDIENCE_TTL_MS = 5_000;

/** Time a flush may spend on compaction snapshots (at least one is taken per flush while any is pending). */
const COMPACTION_BUDGET_MS = 2;

/**
 * [DUR-3] A tail over `compactAfterUpdates` is compacted once its bytes reach this fraction of the snapshot's, so
 * the snapshots written stay a bounded multiple of the update bytes (each snapshot rewrites the whole doc: at a
 * fixed count they cost O(doc size) per 100 updates, ~5x the update bytes for a doc of 1,000 messages).
 */
const COMPACT_TAIL_TO_SNAPSHOT = 1;
/**
 * ... and whatever the bytes, once the tail is this many times `compactAfterUpdates`: loads never replay a long log
 * (2,000 updates replay in ~15 ms; replays grow superlinear beyond, DESIGN 4).
 */
const COMPACT_MAX_TAIL_FACTOR = 4;

interface QueuedUpdate {
  readonly handle: DocHandle;
  readonly peer: Peer;
  readonly bytes: Uint8Array;
  readonly update: DecodedUpdate;
}

export interface SyncHubOptions {
  readonly store: DocStore;
  readonly access: AccessPolicy;
  readonly limits: SyncLimits;
  readonly metrics: SyncMetrics;
  readonly logger: Logger;
  /** Further update rules (the trust issue's ownership checks), run after the built-in ones. */
  readonly extraRules?: readonly UpdateRule[];
  /** [TRUST-16] The rate gate run before every check, refusals included. */
  readonly admission?: Admission;
  /** [TRUST-6] Writes rows inside each group commit's transaction (the client-id bindings the updates rely on). */
  readonly inCommit?: () => void;
  /** Trust hook (TRUST-8): checks an awareness update before it is applied or relayed; null lets it through. */
  readonly awarenessRule?: AwarenessRule;
  /** Trust hook (TRUST-6): called before each server-authored change, to bind the writer's client id. */
  readonly beforeServerWrite?: (ydoc: Y.Doc) => void;
  /**
   * Trust hook (SEG-3): called after each flush that held updates, whether they were stored or not. Every update
   * validated before it was in it, so what a rule accepted as pending is settled by then.
   */
  readonly afterFlush?: () => void;
  /** [PRES-1] A user's first socket opened (`true`) or their last one closed (`false`). */
  readonly onUserSockets?: (userId: UserId, online: boolean) => void;
}

/** Checks one awareness update of a peer for a doc it is subscribed to. Throws only for a malformed update. */
export type AwarenessRule = (
  ctx: { readonly auth: Peer['auth']; readonly doc: DocName; readonly ydoc: Y.Doc; readonly connection: number },
  update: Uint8Array,
) => Refusal | null;

export class SyncHub {
  private readonly docs = new Map<DocName, DocHandle>();
  private readonly peerDocs = new Map<Peer, Map<DocName, DocHandle>>();
  private readonly muxPeersByUser = new Map<UserId, Set<Peer>>();
  private readonly peersByDevice = new Map<DeviceId, Set<Peer>>();
  private readonly socketsByUser = new Map<UserId, number>();
  private readonly rules: readonly UpdateRule[];
  private readonly refusals: RefusalLog;
  private queue: QueuedUpdate[] = [];
  /** Loaded docs without subscribers, longest idle first (DUR-4). */
  private readonly idle = new Set<DocHandle>();
  /** Docs whose tail is over the limit: compacted in the next group commit. */
  private readonly compactPending = new Set<DocHandle>();
  private flushScheduled: { readonly immediate: NodeJS.Immediate | null; readonly timer: NodeJS.Timeout | null } | null = null;
  /** performance.now() at the start of the last flush that committed updates. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(private readonly opts: SyncHubOptions) {
    this.rules = [...DEFAULT_RULES, ...(opts.extraRules ?? [])];
    this.refusals = new RefusalLog(opts.logger);
  }

  get store(): DocStore {
    return this.opts.store;
  }
  get access(): AccessPolicy {
    return this.opts.access;
  }

  // ---- peers ------------------------------------------------------------------------------------------------

  /**
   * [WIRE-7] Registers an authenticated socket; false (and nothing registered) when its device or user already holds
   * as many as the limits allow: the endpoint closes it with 4429.
   */
  addPeer(peer: Peer): boolean {
    const byUser = this.socketsByUser.get(peer.auth.userId) ?? 0;
    if ((this.peersByDevice.get(peer.auth.deviceId)?.size ?? 0) >= this.opts.limits.maxSocketsPerDevice || byUser >= this.opts.limits.maxSocketsPerUser) {
      return false;
    }
    this.socketsByUser.set(peer.auth.userId, byUser + 1);
    this.peerDocs.set(peer, new Map());
    addTo(this.peersByDevice, peer.auth.deviceId, peer);
    if (peer.kind === 'mux') addTo(this.muxPeersByUser, peer.auth.userId, peer);
    if (byUser === 0) this.opts.onUserSockets?.(peer.auth.userId, true);
    return true;
  }

  removePeer(peer: Peer): void {
    const docs = this.peerDocs.get(peer);
    if (docs === undefined) return;
    for (const handle of [...docs.values()]) this.unsubscribe(peer, handle.name);
    this.peerDocs.delete(peer);
    const left = (this.socketsByUser.get(peer.auth.userId) ?? 1) - 1;
    if (left > 0) this.socketsByUser.set(peer.auth.userId, left);
    else this.socketsByUser.delete(peer.auth.userId);
    removeFrom(this.peersByDevice, peer.auth.deviceId, peer);
    if (peer.kind === 'mux') removeFrom(this.muxPeersByUser, peer.auth.userId, peer);
    if (left <= 0) this.opts.onUserSockets?.(peer.auth.userId, false);
  }

  /** The multiplexed sockets of a user (PRES-1: only they carry PRESENCE). */
  muxPeersOfUser(userId: string): Peer[] {
    return [...(this.muxPeersByUser.get(userId as UserId) ?? [])];
  }

  /** Whether a user has a socket open on either endpoint. */
  userConnected(userId: string): boolean {
    return this.socketsByUser.has(userId as UserId);
  }

  peersOfDevice(deviceId: DeviceId): Peer[] {
    return [...(this.peersByDevice.get(deviceId) ?? [])];
  }

  allPeers(): Peer[] {
    return [...this.peerDocs.keys()];
  }

  subscription(peer: Peer, doc: DocName): DocHandle | undefined {
    return this.peerDocs.get(peer)?.get(doc);
  }

  subscriptionCount(peer: Peer): number {
    return this.peerDocs.get(peer)?.size ?? 0;
  }

  /** Subscribes after the caller's access check. */
  subscribe(peer: Peer, doc: DocName): DocHandle {
    const docs = this.peerDocs.get(peer);
    if (docs === undefined) throw new Error('subscribe of an unknown peer');
    const existing = docs.get(doc);
    if (existing !== undefined) return existing;
    const handle = this.open(doc);
    handle.subscribers.add(peer);
    docs.set(doc, handle);
    if (handle.unloadTimer !== null) {
      clearTimeout(handle.unloadTimer);
      handle.unloadTimer = null;
    }
    this.idle.delete(handle);
    return handle;
  }

  unsubscribe(peer: Peer, doc: DocName): void {
    const docs = this.peerDocs.get(peer);
    const handle = docs?.get(doc);
    if (docs === undefined || handle === undefined) return;
    docs.delete(doc);
    handle.subscribers.delete(peer);
    const owned = handle.awarenessOwners.get(peer);
    handle.awarenessOwners.delete(peer);
    if (owned !== undefined && owned.size > 0 && handle.awareness !== null) {
      // Tell the others this peer's cursors and typing states are gone, as y-websocket's server does on close.
      awarenessProtocol.removeAwarenessStates(handle.awareness, [...owned], null);
    }
    this.scheduleUnload(handle);
  }

  // ---- docs -------------------------------------------------------------------------------------------------

  /** The loaded doc, loading it from storage if needed (synchronous: see the module comment). */
  open(doc: DocName): DocHandle {
    const loaded = this.docs.get(doc);
    if (loaded !== undefined) return loaded;
    const parsed = parseDocName(doc);
    if (parsed === null) throw new Error(`invalid doc name ${doc}`);
    const prefix = encoding.createEncoder();
    encoding.writeVarUint(prefix, FrameKind.Sync);
    encoding.writeVarString(prefix, doc);
    const handle: DocHandle = {
      name: doc,
      parsed,
      ydoc: new Y.Doc({ gc: true }),
      subscribers: new Set(),
      awareness: null,
      awarenessOwners: new Map(),
      lastSeq: 0,
      tail: 0,
      tailBytes: 0,
      snapshotBytes: 0,
      queued: 0,
      unloadTimer: null,
      muxSyncPrefix: encoding.toUint8Array(prefix),
      audience: null,
    };
    this.loadInto(handle);
    this.docs.set(doc, handle);
    this.opts.metrics.docsLoaded++;
    return handle;
  }

  private loadInto(handle: DocHandle): void {
    const stored = this.opts.store.load(handle.name);
    const ydoc = new Y.Doc({ gc: true });
    ydoc.transact(() => {
      if (stored.snapshot !== null) Y.applyUpdate(ydoc, stored.snapshot, STORAGE_ORIGIN);
      for (const u of stored.tail) Y.applyUpdate(ydoc, u, STORAGE_ORIGIN);
    }, STORAGE_ORIGIN);
    handle.ydoc = ydoc;
    handle.lastSeq = stored.lastSeq;
    handle.tail = stored.tail.length;
    handle.tailBytes = stored.tail.reduce((sum, u) => sum + u.byteLength, 0);
    handle.snapshotBytes = stored.snapshot?.byteLength ?? 0;
    if (this.needsCompaction(handle)) this.scheduleCompaction(handle);
  }

  /** Number of docs in memory (tests and metrics). */
  loadedDocs(): number {
    return this.docs.size;
  }

  isLoaded(doc: DocName): boolean {
    return this.docs.has(doc);
  }

  /**
   * A conversation's loaded segment docs k >= 1, stored or not: every subscription is to a loaded doc, so these are
   * all the segments a removed member can still be subscribed to (HTTP-22). A scan of the loaded docs: it runs on a
   * membership removal, which is rare next to what an index would cost every load and unload.
   */
  loadedSegments(conversationId: string): DocName[] {
    const names: DocName[] = [];
    for (const h of this.docs.values()) {
      if (h.parsed.kind === 'conv' && h.parsed.segment >= 1 && h.parsed.conversationId === conversationId) names.push(h.name);
    }
    return names;
  }

  private scheduleUnload(handle: DocHandle): void {
    if (handle.subscribers.size > 0 || handle.unloadTimer !== null || this.closed) return;
    handle.unloadTimer = setTimeout(() => {
      handle.unloadTimer = null;
      if (handle.subscribers.size > 0) return;
      // Updates still waiting for their commit, or a snapshot still to take: try again later rather than keep the
      // doc loaded for good.
      if (!this.unloadNow(handle)) this.scheduleUnload(handle);
    }, this.opts.limits.unloadAfterMs);
    handle.unloadTimer.unref();
    // [DUR-4] at most maxIdleDocs docs without subscribers stay loaded: the longest idle go first.
    this.idle.delete(handle);
    this.idle.add(handle);
    if (this.idle.size <= this.opts.limits.maxIdleDocs) return;
    for (const h of [...this.idle]) {
      if (this.idle.size <= this.opts.limits.maxIdleDocs) break;
      if (h.subscribers.size > 0) this.idle.delete(h);
      else this.unloadNow(h);
    }
  }

  /** Unloads a doc that nobody is subscribed to; false (and nothing done) while it has unstored work. */
  private unloadNow(handle: DocHandle): boolean {
    if (handle.subscribers.size > 0 || handle.queued > 0 || this.compactPending.has(handle)) return false;
    if (handle.unloadTimer !== null) {
      clearTimeout(handle.unloadTimer);
      handle.unloadTimer = null;
    }
    this.idle.delete(handle);
    // Nothing unstored can be lost here: every applied update was committed in the same flush.
    this.docs.delete(handle.name);
    handle.awareness?.destroy();
    handle.ydoc.destroy();
    this.opts.metrics.docsUnloaded++;
    return true;
  }

  // ---- client updates ---------------------------------------------------------------------------------------

  /**
   * Validates a client update and queues it for the next group commit; the sender gets ACK or REJECT. Returns
   * false when refused.
   */
  submit(peer: Peer, handle: DocHandle, bytes: Uint8Array): boolean {
    const verdict = validateUpdate(
      { auth: peer.auth, doc: handle.name, parsed: handle.parsed, ydoc: handle.ydoc, maxUpdateBytes: this.opts.limits.maxUpdateBytes, connection: peer.id },
      bytes,
      this.rules,
      this.opts.admission,
    );
    if (!verdict.ok) {
      this.opts.metrics.updatesRejected++;
      this.refusals.note(peer.auth.userId, handle.name, verdict.code, verdict.message);
      peer.sendReject(handle.name, verdict.code, verdict.message);
      // A rule may judge the sender abusive (TRUST-11): the REJECT goes first so the client learns why.
      if (verdict.close !== undefined) peer.close(verdict.close, verdict.code);
      return false;
    }
    if (verdict.update.structs.length === 0 && verdict.update.ds.clients.size === 0) {
      // An empty SyncStep2 (nothing the server lacks): nothing to store, and the server's SyncStep1 already told
      // the client what it holds.
      return true;
    }
    handle.queued++;
    this.queue.push({ handle, peer, bytes, update: verdict.update });
    this.scheduleFlush();
    return true;
  }

  /** Group commit of everything queued and of pending compactions (also called on close). Never throws. */
  flush(): void {
    this.cancelFlush();
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 && this.compactPending.size === 0) return;
    const started = performance.now();
    if (batch.length > 0) this.lastCommitAt = started;
    try {
      this.flushBatch(batch);
    } finally {
      if (batch.length > 0) this.settleAfterFlush();
      const ms = performance.now() - started;
      this.opts.metrics.flushMs += ms;
      if (ms > this.opts.metrics.maxFlushMs) this.opts.metrics.maxFlushMs = ms;
    }
  }

  private settleAfterFlush(): void {
    try {
      this.opts.afterFlush?.();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'afterFlush failed');
    }
  }

  /**
   * [DUR-1] The next group commit: in this turn's `setImmediate`, or, if the previous commit started less than
   * `limits.commitIntervalMs` ago, when that interval ends (adding at most that much to an update's latency). Each
   * commit is an fsync and several WAL pages however few updates it holds; at 2,000 updates/s a commit per event-loop
   * turn held 1-7 of them.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled !== null) return;
    const wait = this.lastCommitAt + this.opts.limits.commitIntervalMs - performance.now();
    this.flushScheduled =
      wait > 0 ? { immediate: null, timer: setTimeout(() => this.flush(), wait) } : { immediate: setImmediate(() => this.flush()), timer: null };
  }

  private cancelFlush(): void {
    const scheduled = this.flushScheduled;
    if (scheduled === null) return;
    this.flushScheduled = null;
    if (scheduled.immediate !== null) clearImmediate(scheduled.immediate);
    if (scheduled.timer !== null) clearTimeout(scheduled.timer);
  }

  private flushBatch(batch: readonly QueuedUpdate[]): void {
    // [DUR-3] Snapshots are taken before this batch is applied: each is exactly the doc at its lastSeq.
    const compactions: Compaction[] = [];
    const compacted: DocHandle[] = [];
    const snapshotBytes = new Map<DocHandle, number>();
    // Snapshots cost O(doc size) each, and docs that filled up together cross the limit together: taking them all
    // in one flush blocked the event loop for 100+ ms. Each flush takes snapshots only within a small time budget
    // (at least one); the rest stay pending for the next flushes, which are scheduled at once.
    const budgetEnd = performance.now() + COMPACTION_BUDGET_MS;
    for (const handle of this.compactPending) {
      if (compacted.length > 0 && performance.now() >= budgetEnd) break;
      this.compactPending.delete(handle);
      if (this.docs.get(handle.name) !== handle || handle.tail === 0) continue;
      try {
        const snapshot = Y.encodeStateAsUpdate(handle.ydoc);
        compactions.push({ doc: handle.name, snapshot, uptoSeq: handle.lastSeq });
        compacted.push(handle);
        snapshotBytes.set(handle, snapshot.byteLength);
      } catch (err) {
        this.opts.logger.error({ doc: handle.name, err: (err as Error).message }, 'snapshot failed');
      }
    }
    if (this.compactPending.size > 0) this.scheduleFlush();
    // [VAL-5] What is stored and relayed is what the server integrated, re-encoded by Yjs from the transaction (the
    // structs that were new, checked and applied, and the deletions that took effect), never the bytes as received:
    // a struct the server already held is not passed on, so a re-sent id with other content reaches nobody.
    const applied: { readonly item: QueuedUpdate; readonly data: Uint8Array | null }[] = [];
    const broken = new Set<DocHandle>();
    for (const item of batch) {
      item.handle.queued--;
      const parts: Uint8Array[] = [];
      const onUpdate = (u: Uint8Array): void => {
        parts.push(u);
      };
      const ydoc = item.handle.ydoc;
      ydoc.on('update', onUpdate);
      try {
        Y.applyUpdate(ydoc, item.bytes, { source: 'client', peer: item.peer } satisfies ServerOrigin);
        const data = parts.length === 0 ? null : parts.length === 1 && parts[0] !== undefined ? parts[0] : Y.mergeUpdates(parts);
        applied.push({ item, data });
      } catch (err) {
        // Decoding succeeded but integration failed: the in-memory copy may be half-changed, so it is rebuilt
        // from storage below, and the update is neither stored nor relayed.
        broken.add(item.handle);
        this.opts.metrics.updatesRejected++;
        this.opts.logger.warn({ doc: item.handle.name, err: (err as Error).message }, 'update failed to apply');
        item.peer.sendReject(item.handle.name, ErrorCode.InvalidUpdate, 'VAL-2: update could not be applied');
      } finally {
        ydoc.off('update', onUpdate);
      }
    }
    const stored = applied.filter((a): a is { readonly item: QueuedUpdate; readonly data: Uint8Array } => a.data !== null);
    let seqs: number[];
    try {
      seqs = this.opts.store.append(
        stored.map((a) => ({ doc: a.item.handle.name, data: a.data })),
        compactions,
        this.opts.inCommit,
      );
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message, updates: stored.length }, 'storing updates failed');
      for (const handle of compacted) broken.add(handle);
      for (const { item } of applied) {
        broken.add(item.handle);
        item.peer.sendReject(item.handle.name, ErrorCode.Internal, 'the server could not store the update');
      }
      for (const handle of broken) this.reload(handle);
      return;
    }
    if (stored.length > 0) this.opts.metrics.commits++;
    for (const handle of compacted) {
      handle.tail = 0;
      handle.tailBytes = 0;
      handle.snapshotBytes = snapshotBytes.get(handle) ?? 0;
    }
    this.opts.metrics.compactions += compacted.length;
    const notify = new Map<DocHandle, number>();
    let next = 0;
    for (const { item, data } of applied) {
      const { handle } = item;
      if (data !== null) {
        const seq = seqs[next++];
        if (seq === undefined) continue;
        handle.lastSeq = seq;
        handle.tail++;
        handle.tailBytes += data.byteLength;
        this.opts.metrics.updatesStored++;
        this.opts.metrics.updateBytesStored += data.byteLength;
        notify.set(handle, seq);
        if (this.needsCompaction(handle)) this.scheduleCompaction(handle);
      }
      try {
        // Nothing new (a re-send of what the server holds) is acknowledged at the doc's current seq: the sender
        // learns its structs are durable, and nothing is stored or relayed.
        item.peer.sendAck(handle.name, handle.lastSeq, clocksFor(handle.ydoc, updateClients(item.update)));
        if (data !== null) this.relayUpdate(handle, data, item.peer);
      } catch (err) {
        // Stored already: one failed send must not cost the rest of the batch their acks and relays.
        this.opts.logger.error({ doc: handle.name, err: (err as Error).message }, 'ack or relay failed');
      }
    }
    for (const [handle, seq] of notify) this.notifyUnsubscribed(handle, seq);
    for (const handle of broken) this.reload(handle);
  }

  private reload(handle: DocHandle): void {
    try {
      handle.ydoc.destroy();
      this.loadInto(handle);
    } catch (err) {
      this.opts.logger.error({ doc: handle.name, err: (err as Error).message }, 'reloading a doc failed');
    }
  }

  /** Sends a stored update to every subscriber but the sender, framing it once per endpoint kind. */
  private relayUpdate(handle: DocHandle, update: Uint8Array, except: Peer | null): void {
    if (handle.subscribers.size === 0 || (handle.subscribers.size === 1 && except !== null && handle.subscribers.has(except))) return;
    const frames: Partial<Record<PeerKind, Uint8Array>> = {};
    for (const peer of handle.subscribers) {
      if (peer === except) continue;
      const frame = (frames[peer.kind] ??= this.frameUpdate(peer.kind, handle, update));
      peer.send(frame);
    }
  }

  /** Frames a y-protocols update message (`2, varUint8Array update`) for one endpoint kind, in one allocation. */
  private frameUpdate(kind: PeerKind, handle: DocHandle, update: Uint8Array): Uint8Array {
    const prefix = kind === 'mux' ? handle.muxSyncPrefix : PLAIN_SYNC_PREFIX;
    let lenBytes = 1;
    for (let n = update.byteLength; n >= 0x80; n = Math.floor(n / 0x80)) lenBytes++;
    const frame = new Uint8Array(prefix.byteLength + 1 + lenBytes + update.byteLength);
    frame.set(prefix, 0);
    let pos = prefix.byteLength;
    frame[pos++] = 2; // y-protocols messageYjsUpdate
    let n = update.byteLength;
    while (n >= 0x80) {
      frame[pos++] = 0x80 | (n & 0x7f);
      n = Math.floor(n / 0x80);
    }
    frame[pos++] = n;
    frame.set(update, pos);
    return frame;
  }

  /** Frames a y-protocols sync message for one endpoint kind. */
  frameSync(kind: PeerKind, handle: DocHandle, message: Uint8Array): Uint8Array {
    const prefix = kind === 'mux' ? handle.muxSyncPrefix : PLAIN_SYNC_PREFIX;
    const frame = new Uint8Array(prefix.byteLength + message.byteLength);
    frame.set(prefix, 0);
    frame.set(message, prefix.byteLength);
    return frame;
  }

  frameAwareness(kind: PeerKind, handle: DocHandle, update: Uint8Array): Uint8Array {
    if (kind === 'mux') return encodeFrame({ kind: FrameKind.Awareness, doc: handle.name, update });
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, FrameKind.Awareness);
    encoding.writeVarUint8Array(e, update);
    return encoding.toUint8Array(e);
  }

  /** [SYNC-6] Devices that may see the doc and are connected on /v1/sync without subscribing to it learn of it. */
  private notifyUnsubscribed(handle: DocHandle, seq: number): void {
    if (this.muxPeersByUser.size === 0) return;
    const now = Date.now();
    if (handle.audience === null || now - handle.audience.at > AUDIENCE_TTL_MS) {
      try {
        handle.audience = { users: this.opts.access.usersWhoMaySee(handle.name), at: now };
      } catch (err) {
        this.opts.logger.error({ doc: handle.name, err: (err as Error).message }, 'usersWhoMaySee failed');
        return;
      }
    }
    for (const user of handle.audience.users) {
      const peers = this.muxPeersByUser.get(user);
      if (peers === undefined) continue;
      for (const peer of peers) if (!handle.subscribers.has(peer)) peer.sendNotify(handle.name, seq);
    }
  }

  // ---- server-authored changes ------------------------------------------------------------------------------

  /**
   * Applies a server change with the server's origin (no client validation), stores it at once, relays it, and
   * re-checks the access of the doc's subscribers (the change may have been a membership change).
   */
  transact(doc: DocName, change: (ydoc: Y.Doc) => void): void {
    if (this.closed) throw new Error('sync service closed');
    const handle = this.open(doc);
    // The change may be a membership change: who may see the doc is asked again.
    handle.audience = null;
    // Client updates queued before this change are committed first so that seqs follow the order of application.
    this.flush();
    const parts: Uint8Array[] = [];
    const onUpdate = (u: Uint8Array): void => {
      parts.push(u);
    };
    this.opts.beforeServerWrite?.(handle.ydoc);
    handle.ydoc.on('update', onUpdate);
    try {
      handle.ydoc.transact(() => change(handle.ydoc), SERVER_ORIGIN);
    } finally {
      handle.ydoc.off('update', onUpdate);
    }
    if (parts.length > 0) {
      const update = parts.length === 1 && parts[0] !== undefined ? parts[0] : Y.mergeUpdates(parts);
      let seq: number | undefined;
      try {
        seq = this.opts.store.append([{ doc, data: update }])[0];
      } catch (err) {
        this.reload(handle);
        throw err;
      }
      if (seq === undefined) throw new Error('store returned no seq');
      handle.lastSeq = seq;
      handle.tail++;
      handle.tailBytes += update.byteLength;
      this.opts.metrics.updatesStored++;
      this.opts.metrics.updateBytesStored += update.byteLength;
      this.relayUpdate(handle, update, null);
      this.notifyUnsubscribed(handle, seq);
      if (this.needsCompaction(handle)) this.scheduleCompaction(handle);
    }
    for (const peer of [...handle.subscribers]) {
      if (!this.opts.access.canAccess(peer.auth.userId, doc)) {
        this.unsubscribe(peer, doc);
        peer.revokeDoc(doc);
      }
    }
    this.scheduleUnload(handle);
  }

  // ---- awareness --------------------------------------------------------------------------------------------

  /** Applies a peer's awareness update and relays it to the doc's other subscribers. Throws on malformed input. */
  applyAwareness(peer: Peer, handle: DocHandle, update: Uint8Array): void {
    const refusal = this.opts.awarenessRule?.({ auth: peer.auth, doc: handle.name, ydoc: handle.ydoc, connection: peer.id }, update) ?? null;
    if (refusal !== null) {
      // Refused awareness is neither applied nor relayed (TRUST-8); the connection stays unless the rule says close.
      peer.sendReject(handle.name, refusal.code, refusal.message);
      if (refusal.close !== undefined) peer.close(refusal.close, refusal.code);
      return;
    }
    const awareness = this.awarenessOf(handle);
    awarenessProtocol.applyAwarenessUpdate(awareness, update, peer);
  }

  /** Every awareness state of the doc, as one update, or null if there is none. */
  awarenessSnapshot(handle: DocHandle): Uint8Array | null {
    const a = handle.awareness;
    if (a === null || a.getStates().size === 0) return null;
    return awarenessProtocol.encodeAwarenessUpdate(a, [...a.getStates().keys()]);
  }

  private awarenessOf(handle: DocHandle): awarenessProtocol.Awareness {
    if (handle.awareness !== null) return handle.awareness;
    // Created on first use: most docs of an idle device never see awareness, and each Awareness runs a timer.
    const awareness = new awarenessProtocol.Awareness(handle.ydoc);
    awareness.setLocalState(null);
    awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const changed = [...added, ...updated, ...removed];
        const from = isPeer(origin) && handle.subscribers.has(origin) ? origin : null;
        if (from !== null) {
          let owned = handle.awarenessOwners.get(from);
          if (owned === undefined) handle.awarenessOwners.set(from, (owned = new Set()));
          for (const id of added) owned.add(id);
          for (const id of removed) owned.delete(id);
        }
        const update = awarenessProtocol.encodeAwarenessUpdate(awareness, changed);
        const frames: Partial<Record<PeerKind, Uint8Array>> = {};
        for (const peer of handle.subscribers) {
          if (peer === from) continue;
          peer.send((frames[peer.kind] ??= this.frameAwareness(peer.kind, handle, update)));
        }
      },
    );
    handle.awareness = awareness;
    return awareness;
  }

  // ---- compaction -------------------------------------------------------------------------------------------

  /** [DUR-3] A tail over the count limit whose bytes reach the snapshot's, or a tail far over the count limit. */
  private needsCompaction(handle: DocHandle): boolean {
    const limit = this.opts.limits.compactAfterUpdates;
    if (handle.tail <= limit) return false;
    return handle.tailBytes >= handle.snapshotBytes * COMPACT_TAIL_TO_SNAPSHOT || handle.tail > limit * COMPACT_MAX_TAIL_FACTOR;
  }

  private scheduleCompaction(handle: DocHandle): void {
    this.compactPending.add(handle);
    // A doc that goes quiet right after crossing the limit is still compacted, by a flush of its own.
    this.scheduleFlush();
  }

  // ---- lifecycle --------------------------------------------------------------------------------------------

  close(): void {
    this.flush();
    // Compactions left over by the per-flush budget: done now, bounded by the number of loaded docs.
    for (let i = 0; i <= this.docs.size && this.compactPending.size > 0; i++) this.flush();
    this.cancelFlush();
    // [DUR-6] The docs rows written behind are brought up to date, so the next start has nothing to catch up.
    try {
      this.opts.store.writeDocs();
    } catch (err) {
      this.opts.logger.error({ err: (err as Error).message }, 'writing the docs rows failed');
    }
    this.closed = true;
    for (const handle of this.docs.values()) {
      if (handle.unloadTimer !== null) clearTimeout(handle.unloadTimer);
      handle.awareness?.destroy();
      handle.ydoc.destroy();
    }
    this.docs.clear();
  }
}

const PLAIN_SYNC_PREFIX = new Uint8Array([FrameKind.Sync]);

/** [ACK-2] The server's clock for each client id (every struct below it is stored). */
export function clocksFor(ydoc: Y.Doc, clients: readonly number[]): ClockEntry[] {
  return clients.map((client) => ({ client, clock: Y.getState(ydoc.store, client) }));
}

function isPeer(value: unknown): value is Peer {
  return typeof value === 'object' && value !== null && 'auth' in value && 'send' in value;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
