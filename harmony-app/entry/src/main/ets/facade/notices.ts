/*
 * Which list changes notify, and when a chat's notification goes: client-core's NotificationPlanner decides
 * (NOTIFY-1..5: news only while the app is in the background, muted chats silent unless mentioned, cleared when read
 * on any device of the account); this module hands its decisions to the device's notifier (HAPP-NOTIFY-1).
 */
import { DEFAULT_NOTIFICATION_SETTINGS, NotificationPlanner, lastMessagePreview } from '@concord/client-core';
import type { ConversationSummaryView, LastMessage, NotificationSettings, NotificationStep, NotificationWords, ViewWords } from '@concord/client-core';
import type { IncomingFactory, Notifications } from './appPlatform';

/** How the app names chats and people for a notification, and in which words. */
export class NoticeNames {
  readonly title: (c: ConversationSummaryView) => string;
  readonly person: (userId: string) => string;
  readonly words: ViewWords;
  constructor(title: (c: ConversationSummaryView) => string, person: (userId: string) => string, words: ViewWords) {
    this.title = title;
    this.person = person;
    this.words = words;
  }
}

/** The planner's words from the app's names (a class: ArkTS takes no object literal for an interface with methods). */
class PlannerWords implements NotificationWords {
  names: NoticeNames | null = null;
  readonly hidden: string = '…';
  chatTitle(c: ConversationSummaryView): string {
    return this.names === null ? '' : this.names.title(c);
  }
  authorName(userId: string): string {
    return this.names === null ? '' : this.names.person(userId);
  }
  preview(m: LastMessage): string {
    return this.names === null ? lastMessagePreview(m) : lastMessagePreview(m, this.names.words);
  }
  groupTitle(author: string, chat: string): string {
    return `${author} (${chat})`;
  }
}

export class NewMessageNotices {
  /** Messages sent before this (login/restore time) were not new to the user when the app started: no banner. */
  sessionStart = 0;
  /** The app (its window) is in the foreground: EntryAbility's onForeground / onBackground. */
  foreground = false;
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS;
  private planner: NotificationPlanner | null = null;
  private readonly words = new PlannerWords();
  private lastBadge = -1;
  private readonly notifications: Notifications | null;
  private readonly incoming: IncomingFactory | null;

  constructor(notifications: Notifications | null, incoming: IncomingFactory | null) {
    this.notifications = notifications;
    this.incoming = incoming;
  }

  /** Another account: nothing of the previous one is "seen". */
  clear(): void {
    this.planner = null;
    this.lastBadge = -1;
  }

  /** The list changed to `list`; `openChatId` is the chat on screen ('' for none). */
  changed(list: readonly ConversationSummaryView[], me: string, openChatId: string, names: NoticeNames): NotificationStep | null {
    const n = this.notifications;
    const make = this.incoming;
    if (n === null || make === null) return null;
    this.words.names = names;
    if (this.planner === null) this.planner = new NotificationPlanner(this.words, this.sessionStart);
    const step = this.planner.step(list, { me: me, foreground: this.foreground, openConversationId: openChatId.length > 0 ? openChatId : null }, this.settings);
    for (const id of step.clear) n.conversationRead(id, step.badge).catch(() => undefined);
    // The planner already left out muted chats without a mention: what it shows is shown.
    for (const p of step.show) n.notify(make(p.conversationId, p.title, p.body, false), step.badge).catch(() => undefined);
    if (step.show.length === 0 && step.clear.length === 0 && step.badge !== this.lastBadge) n.setBadge(step.badge).catch(() => undefined);
    this.lastBadge = step.badge;
    return step;
  }
}
