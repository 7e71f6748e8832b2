/*
 * The chats the pages have open: client-core hands out one view per conversation, shared by every ChatSession on
 * it, and disposed when the last page on it is left (SEG-7), so the older segments it paged in leave memory. Also
 * which chat is on screen: its messages do not notify (HAPP-READ-1).
 */
import type { Conversation, ConversationSummaryView } from '@concord/client-core';
import type { ChatSession } from './chatSession';

export class OpenChats {
  /** Open views and how many ChatSessions share each. */
  private readonly views = new Map<Conversation, number>();
  /** Chat pages not yet left. */
  private readonly sessions: ChatSession[] = [];
  /** The chat on screen ('' for none). */
  onScreen = '';

  get viewCount(): number {
    return this.views.size;
  }

  /** A page opened `session` on `conv`. */
  opened(conv: Conversation, session: ChatSession): void {
    this.views.set(conv, (this.views.get(conv) ?? 0) + 1);
    this.sessions.push(session);
    this.onScreen = conv.id;
  }

  /** A chat page was left: the view goes when no other page shows the conversation. */
  closed(conv: Conversation, session: ChatSession): void {
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
    if (this.onScreen === conv.id) this.onScreen = '';
    const n = this.views.get(conv);
    if (n === undefined) return;
    if (n > 1) {
      this.views.set(conv, n - 1);
      return;
    }
    this.views.delete(conv);
    disposeView(conv);
  }

  /** A chat page was shown or hidden. */
  visible(id: string, visible: boolean): void {
    if (visible) this.onScreen = id;
    else if (this.onScreen === id) this.onScreen = '';
  }

  /** Every view goes (logout, another client); `dispose` false: they died with a replaced runtime already. */
  release(dispose: boolean): void {
    if (dispose) for (const conv of Array.from(this.views.keys())) disposeView(conv);
    this.views.clear();
  }

  /**
   * The list changed: the open chats take the stored draft while their user has not typed there (the list may load
   * after a chat opened, and another device of the account may write the draft).
   */
  listChanged(find: (id: string) => ConversationSummaryView | undefined): void {
    for (const s of this.sessions.slice()) {
      const c = find(s.id);
      if (c !== undefined) s.storedDraft(c.draft);
    }
  }

  /** Member names arrived (HAPP-NAMES-1). */
  /** The lines under the open chats' titles are read again (time passed, the app came back, the link changed). */
  refreshStatus(): void {
    for (const s of this.sessions.slice()) s.refreshStatus();
  }

  namesChanged(): void {
    for (const s of this.sessions.slice()) s.namesChanged();
  }
}

function disposeView(conv: Conversation): void {
  try {
    conv.dispose();
  } catch (e) {
    // Already closed with its client.
  }
}
