/**
 * The conversation list (LIST-*): the server-mirrored `convs` of the user doc, the user's prefs (pins, mutes) and
 * drafts, and per conversation the last message, last activity and the account's unread count from its loaded
 * segments plus the stored counts of the others (SEG-6: never loads history). Sorted pinned first, then by last
 * activity, newest first. Per-conversation figures are cached and recomputed only when that conversation changes.
 */
import type { DocHandle } from '../doc/docHandle.js';
import { Emitter } from '../events/emitter.js';
import type { Histories } from '../history/histories.js';
import {
  type ConversationId,
  type Attachment,
  type ConversationKind,
  type MessageType,
  USER_CONVS,
  USER_DRAFTS,
  USER_PREFS,
  muteKey,
  clearKey,
  parseConversationSummary,
  pinKey,
  readEntry,
} from '@concord/protocol';
import type * as Y from 'yjs';
import { hlcMillis } from './model.js';
import { microtask } from '../platform.js';

export interface LastMessage {
  readonly id: string;
  readonly author: string;
  readonly type: MessageType;
  readonly body: string;
  /** Present for images, files and voice messages, so a preview can say what was sent (SCHEMA-CONV-2). */
  readonly attachment?: Attachment;
  readonly sentAt: number;
}

/** [CLEAR-1] The time up to which the conversation was deleted for this account (0: never), from the user doc. */
export function clearedUpTo(userDoc: Y.Doc, id: string): number {
  const v = readEntry('user', USER_PREFS, clearKey(id), userDoc.getMap<unknown>(USER_PREFS).get(clearKey(id)));
  return typeof v === 'number' ? v : 0;
}

export interface ConversationSummaryView {
  readonly id: ConversationId;
  readonly kind: ConversationKind;
  readonly title: string;
  readonly members: readonly string[];
  readonly lastMessage: LastMessage | null;
  readonly lastActivity: number;
  readonly unread: number;
  /** [ACT-7] Of the unread messages, those that mention this account (in the segments loaded on this device). */
  readonly unreadMentions: number;
  /** [ACT-7] Whether to notify: unread messages and not muted, or an unread mention even in a muted chat. */
  readonly notify: boolean;
  readonly pinned: boolean;
  readonly muted: boolean;
  readonly draft: string;
}

interface ConvFigures {
  readonly last: LastMessage | null;
  readonly unread: number;
  readonly unreadMentions: number;
}

export interface ConversationListEvents {
  conversations: readonly ConversationSummaryView[];
}

export class ConversationList {
  readonly events = new Emitter<ConversationListEvents>();
  private readonly figures = new Map<string, ConvFigures>();
  private readonly tracked = new Set<string>();
  private queued = false;
  private disposed = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly userDoc: DocHandle,
    private readonly me: string,
    /** Asked to load (and sync) the head of a conversation that the list names. */
    private readonly need: (id: ConversationId) => void,
    private readonly histories: Histories,
  ) {
    this.offs.push(userDoc.events.on('changed', () => this.onUserDocChange()));
    for (const h of histories.all()) this.track(h.id);
    this.onUserDocChange();
  }

  /** Follow a conversation's segments: its figures are recomputed when they change. */
  track(id: ConversationId): void {
    if (this.tracked.has(id) || this.disposed) return;
    this.tracked.add(id);
    this.offs.push(
      this.histories.get(id).events.on('changed', () => {
        this.figures.delete(id);
        this.queue();
      }),
    );
    this.figures.delete(id);
    this.queue();
  }

  /** The account lost the conversation (MEMBER-1): stop listing it. */
  forget(id: ConversationId): void {
    this.tracked.delete(id);
    this.figures.delete(id);
    this.queue();
  }

  ids(): ConversationId[] {
    const ids = new Set<string>(this.userDoc.doc.getMap<unknown>(USER_CONVS).keys());
    // A conversation known locally (e.g. created here, before the server's mirror arrived) is listed too.
    for (const id of this.tracked) if (this.histories.has(id) && this.histories.get(id as ConversationId).meta() !== null) ids.add(id);
    return [...ids] as ConversationId[];
  }

  list(): ConversationSummaryView[] {
    const convs = this.userDoc.doc.getMap<unknown>(USER_CONVS);
    const prefs = this.userDoc.doc.getMap<unknown>(USER_PREFS);
    const drafts = this.userDoc.doc.getMap<unknown>(USER_DRAFTS);
    const out: ConversationSummaryView[] = [];
    for (const id of this.ids()) {
      const meta = this.histories.has(id) ? this.histories.get(id).meta() : null;
      const summary = parseConversationSummary(convs.get(id)) ?? meta;
      if (summary === null) continue;
      const f = this.figuresOf(id);
      // [CLEAR-1] deleted for this account: listed again only once a newer message arrives.
      const cleared = clearedUpTo(this.userDoc.doc, id);
      if (cleared > 0 && (f.last === null || f.last.sentAt <= cleared)) continue;
      const pin = readEntry('user', USER_PREFS, pinKey(id), prefs.get(pinKey(id)));
      const draft = readEntry('user', USER_DRAFTS, id, drafts.get(id));
      const muted = readEntry('user', USER_PREFS, muteKey(id), prefs.get(muteKey(id))) === true;
      out.push({
        id: id as ConversationId,
        kind: summary.kind,
        title: meta?.title ?? summary.title,
        members: meta?.members ?? summary.members,
        lastMessage: f.last,
        lastActivity: Math.max(f.last?.sentAt ?? 0, summary.createdAt),
        unread: f.unread,
        unreadMentions: f.unreadMentions,
        notify: f.unreadMentions > 0 || (f.unread > 0 && !muted),
        pinned: typeof pin === 'number' && pin > 0,
        muted,
        draft: draft ?? '',
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
    if (!this.histories.has(id)) return { last: null, unread: 0, unreadMentions: 0 };
    const history = this.histories.get(id as ConversationId);
    const { last: at, unread } = history.figures();
    let unreadMentions = 0;
    for (const seg of history.segments()) unreadMentions += seg.index.unreadMentions();
    const last = at?.m;
    f = {
      last:
        last === undefined
          ? null
          : {
              id: last.entry.id,
              author: last.entry.author,
              type: last.entry.type,
              body: last.entry.body,
              ...(last.entry.attachment !== undefined ? { attachment: last.entry.attachment } : {}),
              sentAt: hlcMillis(last.entry.hlc),
            },
      unread,
      unreadMentions,
    };
    this.figures.set(id, f);
    return f;
  }

  private onUserDocChange(): void {
    for (const id of this.userDoc.doc.getMap<unknown>(USER_CONVS).keys()) {
      if (!this.tracked.has(id)) {
        this.track(id as ConversationId);
        this.need(id as ConversationId);
      }
    }
    this.queue();
  }

  private queue(): void {
    if (this.queued || this.disposed) return;
    this.queued = true;
    microtask(() => {
      this.queued = false;
      if (!this.disposed && this.events.listenerCount('conversations') > 0) this.events.emit('conversations', this.list());
    });
  }
}
