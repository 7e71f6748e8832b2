/*
 * A conversation list row as both apps render it (VIEW-6): title, preview, time, badge, pinned and muted. The title
 * is the app's (member names are looked up by each app); everything else is decided here.
 */
import type { ConversationSummaryView } from '../conversation/list.js';
import { draftPreview, lastMessagePreview } from './preview.js';
import { listTimeLabel } from './time.js';
import { badgeText } from './text.js';
import { WORDS_EN, type ViewWords } from './words.js';

/** A row with a stable identity (`key`) and a `version` that changes whenever anything the row shows changes. */
export interface Keyed {
  readonly key: string;
  readonly version: string;
}

export class ConversationRow implements Keyed {
  readonly id: string;
  readonly title: string;
  readonly preview: string;
  readonly timeText: string;
  readonly unread: number;
  /** '' for none. */
  readonly badge: string;
  readonly pinned: boolean;
  readonly muted: boolean;
  readonly lastActivity: number;
  readonly group: boolean;
  constructor(id: string, title: string, preview: string, timeText: string, unread: number, pinned: boolean, muted: boolean, lastActivity: number, group: boolean) {
    this.id = id;
    this.title = title;
    this.preview = preview;
    this.timeText = timeText;
    this.unread = unread;
    this.badge = badgeText(unread);
    this.pinned = pinned;
    this.muted = muted;
    this.lastActivity = lastActivity;
    this.group = group;
  }
  get key(): string {
    return this.id;
  }
  get version(): string {
    return `${this.title}|${this.preview}|${this.timeText}|${this.badge}|${this.pinned}|${this.muted}`;
  }
}

/**
 * The list's preview of a conversation: its draft (`Draft: …`) while there is one, else the last message, after
 * `You: ` when one's own and after its author's name in a group.
 */
export function conversationPreview(c: ConversationSummaryView, me: string, nameOf: (userId: string) => string, w: ViewWords = WORDS_EN): string {
  const draft = draftPreview(c.draft, w);
  if (draft.length > 0) return draft;
  const m = c.lastMessage;
  if (m === null) return w.noMessages;
  const body = lastMessagePreview(m, w);
  if (m.author === me) return w.youPrefix + body;
  return c.kind === 'group' ? `${nameOf(m.author)}: ${body}` : body;
}

/** The row of `c`, titled `title`, as of `now`. */
export function conversationRow(c: ConversationSummaryView, title: string, me: string, nameOf: (userId: string) => string, now: number, w: ViewWords = WORDS_EN): ConversationRow {
  return new ConversationRow(c.id, title, conversationPreview(c, me, nameOf, w), listTimeLabel(c.lastActivity, now, w), c.unread, c.pinned, c.muted, c.lastActivity, c.kind === 'group');
}
