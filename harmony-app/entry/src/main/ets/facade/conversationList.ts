/*
 * The conversation list (a LazyForEach model of client-core's ConversationRow, VIEW-6): rebuilt from client-core's
 * summaries, minus the chats the user removed from the list ("delete chat", kept per account in its storage until a
 * newer message brings the chat back).
 */
import { badgeTotal, conversationRow } from '@concord/client-core';
import type { ConversationRow, ConversationSummaryView, ViewWords } from '@concord/client-core';
import type { StorageAdapter } from '@concord/storage-adapters';
import { KeyedListModel } from '../logic/listModel';
import { asciiBytes, fromAscii } from './ascii';

const HIDDEN_PREFIX = 'app:hidden:';

export class ConversationList {
  readonly rows = new KeyedListModel<ConversationRow>();
  /** client-core's summaries as last given (hidden ones included). */
  latest: ConversationSummaryView[] = [];
  /** Removed chats and the last activity they had then. */
  private readonly hidden = new Map<string, number>();
  private readonly storage: StorageAdapter;

  constructor(storage: StorageAdapter) {
    this.storage = storage;
  }

  find(id: string): ConversationSummaryView | undefined {
    return this.latest.find((c: ConversationSummaryView) => c.id === id);
  }

  /** The app badge: the unread messages of the chats that are not muted (NOTIFY-5). */
  unreadTotal(): number {
    return badgeTotal(this.latest);
  }

  /** Takes `list` and rewrites the rows (only those that changed send events). */
  update(list: readonly ConversationSummaryView[], me: string, title: (c: ConversationSummaryView) => string, nameOf: (userId: string) => string, now: number, words: ViewWords): void {
    this.latest = list.slice();
    const rows: ConversationRow[] = [];
    for (const c of list) {
      const hiddenAt = this.hidden.get(c.id);
      if (hiddenAt !== undefined && c.lastActivity <= hiddenAt) continue;
      rows.push(conversationRow(c, title(c), me, nameOf, now, words));
    }
    this.rows.set(rows);
  }

  clear(): void {
    this.latest = [];
    this.rows.set([]);
  }

  /** Removes a chat from the list (WeChat "delete chat") until a message newer than its last activity arrives. */
  async hide(id: string, now: number): Promise<void> {
    const row = this.find(id);
    const at = row === undefined ? now : Math.max(row.lastActivity, 1);
    this.hidden.set(id, at);
    await this.storage.setKv(HIDDEN_PREFIX + id, asciiBytes(`${at}`));
  }

  /** The account's removed chats, from its storage. */
  async loadHidden(): Promise<void> {
    this.hidden.clear();
    const keys = await this.storage.listKv(HIDDEN_PREFIX);
    for (const k of keys) {
      const v = await this.storage.getKv(k);
      if (v !== undefined) this.hidden.set(k.slice(HIDDEN_PREFIX.length), Number(fromAscii(v)));
    }
  }
}
