/**
 * Pure reads of a conversation doc (SCHEMA-CONV-*, RCPT-*): messages with their Yjs item ids, decoded receipt
 * marks, per-message status and the account's unread count. No state; callers cache.
 */
import type * as Y from 'yjs';
import {
  decodeHlc,
  type Hlc,
  decodeStateVectorSafe,
  isCovered,
  mapEntryItemId,
  type ItemId,
  type StateVector,
  CONV_EDITS,
  CONV_MESSAGES,
  CONV_RECEIPTS,
  CONV_REACTIONS,
  reactionKey,
  compareMessages,
  type MessageEntry,
  readEntry,
} from '@concord/protocol';

export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface StoredMessage {
  readonly entry: MessageEntry;
  readonly item: ItemId | null;
}

export interface DecodedMark {
  readonly userId: string;
  readonly deviceKey: string;
  readonly dsv: StateVector;
  readonly rsv: StateVector;
  readonly rhlc: Hlc | null;
}

/** Every well-formed message, sorted by ORDER-1. Malformed entries (a buggy or hostile writer) are skipped. */
export function readMessages(doc: Y.Doc): StoredMessage[] {
  const map = doc.getMap<unknown>(CONV_MESSAGES);
  const out: StoredMessage[] = [];
  map.forEach((value, key) => {
    const entry = readEntry('conv', CONV_MESSAGES, key, value);
    if (entry !== null) out.push({ entry, item: mapEntryItemId(map, key) });
  });
  out.sort((a, b) => compareMessages(a.entry, b.entry));
  return out;
}

export function readMarks(doc: Y.Doc): DecodedMark[] {
  const out: DecodedMark[] = [];
  doc.getMap<unknown>(CONV_RECEIPTS).forEach((value, key) => {
    const mark = readEntry('conv', CONV_RECEIPTS, key, value);
    if (mark === null) return;
    out.push({
      userId: mark.userId,
      deviceKey: key,
      dsv: decodeStateVectorSafe(mark.dsv),
      rsv: decodeStateVectorSafe(mark.rsv),
      rhlc: mark.rhlc ?? null,
    });
  });
  return out;
}

export function readsMessage(mark: DecodedMark, msg: StoredMessage): boolean {
  return msg.item !== null && mark.rhlc !== null && msg.entry.hlc <= mark.rhlc && isCovered(mark.rsv, msg.item);
}

export function deliversMessage(mark: DecodedMark, msg: StoredMessage): boolean {
  return msg.item !== null && (isCovered(mark.dsv, msg.item) || readsMessage(mark, msg));
}

export interface StatusContext {
  readonly me: string;
  readonly acked: StateVector;
  readonly poisoned: ReadonlySet<number>;
  readonly failed: ReadonlyMap<string, { readonly reason: string }>;
  readonly marks: readonly DecodedMark[];
  /**
   * [READ-GROUP-1] The conversation's other current members, when known: `read` (`delivered`) then needs every one of
   * them to have read (received) the message. Unknown (no meta yet): any other member's mark counts, as before.
   */
  readonly audience?: readonly string[];
}

/** [READ-GROUP-1] The users among `marks` (one per user, any device) for which `covers` holds. */
export function usersWhose(marks: readonly DecodedMark[], covers: (m: DecodedMark) => boolean): Set<string> {
  const out = new Set<string>();
  for (const m of marks) if (!out.has(m.userId) && covers(m)) out.add(m.userId);
  return out;
}

/** Status of one of the user's own messages (STATUS-1, READ-GROUP-1). */
export function ownStatus(msg: StoredMessage, ctx: StatusContext): { status: MessageStatus; reason?: string } {
  const f = ctx.failed.get(msg.entry.id);
  const acked = msg.item !== null && isCovered(ctx.acked, msg.item);
  if (!acked && f !== undefined) return { status: 'failed', reason: f.reason };
  if (!acked && msg.item !== null && ctx.poisoned.has(msg.item.client)) return { status: 'failed', reason: 'rejected' };
  const others = ctx.marks.filter((m) => m.userId !== ctx.me);
  const audience = ctx.audience;
  if (audience !== undefined && audience.length > 0) {
    const all = (covers: (m: DecodedMark) => boolean): boolean => {
      const users = usersWhose(others, covers);
      return audience.every((u) => users.has(u));
    };
    if (all((m) => readsMessage(m, msg))) return { status: 'read' };
    if (all((m) => deliversMessage(m, msg))) return { status: 'delivered' };
    return { status: acked ? 'sent' : 'sending' };
  }
  if (others.some((m) => readsMessage(m, msg))) return { status: 'read' };
  if (others.some((m) => deliversMessage(m, msg))) return { status: 'delivered' };
  // A mark from another member covers it only if the server relayed it, so delivered implies sent.
  return { status: acked ? 'sent' : 'sending' };
}

/** RCPT-2: messages by others not read by any of `me`'s devices. */
export function unreadCount(messages: readonly StoredMessage[], marks: readonly DecodedMark[], me: string): number {
  const mine = marks.filter((m) => m.userId === me);
  let n = 0;
  for (const msg of messages) {
    if (msg.entry.author === me) continue;
    if (!mine.some((m) => readsMessage(m, msg))) n++;
  }
  return n;
}

/** From scratch, what MessageIndex.othersFrontier keeps: per client id of others' messages, 1 + the newest clock. */
export function othersFrontier(messages: readonly StoredMessage[], me: string): Map<number, number> {
  const f = new Map<number, number>();
  for (const m of messages) {
    if (m.entry.author !== me && m.item !== null && (f.get(m.item.client) ?? 0) <= m.item.clock) f.set(m.item.client, m.item.clock + 1);
  }
  return f;
}

/** Own messages not acknowledged whose structs belong to `clients` (what a REJECT refers to). */
export function unackedOwnIds(doc: Y.Doc, me: string, acked: StateVector, clients: ReadonlySet<number>): string[] {
  return readMessages(doc)
    .filter((m) => m.entry.author === me && m.item !== null && clients.has(m.item.client) && !isCovered(acked, m.item))
    .map((m) => m.entry.id);
}

export interface EditState {
  readonly body?: string;
  /** [ACT-2] The author recalled the message (`edits` value `deleted: true`). */
  readonly deleted: boolean;
  readonly edited: boolean;
}

/** What the server is known to have (`acked`) and the client ids whose writes it refused (FAIL-1). */
export interface AckState {
  readonly acked: StateVector;
  readonly poisoned: ReadonlySet<number>;
}

/**
 * The edit of message `id`. An edit the server refused (its struct's client id was rejected and never acknowledged:
 * a recall outside the window, ACT-2) is not shown: every other device shows the message as it was, so this one does.
 */
export function readEdit(doc: Y.Doc, id: string, ack?: AckState): EditState {
  const map = doc.getMap<unknown>(CONV_EDITS);
  const e = readEntry('conv', CONV_EDITS, id, map.get(id));
  if (e === null) return { deleted: false, edited: false };
  if (ack !== undefined) {
    const item = mapEntryItemId(map, id);
    if (item !== null && ack.poisoned.has(item.client) && !isCovered(ack.acked, item)) return { deleted: false, edited: false };
  }
  return e.body === undefined ? { deleted: e.deleted, edited: !e.deleted } : { body: e.body, deleted: e.deleted, edited: true };
}

/** [ACT-6] One emoji's reactions to a message. */
export interface ReactionSummary {
  readonly emoji: string;
  readonly count: number;
  /** Who reacted, sorted. */
  readonly users: readonly string[];
  /** This account is among them. */
  readonly mine: boolean;
}

/** [ACT-6] Every message's reactions in a segment doc, by message id; emoji in order of first appearance by user id. */
export function readReactions(doc: Y.Doc, me: string): Map<string, ReactionSummary[]> {
  const byMessage = new Map<string, Map<string, string[]>>();
  const entries: { userId: string; messageId: string; emoji: readonly string[] }[] = [];
  doc.getMap<unknown>(CONV_REACTIONS).forEach((value, key) => {
    const r = readEntry('conv', CONV_REACTIONS, key, value);
    if (r !== null) entries.push(r);
  });
  entries.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  for (const r of entries) {
    let emojis = byMessage.get(r.messageId);
    if (emojis === undefined) byMessage.set(r.messageId, (emojis = new Map()));
    for (const e of r.emoji) {
      const users = emojis.get(e);
      if (users === undefined) emojis.set(e, [r.userId]);
      else users.push(r.userId);
    }
  }
  const out = new Map<string, ReactionSummary[]>();
  for (const [id, emojis] of byMessage) {
    out.set(
      id,
      [...emojis].map(([emoji, users]) => ({ emoji, count: users.length, users, mine: users.includes(me) })),
    );
  }
  return out;
}

/** [ACT-6] This user's own reactions to a message, as stored. */
export function ownReactions(doc: Y.Doc, me: string, messageId: string): readonly string[] {
  const key = reactionKey(me, messageId);
  return readEntry('conv', CONV_REACTIONS, key, doc.getMap<unknown>(CONV_REACTIONS).get(key))?.emoji ?? [];
}

export function hlcMillis(hlc: Hlc): number {
  return decodeHlc(hlc).ms;
}
