/*
 * Which list changes notify (HAPP-READ-1): a new last message from someone else, in a chat not on screen, written
 * after the app started; otherwise only the badge follows the unread total. The notifier skips muted chats.
 */
import type { ConversationSummaryView } from '@concord/client-core';
import { lastMessagePreview } from '@concord/client-core';
import type { ViewWords } from '@concord/client-core';
import type { IncomingFactory, Notifications } from './appPlatform';

export class NewMessageNotices {
  /** The last message id seen per conversation ('' for none yet). */
  private readonly seenLast = new Map<string, string>();
  /** Messages sent before this (login/restore time) were not new to the user when the app started: no banner. */
  sessionStart = 0;
  private readonly notifications: Notifications | null;
  private readonly incoming: IncomingFactory | null;

  constructor(notifications: Notifications | null, incoming: IncomingFactory | null) {
    this.notifications = notifications;
    this.incoming = incoming;
  }

  /** Another account: nothing of the previous one is "seen". */
  clear(): void {
    this.seenLast.clear();
  }

  /** The list changed to `list`; `title` names a chat, `openChatId` is the chat on screen ('' for none). */
  changed(list: readonly ConversationSummaryView[], me: string, openChatId: string, prevTotal: number, total: number, title: (c: ConversationSummaryView) => string, words: ViewWords): void {
    const n = this.notifications;
    const make = this.incoming;
    if (n === null || make === null) return;
    let published = false;
    for (const c of list) {
      const last = c.lastMessage;
      if (last === null) {
        this.seenLast.set(c.id, '');
        continue;
      }
      const seen = this.seenLast.get(c.id);
      this.seenLast.set(c.id, last.id);
      if (seen === last.id) continue;
      // First sight of a chat that already has messages: new only if written after the app started.
      if (seen === undefined && last.sentAt < this.sessionStart) continue;
      if (last.author === me || c.id === openChatId || c.unread === 0) continue;
      published = true;
      n.notify(make(c.id, title(c), lastMessagePreview(last, words), c.muted), total).catch(() => undefined);
    }
    if (!published && total !== prevTotal) n.setBadge(total).catch(() => undefined);
  }
}
