/**
 * Everything that exists while a session is active: the docs, the sync engine, the connection, the conversation
 * list and the open conversation handles. Created by Concord after login or restore, closed on logout or close.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import { AttachmentStore } from '../attachments/store.js';
import { AttachmentTransfer, type TransferProgress } from '../attachments/transfer.js';
import { Connection, DEFAULT_HEARTBEAT, type ConnectionStatus } from '../connection/connection.js';
import { DEFAULT_BACKOFF } from '../connection/backoff.js';
import { Conversation } from '../conversation/conversation.js';
import {
  SEGMENT_MESSAGES,
  type ConversationMeta,
  convDocName,
  isId,
  parseDocName,
  userDocName,
  type ConversationId,
  type DocName,
  muteKey,
  clearKey,
  parseConversationSummary,
  pinKey,
  USER_CONVS,
  USER_DRAFTS,
  USER_PREFS,
  HybridClock,
} from '@concord/protocol';
import { ConversationList, clearedUpTo, type ConversationSummaryView } from '../conversation/list.js';
import { MessageIndex } from '../conversation/messageIndex.js';
import { autoDeliver } from '../conversation/receipts.js';
import type { DocHandle } from '../doc/docHandle.js';
import { DocStore } from '../doc/docStore.js';
import { PresenceBook, type PresenceChange } from '../presence/presence.js';
import { Emitter } from '../events/emitter.js';
import type { SessionInfo } from '../http/api.js';
import { defaultTimers, randomFloat, type FetchLike, type RandomBytes } from '../platform.js';
import { Histories } from '../history/histories.js';
import type * as Y from 'yjs';
import { SyncEngine } from '../sync/engine.js';
import { HttpApi } from '../http/api.js';
import { SocialApi } from '../http/socialApi.js';
import { SocialOutbox, type SocialOp } from '../social/outbox.js';
import { Social } from '../social/social.js';
import type { ConcordOptions } from './options.js';

export interface RuntimeEvents {
  connection: ConnectionStatus;
  conversations: readonly ConversationSummaryView[];
  sessionInvalid: { readonly reason: string };
  versionMismatch: { readonly reason: string };
  storageError: { readonly doc: string | null; readonly error: Error };
  /**
   * The server refused a write to a doc (REJECT, FAIL-1), or refused an attachment upload for good (ATTACH-1:
   * `doc` is the conversation's `conv:<id>`, `code` the server's, `message` starts with `ATTACH-1`).
   */
  rejected: { readonly doc: string; readonly code: string; readonly message: string };
  /** Every running handshake finished: this device holds everything the server had for its docs. */
  idle: void;
  /** [PRES-1] A user's presence as this account may see it changed. */
  presence: PresenceChange;
  /** [ATTACH-5] An attachment upload or download moved on (bytes done of total) or changed state. */
  transfer: TransferProgress;
}

export class Runtime {
  readonly docs: DocStore;
  readonly engine: SyncEngine;
  readonly connection: Connection;
  readonly clock: HybridClock;
  readonly presence = new PresenceBook();
  list!: ConversationList;
  private readonly open = new Map<string, Promise<Conversation>>();
  private readonly offs: (() => void)[] = [];
  /** Every conversation's segments on this device (SPEC 3.5). */
  readonly histories: Histories;
  /** One incremental index per loaded segment doc, shared by its Conversation, the list and the receipts. */
  private readonly indexes = new Map<DocName, MessageIndex>();
  /** Per loaded segment: stops its delivered-mark writer. */
  private readonly segmentOffs = new Map<DocName, () => void>();
  /** Attachment bytes on this device and their uploads (ATTACH-1, ATTACH-2). */
  readonly attachments: AttachmentTransfer;
  /** Contacts, requests, blocks, profiles and groups (SPEC 5a, OUTBOX-1). */
  social!: Social;
  private readonly socialApi: SocialApi;
  private readonly outbox: SocialOutbox;

  private constructor(
    readonly session: SessionInfo,
    private readonly storage: StorageAdapter,
    private readonly random: RandomBytes,
    private readonly o: ConcordOptions,
    private readonly emit: Emitter<RuntimeEvents>,
    private readonly assertOpen: () => void,
    fetch: FetchLike,
  ) {
    this.clock = new HybridClock(o.now ?? Date.now);
    this.docs = new DocStore(storage, random, (doc, error) => emit.emit('storageError', { doc, error }));
    this.docs.onOpen((h) => this.onDocOpen(h));
    this.histories = new Histories(
      storage,
      {
        open: async (name) => {
          await this.docs.get(name);
        },
        fetch: (name) => this.engine.fetch(name),
        isSyncing: (name) => this.engine.isSyncing(name),
        unload: (name, forget) => this.unloadSegment(name, forget),
        keepLocalSegments: o.history?.keepLocalSegments ?? null,
        segmentMessages: Math.max(1, Math.min(o.history?.segmentMessages ?? SEGMENT_MESSAGES, SEGMENT_MESSAGES)),
      },
      (error) => emit.emit('storageError', { doc: null, error }),
    );
    this.engine = new SyncEngine(this.docs, storage, session.token, session.userId, () => this.wanted(), this.histories, o.timers ?? defaultTimers);
    const wsUrl = `${o.serverUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/sync?token=${encodeURIComponent(session.token)}`;
    this.connection = new Connection({
      url: wsUrl,
      openSocket: o.openSocket,
      engine: this.engine,
      timers: o.timers ?? defaultTimers,
      random01: () => randomFloat(random),
      backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
      heartbeat: { ...DEFAULT_HEARTBEAT, ...o.heartbeat },
    });
    this.attachments = new AttachmentTransfer(new AttachmentStore(storage), {
      baseUrl: o.serverUrl.replace(/\/$/, ''),
      token: session.token,
      fetch,
      isOnline: () => this.connection.state.state === 'online',
      refused: (r) =>
        emit.emit('rejected', {
          doc: convDocName(r.conversationId),
          code: r.code,
          message: `ATTACH-1: the server refused the upload of blob ${r.blobId} (${r.status}): ${r.message}`,
        }),
      storageError: (error) => emit.emit('storageError', { doc: null, error }),
      random,
      timers: o.timers ?? defaultTimers,
      ...(o.attachments?.digest !== undefined ? { digest: o.attachments.digest } : {}),
      ...(o.attachments?.chunkBytes !== undefined ? { chunkBytes: o.attachments.chunkBytes } : {}),
      ...(o.attachments?.resumableAboveBytes !== undefined ? { resumableAboveBytes: o.attachments.resumableAboveBytes } : {}),
      progress: (p) => emit.emit('transfer', p),
    });
    const base = o.serverUrl.replace(/\/$/, '');
    this.socialApi = new SocialApi(new HttpApi(base, fetch), base, fetch);
    this.outbox = new SocialOutbox(storage, (op) => this.sendSocial(op), o.now ?? Date.now);
    this.offs.push(
      this.connection.events.on('state', (s) => {
        // Pending uploads and social changes go out on every connection (ATTACH-1, OUTBOX-1), restored ones included.
        if (s.state === 'online') {
          this.attachments.kick();
          this.outbox.kick();
        }
        // Without a link, who is online is not known any more (PRES-1).
        if (s.state !== 'online') this.presence.stale();
        emit.emit('connection', s);
      }),
      this.engine.events.on('presence', (p) => this.presence.update(p.userId, p.online, p.lastSeen)),
      this.presence.events.on('presence', (p) => emit.emit('presence', p)),
      this.connection.events.on('sessionInvalid', (e) => emit.emit('sessionInvalid', e)),
      this.connection.events.on('versionMismatch', (e) => emit.emit('versionMismatch', e)),
      // [HLC-2] the server's clock corrects this device's: stamps follow true time even on a board whose clock is off.
      this.engine.events.on('welcome', (w) => this.clock.setReferenceTime(w.serverTime)),
      this.engine.events.on('rejected', (e) => emit.emit('rejected', e)),
      this.engine.events.on('idle', () => emit.emit('idle', undefined)),
      this.engine.events.on('docSynced', (name) => {
        const p = parseDocName(name);
        if (p?.kind === 'conv' && this.histories.has(p.conversationId)) this.histories.get(p.conversationId).synced(p.segment);
      }),
    );
  }

  /** Loads the user doc and each stored conversation's head segment (offline, SEG-6), then starts connecting. */
  static async start(
    session: SessionInfo,
    storage: StorageAdapter,
    random: RandomBytes,
    o: ConcordOptions,
    emit: Emitter<RuntimeEvents>,
    assertOpen: () => void,
    fetch: FetchLike,
  ): Promise<Runtime> {
    const rt = new Runtime(session, storage, random, o, emit, assertOpen, fetch);
    await rt.engine.loadCursor();
    const unacked = await rt.histories.restore();
    const user = await rt.docs.get(userDocName(session.userId));
    rt.list = new ConversationList(user, session.userId, (id) => rt.need(id), rt.histories);
    rt.offs.push(rt.list.events.on('conversations', (l) => emit.emit('conversations', l)));
    await rt.outbox.load();
    rt.social = new Social(user, session.userId, rt.outbox, rt.socialApi, () => session.token, assertOpen);
    // MEMBER-1: the server deletes a conversation's `convs` entry when the account leaves or is removed.
    const convs = user.doc.getMap<unknown>(USER_CONVS);
    const onConvs = (e: Y.YMapEvent<unknown>): void => {
      for (const [key, change] of e.changes.keys) if (change.action === 'delete' && isId(key)) rt.forgetConversation(key as ConversationId);
    };
    convs.observe(onConvs);
    rt.offs.push(() => convs.unobserve(onConvs));
    for (const id of await rt.histories.interruptedForgets()) rt.forgetConversation(id);
    await Promise.all([...rt.histories.all()].map((h) => h.ensure(h.head)));
    // Older segments with unsent changes (late writes, receipts) load too, so the first connect sends them.
    await Promise.all(unacked.map((name) => rt.docs.get(name)));
    rt.connection.start();
    if (o.network !== undefined) rt.offs.push(o.network.onOnline(() => rt.connection.kick()));
    return rt;
  }

  get userDoc(): DocHandle {
    const h = this.docs.peek(userDocName(this.session.userId));
    if (h === undefined) throw new Error('user doc not loaded');
    return h;
  }

  conversations(): ConversationSummaryView[] {
    return this.list.list();
  }

  async conversation(id: ConversationId): Promise<Conversation> {
    let p = this.open.get(id);
    if (p === undefined) {
      const history = this.histories.get(id);
      this.list.track(id);
      const opening: Promise<Conversation> = Conversation.open(id, {
        history,
        userId: this.session.userId,
        deviceId: this.session.deviceId,
        clock: this.clock,
        random: this.random,
        assertOpen: this.assertOpen,
        attachments: this.attachments,
        sendAwareness: (doc, update) => this.engine.sendAwareness(doc, update),
        sync: (doc) => this.engine.ensureSynced(doc),
        fallbackMeta: () => this.mirroredMeta(id),
        userDoc: () => this.userDoc,
        clearedUpTo: () => clearedUpTo(this.userDoc.doc, id),
        onDispose: () => {
          if (this.open.get(id) === opening) this.open.delete(id);
        },
      }).then((c) => {
        this.engine.awarenessAttached(c.awarenessDocName);
        return c;
      });
      p = opening;
      opening.catch(() => {
        if (this.open.get(id) === opening) this.open.delete(id);
      });
      this.open.set(id, opening);
    }
    return p;
  }

  /** A conversation the server created or mirrored: load its head segment and sync it. */
  need(id: ConversationId): void {
    if (!isId(id)) return;
    const history = this.histories.get(id);
    history.ensure(history.head).then(
      (seg) => this.engine.ensureSynced(seg.handle.name),
      () => {
        // Closing.
      },
    );
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    // The outbox stops taking new runs. A call in flight may still land after its record was kept: it is sent again
    // at the next start, and a repeat the server refuses (already done) is reported as a refusal.
    this.social.dispose();
    this.attachments.dispose();
    this.connection.dispose();
    const convs = await Promise.allSettled([...this.open.values()]);
    for (const c of convs) if (c.status === 'fulfilled') c.value.dispose();
    this.list.dispose();
    for (const off of this.segmentOffs.values()) off();
    this.segmentOffs.clear();
    for (const index of this.indexes.values()) index.destroy();
    this.indexes.clear();
    this.histories.clear();
    await this.engine.flushCursor();
    await this.docs.close();
    await this.histories.flushed();
    await this.storage.flush();
  }

  /**
   * MEMBER-1: the account is no longer a member (it left, or was removed): close the view, stop listing it, delete
   * the local copy and this account's settings for it.
   */
  forgetConversation(id: ConversationId): void {
    const view = this.open.get(id);
    this.open.delete(id);
    view?.then(
      (c) => c.dispose(),
      () => undefined,
    );
    this.list.forget(id);
    const user = this.userDoc;
    const prefs = user.doc.getMap<unknown>(USER_PREFS);
    const drafts = user.doc.getMap<unknown>(USER_DRAFTS);
    const keys = [pinKey(id), muteKey(id), clearKey(id)].filter((k) => prefs.has(k));
    if (keys.length > 0 || drafts.has(id)) {
      user.transactLocal(() => {
        for (const k of keys) prefs.delete(k);
        if (drafts.has(id)) drafts.delete(id);
      });
    }
    // Its uploads stop now; its bytes and pending records go with the rest of its local copy.
    this.attachments.forgetting(id);
    this.histories.forget(id, () => this.attachments.forget(id)).catch((error: unknown) => {
      this.emit.emit('storageError', { doc: null, error: error instanceof Error ? error : new Error(String(error)) });
    });
  }

  /** [OUTBOX-1] One queued social change, as its route. */
  private async sendSocial(op: SocialOp): Promise<void> {
    const api = this.socialApi;
    const token = this.session.token;
    switch (op.op) {
      case 'request':
        await api.request(token, op.body);
        return;
      case 'accept':
      case 'decline':
        await api.answer(token, op.userId, op.op);
        return;
      case 'cancel':
        await api.cancel(token, op.userId);
        return;
      case 'remove':
        await api.removeContact(token, op.userId);
        return;
      case 'block':
      case 'unblock':
        await api.block(token, op.userId, op.op === 'block');
        return;
      case 'privacy':
        await api.privacy(token, op.change);
        return;
      case 'profile':
        await api.profile(token, op.change);
        return;
    }
  }

  /** Docs synced at every connect: the user doc and the segments open conversations show. */
  private wanted(): DocName[] {
    const names: DocName[] = [userDocName(this.session.userId)];
    for (const id of this.open.keys()) {
      const history = this.histories.get(id as ConversationId);
      const floor = history.viewFloor;
      for (const seg of history.segments()) if (floor !== null && seg.n >= floor) names.push(seg.handle.name);
    }
    return names;
  }

  /** The conversation as the server mirrored it into the user doc (segment 0, with `meta`, may not be loaded). */
  private mirroredMeta(id: ConversationId): ConversationMeta | null {
    const s = parseConversationSummary(this.userDoc.doc.getMap<unknown>(USER_CONVS).get(id));
    return s === null ? null : { ...s, createdBy: '' };
  }

  private onDocOpen(h: DocHandle): void {
    const parsed = parseDocName(h.name);
    if (parsed?.kind !== 'conv') return;
    const index = this.indexOf(h);
    // HLC-1: stamps after a restart still sort after everything this device has seen.
    const last = index.last();
    if (last !== undefined) this.clock.observe(last.entry.hlc);
    this.segmentOffs.set(h.name, autoDeliver(h, index, this.session.userId, this.session.deviceId));
    this.histories.get(parsed.conversationId).attach({ n: parsed.segment, handle: h, index });
    this.list?.track(parsed.conversationId);
  }

  /** SEG-7: a segment leaves memory (and, with `forget`, local storage); it is fetched again when needed. */
  private unloadSegment(name: DocName, forget: boolean): void {
    this.segmentOffs.get(name)?.();
    this.segmentOffs.delete(name);
    this.engine.unsubscribe(name);
    this.indexes.get(name)?.destroy();
    this.indexes.delete(name);
    void this.docs.release(name, forget);
  }

  private indexOf(h: DocHandle): MessageIndex {
    let index = this.indexes.get(h.name);
    if (index === undefined) {
      index = new MessageIndex(h.doc, this.session.userId);
      this.indexes.set(h.name, index);
    }
    return index;
  }
}
