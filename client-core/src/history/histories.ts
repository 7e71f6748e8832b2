/**
 * Every conversation's segment chain on this device, keyed by conversation id, and the sync policy over doc names
 * (SEG-5): a conversation's head and newer segments are synced, and so are segments this device holds; older
 * segments the server names are only noted as existing, and fetched when the user pages back to them.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import { parseDocName, segmentDocName, type ConversationId, type DocName } from '@concord/protocol';
import { ConvHistory, type HistoryHost } from './convHistory.js';
import { UNACKED_KEY_PREFIX, docMetaKey, unackedKey } from '../doc/docMeta.js';

const UNREAD_KEY_PREFIX = 'hist:';
/** Present while the local copy of a conversation the account lost is being deleted (finished at the next start). */
const LEFT_KEY_PREFIX = 'left:';

function unreadKey(id: ConversationId): string {
  return `${UNREAD_KEY_PREFIX}${id}`;
}

function decodeUnread(bytes: Uint8Array): [number, number][] {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!Array.isArray(v)) return [];
    return v.filter(
      (e): e is [number, number] =>
        Array.isArray(e) && e.length === 2 && Number.isInteger(e[0]) && e[0] >= 0 && Number.isInteger(e[1]) && e[1] > 0,
    );
  } catch {
    return [];
  }
}

export type HistoryHostOps = Omit<HistoryHost, 'saveUnread'>;

export class Histories {
  private readonly map = new Map<string, ConvHistory>();
  private readonly host: HistoryHost;
  private unreadWrites: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: StorageAdapter,
    ops: HistoryHostOps,
    private readonly onStorageError: (err: Error) => void,
  ) {
    this.host = { ...ops, saveUnread: (id, unread) => this.saveUnread(id, unread) };
  }

  get(id: ConversationId): ConvHistory {
    let h = this.map.get(id);
    if (h === undefined) {
      h = new ConvHistory(id, this.host);
      this.map.set(id, h);
    }
    return h;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  all(): IterableIterator<ConvHistory> {
    return this.map.values();
  }

  /**
   * What local storage holds: every segment doc (noted, not loaded) and the stored unread counts. Returns the
   * segment docs with local changes the server has not acknowledged: they are loaded at start so they go out.
   */
  async restore(): Promise<DocName[]> {
    for (const name of await this.storage.listDocs('conv:')) {
      const p = parseDocName(name);
      if (p?.kind === 'conv') this.get(p.conversationId).known(p.segment, true);
    }
    for (const key of await this.storage.listKv(UNREAD_KEY_PREFIX)) {
      const id = key.slice(UNREAD_KEY_PREFIX.length) as ConversationId;
      const bytes = await this.storage.getKv(key);
      if (bytes !== undefined && this.map.has(id)) this.get(id).restoreUnread(decodeUnread(bytes));
    }
    const unacked: DocName[] = [];
    for (const key of await this.storage.listKv(UNACKED_KEY_PREFIX)) {
      const name = key.slice(UNACKED_KEY_PREFIX.length);
      if (parseDocName(name)?.kind === 'conv') unacked.push(name as DocName);
    }
    return unacked;
  }

  /** Segment docs the server named (WELCOME, NOTIFY): they exist. Call before asking `wants`. */
  known(names: Iterable<string>): void {
    for (const name of names) {
      const p = parseDocName(name);
      if (p?.kind === 'conv') this.get(p.conversationId).known(p.segment);
    }
  }

  /** SEG-5: whether a named doc should be synced now. Non-conversation docs always are. */
  wants(name: string): boolean {
    const p = parseDocName(name);
    if (p?.kind !== 'conv') return true;
    return this.get(p.conversationId).wants(p.segment);
  }

  /** Conversations whose deletion was interrupted (see `forget`). */
  async interruptedForgets(): Promise<ConversationId[]> {
    return (await this.storage.listKv(LEFT_KEY_PREFIX)).map((k) => k.slice(LEFT_KEY_PREFIX.length) as ConversationId);
  }

  /**
   * MEMBER-1: the account is no longer a member: drop the conversation from memory and delete every local trace
   * (segment docs, sync records, markers, stored counts), and whatever `alsoDelete` deletes (attachments) before
   * the marker goes. A marker makes an interrupted deletion finish later.
   */
  async forget(id: ConversationId, alsoDelete?: () => Promise<void>): Promise<void> {
    const leftKey = `${LEFT_KEY_PREFIX}${id}`;
    await this.storage.setKv(leftKey, new Uint8Array([1]));
    const h = this.map.get(id);
    const held = new Set(h?.heldSegments() ?? []);
    if (h !== undefined) {
      for (const seg of [...h.segments()]) {
        held.delete(seg.n);
        this.host.unload(seg.handle.name, true);
      }
      h.clear();
      this.map.delete(id);
    }
    for (const name of await this.storage.listDocs(`conv:${id}`)) {
      const p = parseDocName(name);
      if (p?.kind === 'conv' && p.conversationId === id) held.add(p.segment);
    }
    for (const n of held) {
      const name = segmentDocName(id, n);
      await this.storage.deleteDoc(name);
      await this.storage.deleteKv(docMetaKey(name));
      await this.storage.deleteKv(unackedKey(name));
    }
    await this.unreadWrites;
    await this.storage.deleteKv(unreadKey(id));
    await alsoDelete?.();
    await this.storage.deleteKv(leftKey);
  }

  async flushed(): Promise<void> {
    await this.unreadWrites;
  }

  clear(): void {
    for (const h of this.map.values()) h.clear();
  }

  private saveUnread(id: ConversationId, unread: ReadonlyMap<number, number>): void {
    const key = unreadKey(id);
    const entries = [...unread].filter(([, c]) => c > 0);
    const bytes = new TextEncoder().encode(JSON.stringify(entries));
    this.unreadWrites = this.unreadWrites.then(async () => {
      try {
        if (entries.length === 0) await this.storage.deleteKv(key);
        else await this.storage.setKv(key, bytes);
      } catch (err) {
        this.onStorageError(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}
