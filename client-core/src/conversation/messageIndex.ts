/**
 * An incremental index of one conversation doc: its well-formed messages in ORDER-1 order, by id, the client ids
 * of other members' messages, the decoded receipt marks and the account's unread count (RCPT-2). It equals what
 * model.ts computes from scratch (`readMessages`, `readMarks`, `othersFrontier`, `unreadCount`), at a cost per
 * change proportional to the change, not to the history: a send into a long chat would otherwise re-read and
 * re-sort every message.
 *
 * The `messages` and `receipts` observers only note the changed keys; the keys are re-read on the next query.
 * That keeps the observers trivial (they run inside Yjs's transaction cleanup) and makes the index correct no matter
 * whether a reader runs before or after the doc's `update` listeners. Message entries are immutable
 * (SCHEMA-CONV-1), but a key is still re-read on every change: a hostile or buggy peer may delete or replace it,
 * and a replaced entry has a new item id, which is what receipts cover.
 */
import type * as Y from 'yjs';
import {
  isHlc,
  type Hlc,
  decodeStateVectorSafe,
  mapEntryItemId,
  CONV_MESSAGES,
  CONV_RECEIPTS,
  compareMessages,
  receiptKeyUser,
  type MessageEntry,
  readEntry,
} from '@concord/protocol';
import { readsMessage, type DecodedMark, type StoredMessage } from './model.js';

interface KeyedMark extends DecodedMark {
  /** The stored strings, to tell whether a rewrite of the mark changed what it reads. */
  readonly rawRsv: string | undefined;
}

export class MessageIndex {
  private readonly messagesMap: Y.Map<unknown>;
  private readonly receiptsMap: Y.Map<unknown>;
  private readonly list: StoredMessage[] = [];
  private readonly byId = new Map<string, StoredMessage>();
  /** client id -> 1 + the highest clock of another member's message item with it (see othersFrontier). */
  private readonly frontier = new Map<number, number>();
  private readonly marksByKey = new Map<string, KeyedMark>();
  private marksList: DecodedMark[] | null = null;
  /** Ids of other members' messages not read by any of `me`'s marks. */
  private readonly unread = new Set<string>();
  private newestOthers: Hlc | null = null;
  private readonly dirtyMessages = new Set<string>();
  private readonly dirtyReceipts = new Set<string>();
  private readonly offs: (() => void)[] = [];

  constructor(
    doc: Y.Doc,
    private readonly me: string,
  ) {
    this.messagesMap = doc.getMap<unknown>(CONV_MESSAGES);
    this.receiptsMap = doc.getMap<unknown>(CONV_RECEIPTS);
    this.watch(this.messagesMap, this.dirtyMessages);
    this.watch(this.receiptsMap, this.dirtyReceipts);
    for (const key of this.receiptsMap.keys()) this.dirtyReceipts.add(key);
    for (const key of this.messagesMap.keys()) this.dirtyMessages.add(key);
  }

  /** Every well-formed message in ORDER-1 order. The array is the index's own: do not modify it. */
  messages(): readonly StoredMessage[] {
    this.refresh();
    return this.list;
  }

  get size(): number {
    this.refresh();
    return this.list.length;
  }

  last(): StoredMessage | undefined {
    this.refresh();
    return this.list.at(-1);
  }

  get(id: string): StoredMessage | undefined {
    this.refresh();
    return this.byId.get(id);
  }

  /** Position of message `id` in `messages()`, or -1. */
  positionOf(id: string): number {
    this.refresh();
    const m = this.byId.get(id);
    return m === undefined ? -1 : this.search(m.entry);
  }

  marks(): readonly DecodedMark[] {
    this.refresh();
    this.marksList ??= [...this.marksByKey.values()];
    return this.marksList;
  }

  /** RCPT-2: other members' messages not read by any device of `me`. */
  /** [ACT-7] Unread messages of others that mention `me`. Cost: the unread messages. */
  unreadMentions(): number {
    this.refresh();
    let n = 0;
    for (const id of this.unread) if (this.byId.get(id)?.entry.mentions?.includes(this.me) === true) n++;
    return n;
  }

  unreadCount(): number {
    this.refresh();
    return this.unread.size;
  }

  /**
   * For each client id holding other members' messages, 1 + the highest clock of such a message item: the vector a
   * receipt mark records (RCPT-1). It counts message items only, never receipts or edits, so a mark written by
   * another device does not change it; otherwise every mark would change the others' vectors and they would answer
   * with marks of their own, without end. It is still exact: Yjs applies a client's structs in clock order, so
   * holding the item at clock k means holding every earlier struct of that client.
   */
  othersFrontier(): ReadonlyMap<number, number> {
    this.refresh();
    return this.frontier;
  }

  /** The newest HLC of another member's message: observing it observes every stamp in the doc (HLC-1). */
  newestOthersHlc(): Hlc | null {
    this.refresh();
    return this.newestOthers;
  }

  destroy(): void {
    for (const off of this.offs) off();
    this.offs.length = 0;
  }

  private watch(map: Y.Map<unknown>, dirty: Set<string>): void {
    const observer = (event: Y.YMapEvent<unknown>): void => {
      for (const key of event.keysChanged) dirty.add(key);
    };
    map.observe(observer);
    this.offs.push(() => map.unobserve(observer));
  }

  private refresh(): void {
    let unreadMode: 'none' | 'recheck' | 'full' = 'none';
    if (this.dirtyReceipts.size > 0) {
      for (const key of this.dirtyReceipts) {
        const before = this.marksByKey.get(key);
        const after = this.readMark(key);
        if (after === null) this.marksByKey.delete(key);
        else this.marksByKey.set(key, after);
        if (before?.userId !== this.me && after?.userId !== this.me) continue;
        if (before !== undefined && after !== null && before.rawRsv === after.rawRsv && before.rhlc === after.rhlc) continue;
        // A mark that only grew can only turn unread messages into read ones; anything else is rare: recount.
        if (unreadMode !== 'full') unreadMode = before === undefined || (after !== null && dominates(after, before)) ? 'recheck' : 'full';
      }
      this.dirtyReceipts.clear();
      this.marksList = null;
    }
    if (this.dirtyMessages.size > 0) {
      for (const key of this.dirtyMessages) this.reindex(key, unreadMode === 'full');
      this.dirtyMessages.clear();
    }
    if (unreadMode === 'recheck') {
      const mine = this.myMarks();
      for (const id of this.unread) {
        const m = this.byId.get(id);
        if (m === undefined || mine.some((mark) => readsMessage(mark, m))) this.unread.delete(id);
      }
    } else if (unreadMode === 'full') {
      this.unread.clear();
      const mine = this.myMarks();
      for (const m of this.list) if (m.entry.author !== this.me && !mine.some((mark) => readsMessage(mark, m))) this.unread.add(m.entry.id);
    }
  }

  private reindex(key: string, skipUnread: boolean): void {
    const old = this.byId.get(key);
    const entry = readEntry('conv', CONV_MESSAGES, key, this.messagesMap.get(key));
    const item = entry === null ? null : mapEntryItemId(this.messagesMap, key);
    if (old !== undefined) {
      if (entry !== null && old.entry === entry && sameItem(old.item, item)) return;
      this.remove(old);
    }
    if (entry === null) return;
    const m: StoredMessage = { entry, item };
    const last = this.list.at(-1);
    // Appending is the common case (a new message is stamped after everything seen); else binary search.
    if (last === undefined || compareMessages(last.entry, entry) < 0) this.list.push(m);
    else this.list.splice(this.insertionPoint(entry), 0, m);
    this.byId.set(key, m);
    if (entry.author === this.me) return;
    if (item !== null) {
      if ((this.frontier.get(item.client) ?? 0) <= item.clock) this.frontier.set(item.client, item.clock + 1);
    }
    if (this.newestOthers === null || entry.hlc > this.newestOthers) this.newestOthers = entry.hlc;
    if (!skipUnread && !this.myMarks().some((mark) => readsMessage(mark, m))) this.unread.add(key);
  }

  private remove(m: StoredMessage): void {
    const i = this.search(m.entry);
    if (i >= 0) this.list.splice(i, 1);
    this.byId.delete(m.entry.id);
    this.unread.delete(m.entry.id);
    if (m.entry.author === this.me || m.item === null) return;
    if (this.frontier.get(m.item.client) === m.item.clock + 1) this.recomputeFrontier(m.item.client);
    // newestOthers may now be newer than any remaining message: harmless, the clock already observed it.
  }

  /** Only after a message item was removed (a hostile or buggy peer): rare, so a scan is fine. */
  private recomputeFrontier(client: number): void {
    let next = 0;
    for (const m of this.list) {
      if (m.entry.author !== this.me && m.item !== null && m.item.client === client && m.item.clock >= next) next = m.item.clock + 1;
    }
    if (next > 0) this.frontier.set(client, next);
    else this.frontier.delete(client);
  }

  /** First position whose entry sorts at or after `entry`. */
  private insertionPoint(entry: MessageEntry): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareMessages((this.list[mid] as StoredMessage).entry, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private search(entry: MessageEntry): number {
    const i = this.insertionPoint(entry);
    return this.list[i]?.entry.id === entry.id ? i : -1;
  }

  private myMarks(): KeyedMark[] {
    const out: KeyedMark[] = [];
    for (const m of this.marksByKey.values()) if (m.userId === this.me) out.push(m);
    return out;
  }

  /** Same decoding as model.ts `readMarks`. */
  private readMark(key: string): KeyedMark | null {
    const value = this.receiptsMap.get(key);
    const userId = receiptKeyUser(key);
    if (userId === null || typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    const rawRsv = typeof v['rsv'] === 'string' ? v['rsv'] : undefined;
    return {
      userId,
      deviceKey: key,
      dsv: decodeStateVectorSafe(typeof v['dsv'] === 'string' ? v['dsv'] : undefined),
      rsv: decodeStateVectorSafe(rawRsv),
      rhlc: isHlc(v['rhlc']) ? v['rhlc'] : null,
      rawRsv,
    };
  }
}

function sameItem(a: StoredMessage['item'], b: StoredMessage['item']): boolean {
  return a === null || b === null ? a === b : a.client === b.client && a.clock === b.clock;
}

/** Whether `next` reads at least every message `prev` reads. */
function dominates(next: DecodedMark, prev: DecodedMark): boolean {
  if (prev.rhlc === null) return true;
  if (next.rhlc === null || next.rhlc < prev.rhlc) return false;
  for (const [client, clock] of prev.rsv) if ((next.rsv.get(client) ?? 0) < clock) return false;
  return true;
}
