/**
 * The sync engine of one session: the protocol logic of the multiplexed connection, without the socket.
 * `open(send)` starts a link (sends HELLO), `handleFrame` takes each decoded frame, `close()` ends the link.
 * The Connection class owns the socket, timers and reconnects; tests can drive this class with frames directly.
 *
 * WIRE-2: after WELCOME, the handshake runs for the docs the server lists as changed, docs with local changes the
 * server has not acknowledged, and docs the app has open; nothing else. The WELCOME cursor is stored only once
 * every listed doc has finished its handshake (a crash before that repeats them, never skips them).
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import type { StorageAdapter } from '@concord/storage-adapters';
import type { DocHandle } from '../doc/docHandle.js';
import type { DocStore } from '../doc/docStore.js';
import { Emitter } from '../events/emitter.js';
import {
  FrameKind,
  unexpectedCase,
  type Frame,
  compareDocNames,
  isDocName,
  type DocName,
  PROTOCOL_VERSION,
  ErrorCode,
} from '@concord/protocol';
import { defaultTimers, type Timers } from '../platform.js';
import { unackedOwnIds } from '../conversation/model.js';
import { handleSyncPayload, step1Payload, updatePayload } from './docSync.js';
import { CursorStore } from './cursorStore.js';
import { REMOTE } from './origins.js';

export interface SyncEngineEvents {
  /** Authenticated and every initial handshake done: the connection is `online`. */
  synced: void;
  welcome: { readonly userId: string; readonly deviceId: string; readonly cursor: number; readonly serverTime: number };
  rejected: { readonly doc: string; readonly code: string; readonly message: string };
  serverError: { readonly code: string; readonly message: string };
  versionMismatch: { readonly serverVersion: number };
  /** Every handshake started on this link has finished (the device is up to date with the server). */
  idle: void;
  /** One doc's handshake ended (answered, refused, or the link closed). */
  docSynced: DocName;
  /** [PRES-1] A user this account may see came online, went offline, or was named at WELCOME. */
  presence: { readonly userId: string; readonly online: boolean; readonly lastSeen: number };
}

/** Which named docs to sync (SEG-5): conversation segments older than the head wait until paged to. */
export interface SyncPolicy {
  /** Docs the server named (WELCOME, NOTIFY) exist; called before `wants`. */
  known(names: readonly string[]): void;
  wants(name: string): boolean;
}

const SYNC_ALL: SyncPolicy = { known: () => {}, wants: () => true };

interface Link {
  readonly send: (frame: Frame) => void;
  authenticated: boolean;
  readonly subscribed: Set<DocName>;
  /** Docs whose step 1 was sent and whose step 2 has not arrived. */
  readonly awaitingStep2: Set<DocName>;
  /** Initial handshakes still running; null once synced. */
  initial: Set<DocName> | null;
  welcomePending: Set<DocName>;
  welcomeCursor: number;
  /** Highest server cursor seen on this link (WELCOME, NOTIFY, ACK). */
  liveCursor: number;
  /** Per doc, client ids whose structs went out on this link: what a REJECT can refer to. */
  readonly sentClients: Map<DocName, Set<number>>;
  /** Step 1 frames leave in the order their handshakes started, however their loads finish (SEG-3). */
  order: Promise<void>;
}

export class SyncEngine {
  readonly events = new Emitter<SyncEngineEvents>();
  private link: Link | null = null;
  private readonly cursor: CursorStore;
  /** `fetch` callers waiting for a doc's handshake. */
  private readonly waiters = new Map<DocName, ((ok: boolean) => void)[]>();
  /** [SYNC-9] Docs whose updates the server could not take for now, with their retry count and timer. */
  private readonly retries = new Map<DocName, { attempt: number; timer: unknown | null }>();

  constructor(
    private readonly docs: DocStore,
    storage: StorageAdapter,
    private readonly token: string,
    private readonly userId: string,
    /** Docs the app has open (always synced on connect). */
    private readonly wanted: () => Iterable<DocName>,
    private readonly policy: SyncPolicy = SYNC_ALL,
    private readonly timers: Timers = defaultTimers,
  ) {
    this.cursor = new CursorStore(storage, () => docs.persisted());
    docs.onOpen((h) => this.attach(h));
    for (const h of docs.loaded()) this.attach(h);
  }

  async loadCursor(): Promise<void> {
    await this.cursor.load();
  }

  get isAuthenticated(): boolean {
    return this.link?.authenticated === true;
  }

  /** Online, synced, and no handshake running. */
  get isIdle(): boolean {
    const link = this.link;
    return link !== null && link.authenticated && link.initial === null && link.awaitingStep2.size === 0;
  }

  open(send: (frame: Frame) => void): void {
    this.link = {
      send,
      authenticated: false,
      subscribed: new Set(),
      awaitingStep2: new Set(),
      initial: null,
      welcomePending: new Set(),
      welcomeCursor: 0,
      liveCursor: 0,
      sentClients: new Map(),
      order: Promise.resolve(),
    };
    send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: this.token, cursor: this.cursor.value });
  }

  close(): void {
    this.link = null;
    for (const r of this.retries.values()) this.timers.clearTimeout(r.timer);
    this.retries.clear();
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    for (const list of waiting) for (const w of list) w(false);
  }

  /** Whether a handshake for the doc is running on the current link. */
  isSyncing(name: DocName): boolean {
    return this.link?.awaitingStep2.has(name) === true;
  }

  /**
   * Sync a doc now (paging a segment in from the server) and resolve when its handshake ends: true when the
   * server answered, false when offline, refused, or the link dropped.
   */
  fetch(name: DocName): Promise<boolean> {
    const link = this.link;
    if (link === null || !link.authenticated) return Promise.resolve(false);
    if (link.subscribed.has(name) && !link.awaitingStep2.has(name)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      list.push(resolve);
      this.waiters.set(name, list);
      this.ensureSynced(name);
    });
  }

  /** Stop receiving a doc's updates (it was unloaded); the server sends NOTIFY for it instead (SYNC-4). */
  unsubscribe(name: DocName): void {
    const link = this.link;
    if (link === null || !link.subscribed.delete(name)) return;
    link.send({ kind: FrameKind.Unsubscribe, doc: name });
    this.handshakeDone(link, name, false);
  }

  /** Make sure a doc is subscribed on the current link (an app opened it, or it became visible). */
  /** [SYNC-9] Runs the doc's handshake again after 1 s, doubling up to 60 s while the refusals go on. */
  private retryLater(name: DocName): void {
    const previous = this.retries.get(name);
    // Refusals of one burst (answers to updates sent before the first refusal came back) share one retry; only a
    // refusal after a retry ran lengthens the delay.
    if (previous !== undefined && previous.timer !== null) return;
    const attempt = (previous?.attempt ?? 0) + 1;
    const delay = Math.min(TRANSIENT_RETRY_MAX_MS, TRANSIENT_RETRY_FIRST_MS * 2 ** (attempt - 1));
    const timer = this.timers.setTimeout(() => {
      const r = this.retries.get(name);
      if (r !== undefined) r.timer = null;
      if (this.link?.authenticated === true) this.ensureSynced(name);
    }, delay);
    this.retries.set(name, { attempt, timer });
  }

  ensureSynced(name: DocName): void {
    const link = this.link;
    if (link === null || !link.authenticated || link.subscribed.has(name)) return;
    this.startHandshake(link, name);
  }

  /** An awareness instance was attached to a doc: publish our state and ask for everyone else's. */
  awarenessAttached(name: DocName): void {
    const link = this.link;
    const aw = this.docs.peek(name)?.awareness;
    if (link === null || !link.authenticated || !link.subscribed.has(name) || aw === null || aw === undefined) return;
    link.send({ kind: FrameKind.Awareness, doc: name, update: awarenessProtocol.encodeAwarenessUpdate(aw, [aw.clientID]) });
    link.send({ kind: FrameKind.QueryAwareness, doc: name });
  }

  sendAwareness(name: DocName, update: Uint8Array): void {
    const link = this.link;
    if (link !== null && link.authenticated && link.subscribed.has(name)) link.send({ kind: FrameKind.Awareness, doc: name, update });
  }

  async flushCursor(): Promise<void> {
    await this.cursor.flushed();
  }

  handleFrame(frame: Frame): void {
    const link = this.link;
    if (link === null) return;
    switch (frame.kind) {
      case FrameKind.Welcome:
        this.onWelcome(link, frame);
        return;
      case FrameKind.Sync: {
        const handle = this.handleOf(frame.doc);
        if (handle === undefined) return;
        const outcome = handleSyncPayload(handle, frame.payload);
        if (outcome.reply !== null) {
          for (const c of handle.unackedClients()) this.sentOf(link, handle.name).add(c);
          link.send({ kind: FrameKind.Sync, doc: handle.name, payload: outcome.reply });
        }
        if (outcome.kind === 'step2') this.handshakeDone(link, handle.name);
        return;
      }
      case FrameKind.Awareness: {
        const aw = this.handleOf(frame.doc)?.awareness;
        if (aw === undefined || aw === null) return;
        try {
          awarenessProtocol.applyAwarenessUpdate(aw, frame.update, REMOTE);
        } catch {
          // A malformed awareness update only costs us presence; drop it.
        }
        return;
      }
      case FrameKind.Ack:
        if (isDocName(frame.doc)) this.retries.delete(frame.doc);
        this.handleOf(frame.doc)?.acknowledge(frame.clocks.map((c) => [c.client, c.clock] as const));
        this.advanceCursor(link, frame.cursor);
        return;
      case FrameKind.Reject: {
        const handle = this.handleOf(frame.doc);
        if (handle !== undefined && isTransientRefusal(frame.code)) {
          // [SYNC-9] The server could not take it for now (its disk, its rate limit): nothing is failed; the doc's
          // handshake runs again after a growing delay and offers the same structs, so nothing waits for a person.
          link.subscribed.delete(handle.name);
          this.handshakeDone(link, handle.name, false);
          this.retryLater(handle.name);
        } else if (handle !== undefined) {
          // Only structs that went out on this link and are still unacknowledged can be what was refused; a
          // second REJECT for a re-offer of already refused structs finds nothing new and fails nothing.
          const sent = this.sentOf(link, handle.name);
          const refused = new Set([...handle.unackedClients()].filter((c) => sent.has(c)));
          if (refused.size > 0) handle.reject(`${frame.code}: ${frame.message}`, refused, unackedOwnIds(handle.doc, this.userId, handle.acked, refused));
          // Re-handshake before sending more: later changes go out in the SyncStep2 answer, after every answer
          // to what was sent before has arrived.
          link.subscribed.delete(handle.name);
          this.handshakeDone(link, handle.name, false);
        }
        this.events.emit('rejected', { doc: frame.doc, code: frame.code, message: frame.message });
        return;
      }
      case FrameKind.Notify:
        if (isDocName(frame.doc)) {
          this.policy.known([frame.doc]);
          if (this.policy.wants(frame.doc)) this.ensureSynced(frame.doc);
        }
        this.advanceCursor(link, frame.cursor);
        return;
      case FrameKind.Error:
        this.events.emit('serverError', { code: frame.code, message: frame.message });
        return;
      case FrameKind.Ping:
        link.send({ kind: FrameKind.Pong, nonce: frame.nonce });
        return;
      case FrameKind.Presence:
        this.events.emit('presence', { userId: frame.userId, online: frame.online, lastSeen: frame.lastSeen });
        return;
      case FrameKind.Pong:
      case FrameKind.Hello:
      case FrameKind.QueryAwareness:
      case FrameKind.Unsubscribe:
        return;
      default:
        unexpectedCase(frame);
    }
  }

  private handleOf(doc: string): DocHandle | undefined {
    return isDocName(doc) ? this.docs.peek(doc) : undefined;
  }

  private onWelcome(link: Link, frame: Extract<Frame, { kind: typeof FrameKind.Welcome }>): void {
    if (frame.version !== PROTOCOL_VERSION) {
      this.events.emit('versionMismatch', { serverVersion: frame.version });
      return;
    }
    link.authenticated = true;
    this.events.emit('welcome', { userId: frame.userId, deviceId: frame.deviceId, cursor: frame.cursor, serverTime: frame.serverTime });
    const named = frame.changed.filter(isDocName);
    this.policy.known(named);
    const changed = named.filter((n) => this.policy.wants(n));
    const names = new Set<DocName>(changed);
    for (const n of this.wanted()) names.add(n);
    for (const h of this.docs.loaded()) if (h.hasUnacked()) names.add(h.name);
    link.initial = new Set(names);
    link.welcomePending = new Set(changed);
    link.welcomeCursor = frame.cursor;
    link.liveCursor = frame.cursor;
    if (link.welcomePending.size === 0) this.storeCursor(frame.cursor);
    if (names.size === 0) this.markSynced(link);
    // Lower segments first (SEG-3): the server holds segment k-1 before it sees changes to segment k.
    for (const n of [...names].sort(compareDocNames)) this.startHandshake(link, n);
  }

  private startHandshake(link: Link, name: DocName): void {
    link.subscribed.add(name);
    link.awaitingStep2.add(name);
    const loading = this.docs.get(name);
    link.order = link.order.then(() => loading).then(
      (handle) => {
        if (this.link !== link || !link.awaitingStep2.has(name)) return;
        link.send({ kind: FrameKind.Sync, doc: name, payload: step1Payload(handle.doc) });
        const aw = handle.awareness;
        if (aw !== null && aw.getLocalState() !== null) {
          link.send({ kind: FrameKind.Awareness, doc: name, update: awarenessProtocol.encodeAwarenessUpdate(aw, [aw.clientID]) });
          link.send({ kind: FrameKind.QueryAwareness, doc: name });
        }
      },
      () => {
        // The store is closing; nothing to sync.
        if (this.link === link) this.handshakeDone(link, name, false);
      },
    );
  }

  private handshakeDone(link: Link, name: DocName, answered = true): void {
    const wasAwaiting = link.awaitingStep2.delete(name);
    const waiting = this.waiters.get(name);
    if (waiting !== undefined) {
      this.waiters.delete(name);
      for (const w of waiting) w(answered);
    }
    this.events.emit('docSynced', name);
    if (link.welcomePending.delete(name) && link.welcomePending.size === 0) this.storeCursor(link.welcomeCursor);
    if (link.initial !== null && link.initial.delete(name) && link.initial.size === 0) this.markSynced(link);
    this.advanceCursor(link, 0);
    if (wasAwaiting && this.isIdle) this.events.emit('idle', undefined);
  }

  /**
   * While the link is live, the server's cursor may be stored once no handshake is pending: every change up to it
   * reached this device either relayed on a subscribed doc or as a NOTIFY whose handshake has finished.
   */
  private advanceCursor(link: Link, cursor: number): void {
    if (cursor > link.liveCursor) link.liveCursor = cursor;
    if (link.authenticated && link.initial === null && link.welcomePending.size === 0 && link.awaitingStep2.size === 0) {
      this.storeCursor(link.liveCursor);
    }
  }

  private sentOf(link: Link, name: DocName): Set<number> {
    let s = link.sentClients.get(name);
    if (s === undefined) {
      s = new Set();
      link.sentClients.set(name, s);
    }
    return s;
  }

  private markSynced(link: Link): void {
    link.initial = null;
    this.events.emit('synced', undefined);
  }

  private attach(handle: DocHandle): void {
    handle.events.on('localUpdate', (update) => {
      const link = this.link;
      if (link === null || !link.authenticated) return;
      if (!link.subscribed.has(handle.name)) this.startHandshake(link, handle.name);
      // During a handshake the change goes out in the SyncStep2 answer to the server's step 1.
      else if (!link.awaitingStep2.has(handle.name)) {
        this.sentOf(link, handle.name).add(handle.doc.clientID);
        link.send({ kind: FrameKind.Sync, doc: handle.name, payload: updatePayload(update) });
      }
    });
  }

  private storeCursor(cursor: number): void {
    this.cursor.store(cursor);
  }

}

const TRANSIENT_RETRY_FIRST_MS = 1_000;
const TRANSIENT_RETRY_MAX_MS = 60_000;

/** [SYNC-9] Refusals that say "not now" rather than "never": the same update will be taken later. */
function isTransientRefusal(code: string): boolean {
  return code === ErrorCode.Internal || code === ErrorCode.RateLimited;
}
