/**
 * The conversation doc `conv:<conversationId>` (SPEC.md, SCHEMA-CONV-*).
 *
 * Flat Y.Maps with owner-encoded keys and plain JSON values: a nested shared type created concurrently under one
 * key loses one side, and owner-encoded keys let the server check ownership from the key alone.
 *
 * - `meta` (server only): kind, title, members, createdAt, createdBy.
 * - `messages`: `<authorUserId>.<random>` -> MessageEntry. Immutable once written: its Yjs item id is what read and
 *   delivered marks refer to, so an edit must never replace it.
 * - `edits`: message id -> MessageEdit, written only by the message's author (edit or delete).
 * - `receipts`: `<userId>/<deviceId>` -> ReceiptMark, written only by that device.
 */
import type * as Y from 'yjs';
import { type Hlc, isHlc } from './hlc.js';
import { isId, messageIdAuthor } from './ids.js';

export const CONV_META = 'meta';
export const CONV_MESSAGES = 'messages';
export const CONV_EDITS = 'edits';
export const CONV_RECEIPTS = 'receipts';

export type ConversationKind = 'direct' | 'group';

export interface ConversationMeta {
  readonly kind: ConversationKind;
  readonly title: string;
  readonly members: readonly string[];
  readonly createdAt: number;
  readonly createdBy: string;
}

export const MESSAGE_TYPES = ['text', 'image', 'file', 'voice'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** [SCHEMA-CONV-3] The largest message body, in UTF-16 code units. */
export const MAX_MESSAGE_LENGTH = 8000;

/**
 * [SEG-2] A device writes new messages into its head segment until its copy holds this many messages, then into
 * the next segment. 1,000 chat messages are a ~130 KB snapshot that loads in ~15 ms and ~4 MB of heap.
 */
export const SEGMENT_MESSAGES = 1000;

export interface Attachment {
  readonly url: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  /** Voice messages: duration in milliseconds. */
  readonly durationMs?: number;
}

export interface MessageEntry {
  readonly id: string;
  readonly author: string;
  readonly hlc: Hlc;
  readonly type: MessageType;
  readonly body: string;
  readonly replyTo?: string;
  readonly attachment?: Attachment;
  /** [ACT-7] Users this message mentions (groups), at most MAX_MENTIONS. */
  readonly mentions?: readonly string[];
}

export interface MessageEdit {
  readonly hlc: Hlc;
  readonly body?: string;
  readonly deleted?: boolean;
}

/**
 * A device's delivered and read marks. `dsv` and `rsv` are base64 Yjs state vectors: a message counts as delivered
 * (read) by the mark iff its `messages` item is covered by the vector, and for read also `hlc <= rhlc`. Because
 * the vector records what the device held when it marked, a message that arrives later is not covered even when
 * its HLC is older: receipts are exact (RCPT-1).
 */
export interface ReceiptMark {
  readonly dsv?: string;
  readonly rsv?: string;
  readonly rhlc?: Hlc;
}

export function receiptKey(userId: string, deviceId: string): string {
  return `${userId}/${deviceId}`;
}

export function receiptKeyUser(key: string): string | null {
  const slash = key.indexOf('/');
  if (slash < 1) return null;
  const user = key.slice(0, slash);
  const device = key.slice(slash + 1);
  return isId(user) && isId(device) ? user : null;
}

/** Returns the entry if `value` is a well-formed message stored under `key`, else null (never throws). */
export function parseMessageEntry(key: string, value: unknown): MessageEntry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const author = messageIdAuthor(key);
  if (author === null || v['id'] !== key || v['author'] !== author) return null;
  if (!isHlc(v['hlc'])) return null;
  if (typeof v['type'] !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(v['type'])) return null;
  if (typeof v['body'] !== 'string' || v['body'].length > MAX_MESSAGE_LENGTH) return null;
  if (v['replyTo'] !== undefined && (typeof v['replyTo'] !== 'string' || messageIdAuthor(v['replyTo']) === null)) return null;
  if (v['attachment'] !== undefined && !isAttachment(v['attachment'])) return null;
  if (v['mentions'] !== undefined && (!Array.isArray(v['mentions']) || !v['mentions'].every(isId))) return null;
  return value as MessageEntry;
}

function isAttachment(value: unknown): value is Attachment {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  return (
    typeof a['url'] === 'string' &&
    typeof a['name'] === 'string' &&
    typeof a['mime'] === 'string' &&
    typeof a['size'] === 'number' &&
    (a['durationMs'] === undefined || typeof a['durationMs'] === 'number')
  );
}

export function parseMeta(map: Y.Map<unknown>): ConversationMeta | null {
  const kind = map.get('kind');
  const members = map.get('members');
  if ((kind !== 'direct' && kind !== 'group') || !Array.isArray(members)) return null;
  const title = map.get('title');
  const createdAt = map.get('createdAt');
  const createdBy = map.get('createdBy');
  return {
    kind,
    title: typeof title === 'string' ? title : '',
    members: members.filter((m): m is string => typeof m === 'string'),
    createdAt: typeof createdAt === 'number' ? createdAt : 0,
    createdBy: typeof createdBy === 'string' ? createdBy : '',
  };
}

/** [ORDER-1] Display order: HLC, then author, then id. */
export function compareMessages(a: MessageEntry, b: MessageEntry): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
