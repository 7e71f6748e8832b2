/**
 * A conversation handle for the app: pages of messages in display order (ORDER-1), send, retry, read marks,
 * typing and presence. Reads are synchronous over the local doc; `send` resolves once the message is in local
 * storage and never waits for the network (OFFLINE-1).
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import type { DocHandle } from '../doc/docHandle.js';
import { Emitter } from '../events/emitter.js';
import { InvalidInputError, ClientErrorCode } from '../errors.js';
import { randomId, type RandomBytes } from '../platform.js';
import type { ConversationId, DocName, MessageId, UserId } from '../protocol/ids.js';
import { CONV_MESSAGES, CONV_META, MAX_MESSAGE_LENGTH, parseMeta, type ConversationMeta, type MessageEntry } from '../schema/conv.js';
import type { HybridClock } from '../schema/hlc.js';
import { REMOTE } from '../sync/origins.js';
import type { MessageIndex } from './messageIndex.js';
import { hlcMillis, ownStatus, readEdit, type MessageStatus, type StoredMessage } from './model.js';
import { writeReadMark } from './receipts.js';

export interface Message {
  readonly id: MessageId;
  readonly author: UserId;
  readonly hlc: string;
  /** Milliseconds since the epoch, from the HLC stamp. */
  readonly sentAt: number;
  readonly type: MessageEntry['type'];
  readonly body: string;
  readonly replyTo?: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  /** Written by this account (on any of its devices). */
  readonly own: boolean;
  /** Own messages only. */
  readonly status?: MessageStatus;
  readonly failureReason?: string;
}

export interface ConversationEvents {
  /** The newest page (default limit) after any change to messages, receipts or acknowledgements. */
  messages: readonly Message[];
  /** Users (other than this account) currently typing. */
  typing: readonly string[];
  /** Users with at least one device present in the conversation (this account excluded). */
  presence: readonly string[];
}

export interface ConversationContext {
  readonly handle: DocHandle;
  /** The doc's message index (shared with the conversation list and the receipt writer). */
  readonly index: MessageIndex;
  readonly userId: UserId;
  readonly deviceId: string;
  readonly clock: HybridClock;
  readonly random: RandomBytes;
  readonly assertOpen: () => void;
  readonly sendAwareness: (doc: DocName, update: Uint8Array) => void;
}

export const DEFAULT_PAGE = 50;

export class Conversation {
  readonly events = new Emitter<ConversationEvents>();
  private notifyQueued = false;
  private readonly offs: (() => void)[] = [];
  private readonly awareness: awarenessProtocol.Awareness;

  constructor(
    readonly id: ConversationId,
    private readonly ctx: ConversationContext,
  ) {
    const h = ctx.handle;
    this.offs.push(
      h.events.on('changed', () => this.queueNotify()),
    );
    this.awareness = h.awareness ?? new awarenessProtocol.Awareness(h.doc);
    h.awareness = this.awareness;
    this.awareness.setLocalState({ user: ctx.userId, device: ctx.deviceId, typing: false });
    const onAwareness = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ): void => {
      if (origin !== REMOTE) {
        ctx.sendAwareness(h.name, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]));
      }
      this.events.emit('typing', this.typing());
      this.events.emit('presence', this.presence());
    };
    this.awareness.on('update', onAwareness);
    this.offs.push(() => this.awareness.off('update', onAwareness));
  }

  get meta(): ConversationMeta | null {
    return parseMeta(this.ctx.handle.doc.getMap<unknown>(CONV_META));
  }

  /** The newest `limit` messages, oldest first. */
  messages(options: { limit?: number } = {}): Message[] {
    this.ctx.assertOpen();
    const all = this.all();
    return this.view(this.visibleBefore(all, all.length, options.limit ?? DEFAULT_PAGE));
  }

  /** Up to `limit` messages before the message `before`, oldest first. */
  olderPage(before: string, limit = DEFAULT_PAGE): Message[] {
    this.ctx.assertOpen();
    const all = this.all();
    const idx = this.find(before) === undefined ? -1 : this.ctx.index.positionOf(before);
    if (idx < 0) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${before} in this conversation`);
    return this.view(this.visibleBefore(all, idx, limit));
  }

  message(id: string): Message | null {
    const m = this.find(id);
    return m === undefined ? null : (this.view([m])[0] ?? null);
  }

  /** Write a text message. Resolves once it is in local storage (status `sending`). */
  async send(text: string, options: { replyTo?: string } = {}): Promise<Message> {
    this.ctx.assertOpen();
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw new InvalidInputError(ClientErrorCode.EmptyMessage, 'a message needs some text');
    }
    if (text.length > MAX_MESSAGE_LENGTH) {
      throw new InvalidInputError(ClientErrorCode.MessageTooLong, `a message is at most ${MAX_MESSAGE_LENGTH} UTF-16 code units`);
    }
    const { handle, userId, clock } = this.ctx;
    // Observes every stamp in this conversation (HLC-1) before ticking.
    this.all();
    const messages = handle.doc.getMap<unknown>(CONV_MESSAGES);
    if (options.replyTo !== undefined) {
      const target = this.find(options.replyTo);
      if (target === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${options.replyTo} to reply to`);
      // HLC-1: a reply sorts after what it answers even when this device's clock is behind.
      clock.observe(target.entry.hlc);
    }
    const id = `${userId}.${randomId(this.ctx.random)}` as MessageId;
    const entry: MessageEntry = {
      id,
      author: userId,
      hlc: clock.tick(),
      type: 'text',
      body: text,
      ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
    };
    handle.transactLocal(() => messages.set(id, entry));
    await handle.persisted();
    const view = this.message(id);
    if (view === null) throw new Error('message vanished after write');
    return view;
  }

  /**
   * Re-send a failed message as a new entry with the same body and reply target (new id, new HLC, from the
   * doc's fresh clientID); the failed one is hidden from pages. Re-pushing the same entry would be refused again:
   * its structs are what the server rejected.
   */
  async retry(id: string): Promise<Message> {
    this.ctx.assertOpen();
    const m = this.find(id);
    if (m === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${id}`);
    const view = this.view([m])[0];
    if (view?.status !== 'failed') throw new InvalidInputError(ClientErrorCode.InvalidArgument, `message ${id} has not failed`);
    this.ctx.handle.markRetried(id);
    return this.send(m.entry.body, m.entry.replyTo !== undefined ? { replyTo: m.entry.replyTo } : {});
  }

  /** Mark as read everything this device holds up to `upTo` (default: the newest message). */
  async markRead(upTo?: string): Promise<void> {
    this.ctx.assertOpen();
    const all = this.all();
    const target = upTo === undefined ? this.visibleBefore(all, all.length, 1)[0] : this.find(upTo);
    if (target === undefined) {
      if (upTo !== undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${upTo}`);
      return;
    }
    if (writeReadMark(this.ctx.handle, this.ctx.index, this.ctx.userId, this.ctx.deviceId, target.entry.hlc)) await this.ctx.handle.persisted();
  }

  setTyping(typing: boolean): void {
    this.ctx.assertOpen();
    this.awareness.setLocalStateField('typing', typing);
  }

  typing(): string[] {
    return this.peers((s) => s['typing'] === true);
  }

  presence(): string[] {
    return this.peers(() => true);
  }

  /** Stop listening; the doc stays loaded and synced for the conversation list. */
  dispose(): void {
    // Announce leaving first (while the awareness listener still sends), then stop listening.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.awareness.clientID], 'local');
    for (const off of this.offs) off();
    this.offs.length = 0;
    this.events.removeAll();
  }

  private peers(pred: (s: Record<string, unknown>) => boolean): string[] {
    const users = new Set<string>();
    this.awareness.getStates().forEach((state, client) => {
      if (client === this.awareness.clientID) return;
      const user = state['user'];
      if (typeof user === 'string' && user !== this.ctx.userId && pred(state)) users.add(user);
    });
    return [...users].sort();
  }

  /** Every message in ORDER-1 order, retried failures included; observes the others' stamps (HLC-1). */
  private all(): readonly StoredMessage[] {
    const all = this.ctx.index.messages();
    const newest = this.ctx.index.newestOthersHlc();
    if (newest !== null) this.ctx.clock.observe(newest);
    return all;
  }

  /** A failed message that was retried is replaced by its re-send and hidden everywhere. */
  private hidden(m: StoredMessage): boolean {
    return this.ctx.handle.failed.get(m.entry.id)?.retried === true;
  }

  private find(id: string): StoredMessage | undefined {
    this.all();
    const m = this.ctx.index.get(id);
    return m === undefined || this.hidden(m) ? undefined : m;
  }

  /** Up to `limit` shown messages before position `end`, oldest first; walks back, never over the whole history. */
  private visibleBefore(all: readonly StoredMessage[], end: number, limit: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (let i = end - 1; i >= 0 && out.length < limit; i--) {
      const m = all[i] as StoredMessage;
      if (!this.hidden(m)) out.push(m);
    }
    return out.reverse();
  }

  private view(list: readonly StoredMessage[]): Message[] {
    const h = this.ctx.handle;
    const me = this.ctx.userId;
    const ctx = { me, acked: h.acked, poisoned: h.poisoned, failed: h.failed, marks: this.ctx.index.marks() };
    return list.map((m) => {
      const e = m.entry;
      const edit = readEdit(h.doc, e.id);
      const own = e.author === me;
      const st = own ? ownStatus(m, ctx) : null;
      return {
        id: e.id as MessageId,
        author: e.author as UserId,
        hlc: e.hlc,
        sentAt: hlcMillis(e.hlc),
        type: e.type,
        body: edit.deleted ? '' : (edit.body ?? e.body),
        ...(e.replyTo !== undefined ? { replyTo: e.replyTo } : {}),
        edited: edit.edited,
        deleted: edit.deleted,
        own,
        ...(st !== null ? { status: st.status } : {}),
        ...(st?.reason !== undefined ? { failureReason: st.reason } : {}),
      };
    });
  }

  private queueNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      if (this.events.listenerCount('messages') === 0) return;
      let page: Message[];
      try {
        page = this.messages();
      } catch {
        // The client closed between the change and this microtask.
        return;
      }
      this.events.emit('messages', page);
    });
  }
}
