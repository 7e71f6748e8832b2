/**
 * The conversation list (LIST-*): the server-mirrored `convs` of the user doc, the user's prefs (pins, mutes) and
 * drafts, and per conversation the last message, last activity and the account's unread count from its doc.
 * Sorted pinned first, then by last activity, newest first. Per-conversation figures are cached and recomputed
 * only when that conversation's doc changes.
 */
import type { DocHandle } from '../doc/docHandle.js';
import { Emitter } from '../events/emitter.js';
import type { ConversationId } from '../protocol/ids.js';
import { CONV_META, parseMeta, type ConversationKind } from '../schema/conv.js';
import { USER_CONVS, USER_DRAFTS, USER_PREFS, muteKey, parseConversationSummary, pinKey } from '../schema/user.js';
import type { MessageIndex } from './messageIndex.js';
import { hlcMillis } from './model.js';

export interface LastMessage {
  readonly id: string;
  readonly author: string;
  readonly body: string;
  readonly sentAt: number;
}

export interface ConversationSummaryView {
  readonly id: ConversationId;
  readonly kind: ConversationKind;
  readonly title: string;
  readonly members: readonly string[];
  readonly lastMessage: LastMessage | null;
  readonly lastActivity: number;
  readonly unread: number;
  readonly pinned: boolean;
  readonly muted: boolean;
  readonly draft: string;
}

interface ConvFigures {
  readonly last: LastMessage | null;
  readonly unread: number;
}

export interface ConversationListEvents {
  conversations: readonly ConversationSummaryView[];
}

export class ConversationList {
  readonly events = new Emitter<ConversationListEvents>();
  private readonly figures = new Map<string, ConvFigures>();
  private readonly convHandles = new Map<string, DocHandle>();
  private readonly indexes = new Map<string, MessageIndex>();
  private queued = false;
  private disposed = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly userDoc: DocHandle,
    private readonly me: string,
    /** Asked to load (and sync) a conversation doc that the list names. */
    private readonly need: (id: ConversationId) => void,
  ) {
    this.offs.push(userDoc.events.on('changed', () => this.onUserDocChange()));
    this.onUserDocChange();
  }

  /** A conversation doc was loaded: track its figures. */
  addConvDoc(id: string, handle: DocHandle, index: MessageIndex): void {
    if (this.convHandles.has(id)) return;
    this.convHandles.set(id, handle);
    this.indexes.set(id, index);
    this.offs.push(
      handle.events.on('changed', ({ source }) => {
        if (source === 'ack') return;
        this.figures.delete(id);
        this.queue();
      }),
    );
    this.queue();
  }

  ids(): ConversationId[] {
    const ids = new Set<string>(this.userDoc.doc.getMap<unknown>(USER_CONVS).keys());
    // A conversation doc known locally (e.g. created here, before the server's mirror arrived) is listed too.
    for (const [id, h] of this.convHandles) if (parseMeta(h.doc.getMap<unknown>(CONV_META)) !== null) ids.add(id);
    return [...ids] as ConversationId[];
  }

  list(): ConversationSummaryView[] {
    const convs = this.userDoc.doc.getMap<unknown>(USER_CONVS);
    const prefs = this.userDoc.doc.getMap<unknown>(USER_PREFS);
    const drafts = this.userDoc.doc.getMap<unknown>(USER_DRAFTS);
    const out: ConversationSummaryView[] = [];
    for (const id of this.ids()) {
      const handle = this.convHandles.get(id);
      const meta = handle === undefined ? null : parseMeta(handle.doc.getMap<unknown>(CONV_META));
      const summary = parseConversationSummary(convs.get(id)) ?? meta;
      if (summary === null) continue;
      const f = this.figuresOf(id);
      const pin = prefs.get(pinKey(id));
      const draft = drafts.get(id);
      out.push({
        id: id as ConversationId,
        kind: summary.kind,
        title: meta?.title ?? summary.title,
        members: meta?.members ?? summary.members,
        lastMessage: f.last,
        lastActivity: Math.max(f.last?.sentAt ?? 0, summary.createdAt),
        unread: f.unread,
        pinned: typeof pin === 'number' && pin > 0,
        muted: prefs.get(muteKey(id)) === true,
        draft: typeof draft === 'string' ? draft : '',
      });
    }
    out.sort((a, b) => {
      if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
      if (a.lastActivity !== b.lastActivity) return b.lastActivity - a.lastActivity;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    return out;
  }

  totalUnread(): number {
    let n = 0;
    for (const id of this.ids()) n += this.figuresOf(id).unread;
    return n;
  }

  dispose(): void {
    this.disposed = true;
    for (const off of this.offs) off();
    this.events.removeAll();
  }

  private figuresOf(id: string): ConvFigures {
    let f = this.figures.get(id);
    if (f !== undefined) return f;
    const index = this.indexes.get(id);
    if (index === undefined) return { last: null, unread: 0 };
    const last = index.last();
    f = {
      last: last === undefined ? null : { id: last.entry.id, author: last.entry.author, body: last.entry.body, sentAt: hlcMillis(last.entry.hlc) },
      unread: index.unreadCount(),
    };
    this.figures.set(id, f);
    return f;
  }

  private onUserDocChange(): void {
    for (const id of this.userDoc.doc.getMap<unknown>(USER_CONVS).keys()) {
      if (!this.convHandles.has(id)) this.need(id as ConversationId);
    }
    this.queue();
  }

  private queue(): void {
    if (this.queued || this.disposed) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.disposed && this.events.listenerCount('conversations') > 0) this.events.emit('conversations', this.list());
    });
  }
}
