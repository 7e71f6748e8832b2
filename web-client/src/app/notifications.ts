/**
 * Browser notifications, the tab title and the favicon badge (WEB-NOTIFY-1..4). client-core's NotificationPlanner
 * decides what is news (NOTIFY-1..5); this module only draws it with the Notification API and asks for the
 * permission when the user turns notifications on, never at page load (browsers penalise prompts nobody asked for).
 */
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NotificationPlanner,
  badgeText,
  lastMessagePreview,
  type ConversationSummaryView,
  type LastMessage,
  type NotificationSettings,
  type NotificationStep,
} from '@concord/client-core';
import { parseRoute } from '../ui/routes.js';

const SETTINGS_KEY = 'concord.notifications';

/** What the notifier needs from the app: names and the chat to open. */
export interface NotifierHost {
  readonly me: () => string | null;
  readonly titleOf: (c: ConversationSummaryView) => string;
  readonly nameOf: (userId: string) => string;
  /** A click on a notification: bring the tab forward with that chat open. */
  readonly open: (conversationId: string) => void;
}

/** Whether the browser can show notifications at all, and what the user allowed. */
export type NotifyPermission = 'unsupported' | NotificationPermission;

export class BrowserNotifier {
  private readonly planner: NotificationPlanner;
  private readonly shown = new Map<string, Notification>();
  private settingsValue: NotificationSettings;
  private latest: readonly ConversationSummaryView[] = [];

  constructor(private readonly host: NotifierHost) {
    this.planner = new NotificationPlanner(
      {
        chatTitle: (c) => host.titleOf(c),
        authorName: (id) => host.nameOf(id),
        preview: (m: LastMessage) => lastMessagePreview(m),
        groupTitle: (author, chat) => `${author} in ${chat}`,
        hidden: 'New message',
      },
      Date.now(),
    );
    this.settingsValue = loadSettings();
    // Coming back to the tab reads nothing by itself, but the chat on screen no longer needs its banner.
    document.addEventListener('visibilitychange', () => this.update(this.latest));
    window.addEventListener('focus', () => this.update(this.latest));
  }

  get permission(): NotifyPermission {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  get settings(): NotificationSettings {
    return this.settingsValue;
  }

  /** [WEB-NOTIFY-3] Turning notifications on is the moment to ask the browser; a refusal leaves them off. */
  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled && this.permission === 'default') await Notification.requestPermission();
    this.save({ ...this.settingsValue, enabled: enabled && this.permission === 'granted' });
  }

  setPreview(preview: boolean): void {
    this.save({ ...this.settingsValue, preview });
  }

  /** A new list snapshot from client-core: notify, clear and badge. */
  update(list: readonly ConversationSummaryView[]): NotificationStep | null {
    this.latest = list;
    const me = this.host.me();
    if (me === null) return null;
    const route = parseRoute(location.hash);
    const step = this.planner.step(
      list,
      {
        me,
        foreground: document.visibilityState === 'visible' && document.hasFocus(),
        openConversationId: route.name === 'chat' ? route.id : null,
      },
      // The browser's permission can be withdrawn in its settings at any time: then nothing is shown.
      { ...this.settingsValue, enabled: this.settingsValue.enabled && this.permission === 'granted' },
    );
    for (const id of step.clear) this.close(id);
    for (const n of step.show) this.show(n.conversationId, n.title, n.body);
    drawBadge(step.badge);
    return step;
  }

  /** Signed out or another account: none of the previous account's banners stay. */
  reset(): void {
    for (const id of [...this.shown.keys()]) this.close(id);
    this.planner.reset();
    this.latest = [];
    drawBadge(0);
  }

  private show(conversationId: string, title: string, body: string): void {
    // [WEB-NOTIFY-2] The tag makes a chat's new message replace its previous banner instead of stacking.
    this.shown.get(conversationId)?.close();
    const n = new Notification(title, { body, tag: `concord:${conversationId}` });
    n.onclick = () => {
      window.focus();
      this.host.open(conversationId);
      n.close();
    };
    n.onclose = () => {
      if (this.shown.get(conversationId) === n) this.shown.delete(conversationId);
    };
    this.shown.set(conversationId, n);
  }

  private close(conversationId: string): void {
    const n = this.shown.get(conversationId);
    this.shown.delete(conversationId);
    n?.close();
  }

  private save(s: NotificationSettings): void {
    this.settingsValue = s;
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
    } catch {
      // Private mode: the choice lasts for this tab.
    }
  }
}

function loadSettings(): NotificationSettings {
  try {
    const raw = localStorage.getItem(SETTINGS_KEY);
    if (raw === null) return { ...DEFAULT_NOTIFICATION_SETTINGS, enabled: false };
    const v = JSON.parse(raw) as Partial<NotificationSettings>;
    return { enabled: v.enabled === true, preview: v.preview !== false };
  } catch {
    return { ...DEFAULT_NOTIFICATION_SETTINGS, enabled: false };
  }
}

const BASE_ICON = '<rect width="16" height="16" rx="3" fill="#2f6f4f"/>';

/** [WEB-NOTIFY-4] The tab title and the favicon carry the unread count (muted chats excluded, NOTIFY-5). */
export function drawBadge(total: number): void {
  const b = badgeText(total);
  document.title = b === '' ? 'Concord' : `(${b}) Concord`;
  const badge =
    b === ''
      ? ''
      : `<circle cx="11" cy="5" r="5" fill="#d93025"/><text x="11" y="7.5" font-size="${b.length > 1 ? 5 : 7}" font-family="sans-serif" font-weight="bold" text-anchor="middle" fill="#fff">${b.length > 2 ? '99' : b}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">${BASE_ICON}${badge}</svg>`;
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (link === null) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  link.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  link.dataset['unread'] = b;
}
