/*
 * The plain classes pages render besides client-core's ConversationRow. ArkTS pages cannot use object-literal types
 * or structural typing, and ArkTS forbids constructor parameter properties, so everything crossing the facade
 * boundary is a class with explicit fields assigned in the constructor.
 */
import type { Keyed } from '@concord/client-core';

/** What a chat bubble shows: text, or an attachment (HAPP-ATTACH-1). Values of ChatRow.kind. */
export const KIND_TEXT = 'text';
export const KIND_IMAGE = 'image';
export const KIND_FILE = 'file';
export const KIND_VOICE = 'voice';

export class ChatRow implements Keyed {
  readonly id: string;
  readonly author: string;
  /** The message text; for an attachment, its name (client-core's body). Empty when deleted. */
  readonly text: string;
  readonly mine: boolean;
  /** '', 'sending', 'sent', 'delivered', 'read', 'failed' */
  readonly status: string;
  /** The separator shown above this bubble, or '' (the WeChat 2-minute rule). */
  readonly timeLabel: string;
  readonly sentAt: number;
  /** 'text', or the attachment's 'image' | 'file' | 'voice' (a deleted attachment is 'text' with no text). */
  readonly kind: string;
  /** The attachment's file name ('' for text). */
  readonly fileName: string;
  /** The attachment's size as people read it ("1.5 MB"; '' for text). */
  readonly sizeText: string;
  /** The attachment's mime type ('' for text). */
  readonly mime: string;
  /** Shown above others' bubbles in a group (HAPP-NAMES-1); '' for own messages and in direct chats. */
  readonly authorName: string;
  /** The "N new messages" divider above this bubble (HAPP-SCROLL-1), or ''. */
  readonly divider: string;
  constructor(
    id: string,
    author: string,
    text: string,
    mine: boolean,
    status: string,
    timeLabel: string,
    sentAt: number,
    kind: string = KIND_TEXT,
    fileName: string = '',
    sizeText: string = '',
    mime: string = '',
    authorName: string = '',
    divider: string = '',
  ) {
    this.id = id;
    this.author = author;
    this.text = text;
    this.mine = mine;
    this.status = status;
    this.timeLabel = timeLabel;
    this.sentAt = sentAt;
    this.kind = kind;
    this.fileName = fileName;
    this.sizeText = sizeText;
    this.mime = mime;
    this.authorName = authorName;
    this.divider = divider;
  }
  get key(): string {
    return this.id;
  }
  get isAttachment(): boolean {
    return this.kind !== KIND_TEXT;
  }
  get version(): string {
    return `${this.status}|${this.timeLabel}|${this.text}|${this.kind}|${this.fileName}|${this.sizeText}|${this.authorName}|${this.divider}`;
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
