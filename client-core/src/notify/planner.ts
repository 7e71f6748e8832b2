/**
 * [NOTIFY-1..5] Which new messages make a notification, and when one goes away: the rules both apps follow, written
 * once. The planner is fed every conversation-list snapshot (client-core's `conversations` event) and answers what to
 * show, what to clear and the badge; each app only draws (browser Notification, OpenHarmony notificationManager).
 * Platform-free and clock-injected, so the rules are unit-tested without a device.
 */
import type { ConversationSummaryView, LastMessage } from '../conversation/list.js';

/** What the user chose (NOTIFY-4). Both default to on. */
export interface NotificationSettings {
  /** Off: nothing is shown; the badge still counts. */
  readonly enabled: boolean;
  /** Off: a notification says who wrote, never what. */
  readonly preview: boolean;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = { enabled: true, preview: true };

/** Where the user is looking: an app in the foreground shows news itself and notifies nothing (NOTIFY-1). */
export interface Attention {
  /** The account's own user id. */
  readonly me: string;
  /** The app (tab, window) is in the foreground. */
  readonly foreground: boolean;
  /** The chat on screen, if any. */
  readonly openConversationId: string | null;
}

/** One notification to show or replace: one per conversation, keyed by its id (NOTIFY-2). */
export interface NotificationPlan {
  readonly conversationId: string;
  readonly messageId: string;
  /** The chat's title, or for a group "sender in group". */
  readonly title: string;
  /** The message's preview, or the generic text when previews are off. */
  readonly body: string;
  /** The chat is muted and this message mentions the user (NOTIFY-3): shown anyway. */
  readonly mention: boolean;
}

export interface NotificationStep {
  readonly show: readonly NotificationPlan[];
  /** Conversations whose notification should go: read here or on another device of the account (NOTIFY-2). */
  readonly clear: readonly string[];
  /** The app badge / tab count: unread messages of chats that are not muted (NOTIFY-5). */
  readonly badge: number;
}

/** How an app words a notification: titles and names from its directory, previews in its language. */
export interface NotificationWords {
  chatTitle(c: ConversationSummaryView): string;
  authorName(userId: string): string;
  preview(last: LastMessage): string;
  /** A group message's title: who wrote, in which group ("Ana in Team"). */
  groupTitle(author: string, chat: string): string;
  /** Shown instead of the preview when previews are off ("New message"). */
  readonly hidden: string;
}

/** A last message may say it mentions the reader once message actions exist; absent means no. */
type MaybeMention = LastMessage & { readonly mentionsMe?: boolean };

/** [NOTIFY-5] The badge: unread messages of the chats that are not muted (a muted chat shows its own count only). */
export function badgeTotal(list: readonly ConversationSummaryView[]): number {
  let n = 0;
  for (const c of list) if (!c.muted) n += c.unread;
  return n;
}

export class NotificationPlanner {
  /** The last message id seen per conversation; absent: not seen since the planner started. */
  private readonly seen = new Map<string, string>();
  /** Conversations with a notification showing (so clearing is asked once, and only for those). */
  private readonly showing = new Set<string>();

  /** `since`: messages sent before it are history, not news (the app's start, or the session's). */
  constructor(
    private readonly words: NotificationWords,
    private readonly since: number,
  ) {}

  /** The next snapshot of the list: what to show, what to clear, and the badge. */
  step(list: readonly ConversationSummaryView[], at: Attention, settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS): NotificationStep {
    const show: NotificationPlan[] = [];
    const clear: string[] = [];
    const present = new Set<string>();
    for (const c of list) {
      present.add(c.id);
      const looking = at.foreground && at.openConversationId === c.id;
      // [NOTIFY-2] Read anywhere (unread back to 0) or looked at here: the chat's notification goes.
      if ((c.unread === 0 || looking) && this.showing.delete(c.id)) clear.push(c.id);
      const last = c.lastMessage as MaybeMention | null;
      if (last === null) {
        this.seen.set(c.id, '');
        continue;
      }
      const before = this.seen.get(c.id);
      this.seen.set(c.id, last.id);
      if (before === last.id) continue;
      // [NOTIFY-1] First sight of a chat that already had messages: news only if written after we started.
      if (before === undefined && last.sentAt < this.since) continue;
      // In the foreground the list and the chat show news themselves: banners are for an app the user is not in.
      if (last.author === at.me || at.foreground || c.unread === 0) continue;
      // The list counts unread mentions (ACT-7); a last message may say it mentions the reader too.
      const mention = last.mentionsMe === true || c.unreadMentions > 0;
      // [NOTIFY-3] Muted chats stay silent unless the message mentions the user.
      if (c.muted && !mention) continue;
      if (!settings.enabled) continue;
      show.push({
        conversationId: c.id,
        messageId: last.id,
        title: this.title(c, last),
        body: settings.preview ? this.words.preview(last) : this.words.hidden,
        mention: c.muted && mention,
      });
      this.showing.add(c.id);
    }
    // A chat that left the list (deleted, or the account left it) takes its notification along.
    for (const id of [...this.showing]) {
      if (!present.has(id)) {
        this.showing.delete(id);
        clear.push(id);
      }
    }
    return { show, clear, badge: badgeTotal(list) };
  }

  /** Another account signed in: nothing of the previous one's is remembered. */
  reset(): void {
    this.seen.clear();
    this.showing.clear();
  }

  private title(c: ConversationSummaryView, last: LastMessage): string {
    const chat = this.words.chatTitle(c);
    return c.kind === 'group' ? this.words.groupTitle(this.words.authorName(last.author), chat) : chat;
  }
}
