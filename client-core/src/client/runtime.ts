/**
 * Everything that exists while a session is active: the docs, the sync engine, the connection, the conversation
 * list and the open conversation handles. Created by Concord after login or restore, closed on logout or close.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import { Connection, DEFAULT_HEARTBEAT, type ConnectionStatus } from '../connection/connection.js';
import { DEFAULT_BACKOFF } from '../connection/backoff.js';
import { Conversation } from '../conversation/conversation.js';
import { ConversationList, type ConversationSummaryView } from '../conversation/list.js';
import { MessageIndex } from '../conversation/messageIndex.js';
import { autoDeliver } from '../conversation/receipts.js';
import type { DocHandle } from '../doc/docHandle.js';
import { DocStore } from '../doc/docStore.js';
import { Emitter } from '../events/emitter.js';
import type { SessionInfo } from '../http/api.js';
import { defaultTimers, randomFloat, type RandomBytes } from '../platform.js';
import { convDocName, isId, parseDocName, userDocName, type ConversationId, type DocName } from '../protocol/ids.js';
import { HybridClock } from '../schema/hlc.js';
import { SyncEngine } from '../sync/engine.js';
import type { ConcordOptions } from './options.js';

export interface RuntimeEvents {
  connection: ConnectionStatus;
  conversations: readonly ConversationSummaryView[];
  sessionInvalid: { readonly reason: string };
  versionMismatch: { readonly reason: string };
  storageError: { readonly doc: string | null; readonly error: Error };
  rejected: { readonly doc: string; readonly code: string; readonly message: string };
  /** Every running handshake finished: this device holds everything the server had for its docs. */
  idle: void;
}

export class Runtime {
  readonly docs: DocStore;
  readonly engine: SyncEngine;
  readonly connection: Connection;
  readonly clock: HybridClock;
  list!: ConversationList;
  private readonly open = new Map<string, Promise<Conversation>>();
  private readonly offs: (() => void)[] = [];
  private readonly pendingConv: DocHandle[] = [];
  /** One incremental index per loaded conversation doc, shared by its Conversation, the list and the receipts. */
  private readonly indexes = new Map<DocName, MessageIndex>();

  private constructor(
    readonly session: SessionInfo,
    private readonly storage: StorageAdapter,
    private readonly random: RandomBytes,
    private readonly o: ConcordOptions,
    private readonly emit: Emitter<RuntimeEvents>,
    private readonly assertOpen: () => void,
  ) {
    this.clock = new HybridClock(o.now ?? Date.now);
    this.docs = new DocStore(storage, random, (doc, error) => emit.emit('storageError', { doc, error }));
    this.docs.onOpen((h) => this.onDocOpen(h));
    this.engine = new SyncEngine(this.docs, storage, session.token, session.userId, () => this.wanted());
    const wsUrl = `${o.serverUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/sync?token=${encodeURIComponent(session.token)}`;
    this.connection = new Connection({
      url: wsUrl,
      WebSocket: o.WebSocket,
      engine: this.engine,
      timers: o.timers ?? defaultTimers,
      random01: () => randomFloat(random),
      backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
      heartbeat: { ...DEFAULT_HEARTBEAT, ...o.heartbeat },
    });
    this.offs.push(
      this.connection.events.on('state', (s) => emit.emit('connection', s)),
      this.connection.events.on('sessionInvalid', (e) => emit.emit('sessionInvalid', e)),
      this.connection.events.on('versionMismatch', (e) => emit.emit('versionMismatch', e)),
      this.engine.events.on('rejected', (e) => emit.emit('rejected', e)),
      this.engine.events.on('idle', () => emit.emit('idle', undefined)),
    );
  }

  /** Loads the user doc and every stored conversation doc (offline), then starts connecting. */
  static async start(
    session: SessionInfo,
    storage: StorageAdapter,
    random: RandomBytes,
    o: ConcordOptions,
    emit: Emitter<RuntimeEvents>,
    assertOpen: () => void,
  ): Promise<Runtime> {
    const rt = new Runtime(session, storage, random, o, emit, assertOpen);
    await rt.engine.loadCursor();
    const user = await rt.docs.get(userDocName(session.userId));
    rt.list = new ConversationList(user, session.userId, (id) => rt.need(id));
    rt.offs.push(rt.list.events.on('conversations', (l) => emit.emit('conversations', l)));
    for (const h of rt.pendingConv.splice(0)) rt.trackConv(h);
    const stored = await storage.listDocs('conv:');
    await Promise.all(stored.filter((n) => parseDocName(n) !== null).map((n) => rt.docs.get(n as DocName)));
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
      p = this.docs.get(convDocName(id)).then((handle) => {
        const c = new Conversation(id, {
          handle,
          index: this.indexOf(handle),
          userId: this.session.userId,
          deviceId: this.session.deviceId,
          clock: this.clock,
          random: this.random,
          assertOpen: this.assertOpen,
          sendAwareness: (doc, update) => this.engine.sendAwareness(doc, update),
        });
        this.engine.ensureSynced(handle.name);
        this.engine.awarenessAttached(handle.name);
        return c;
      });
      this.open.set(id, p);
    }
    return p;
  }

  /** A conversation the server created or mirrored: load its doc and sync it. */
  need(id: ConversationId): void {
    if (!isId(id)) return;
    const name = convDocName(id);
    this.docs.get(name).then(
      () => this.engine.ensureSynced(name),
      () => {
        // Closing.
      },
    );
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    this.connection.dispose();
    const convs = await Promise.allSettled([...this.open.values()]);
    for (const c of convs) if (c.status === 'fulfilled') c.value.dispose();
    this.list.dispose();
    for (const index of this.indexes.values()) index.destroy();
    this.indexes.clear();
    await this.engine.flushCursor();
    await this.docs.close();
    await this.storage.flush();
  }

  private wanted(): DocName[] {
    const names: DocName[] = [userDocName(this.session.userId)];
    for (const id of this.open.keys()) names.push(convDocName(id as ConversationId));
    return names;
  }

  private onDocOpen(h: DocHandle): void {
    if (parseDocName(h.name)?.kind !== 'conv') return;
    // HLC-1: stamps after a restart still sort after everything this device has seen.
    const last = this.indexOf(h).last();
    if (last !== undefined) this.clock.observe(last.entry.hlc);
    if (this.list === undefined) this.pendingConv.push(h);
    else this.trackConv(h);
  }

  private trackConv(h: DocHandle): void {
    const parsed = parseDocName(h.name);
    if (parsed?.kind !== 'conv') return;
    const index = this.indexOf(h);
    this.offs.push(autoDeliver(h, index, this.session.userId, this.session.deviceId));
    this.list.addConvDoc(parsed.conversationId, h, index);
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
