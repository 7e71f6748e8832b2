/*
 * The plain classes pages render. ArkTS pages cannot use object-literal types or structural typing, and ArkTS
 * forbids constructor parameter properties, so everything crossing the facade boundary is a class with explicit
 * fields assigned in the constructor.
 */
import type { Keyed } from '../logic/listModel';

export class ConversationRow implements Keyed {
  readonly id: string;
  readonly title: string;
  readonly preview: string;
  readonly timeText: string;
  readonly unread: number;
  readonly badge: string;
  readonly pinned: boolean;
  readonly muted: boolean;
  readonly lastActivity: number;
  constructor(id: string, title: string, preview: string, timeText: string, unread: number, badge: string, pinned: boolean, muted: boolean, lastActivity: number) {
    this.id = id;
    this.title = title;
    this.preview = preview;
    this.timeText = timeText;
    this.unread = unread;
    this.badge = badge;
    this.pinned = pinned;
    this.muted = muted;
    this.lastActivity = lastActivity;
  }
  get key(): string {
    return this.id;
  }
  get version(): string {
    return `${this.title}|${this.preview}|${this.timeText}|${this.badge}|${this.pinned}|${this.muted}`;
  }
}

export class ChatRow implements Keyed {
  readonly id: string;
  readonly author: string;
  readonly text: string;
  readonly mine: boolean;
  /** '', 'sending', 'sent', 'delivered', 'read', 'failed' */
  readonly status: string;
  /** The separator shown above this bubble, or '' (the WeChat 2-minute rule). */
  readonly timeLabel: string;
  readonly sentAt: number;
  constructor(id: string, author: string, text: string, mine: boolean, status: string, timeLabel: string, sentAt: number) {
    this.id = id;
    this.author = author;
    this.text = text;
    this.mine = mine;
    this.status = status;
    this.timeLabel = timeLabel;
    this.sentAt = sentAt;
  }
  get key(): string {
    return this.id;
  }
  get version(): string {
    return `${this.status}|${this.timeLabel}|${this.text}`;
  }
}

export class DeviceRow {
  readonly deviceId: string;
  readonly name: string;
  readonly current: boolean;
  readonly lastSeenText: string;
  constructor(deviceId: string, name: string, current: boolean, lastSeenText: string) {
    this.deviceId = deviceId;
    this.name = name;
    this.current = current;
    this.lastSeenText = lastSeenText;
  }
}
