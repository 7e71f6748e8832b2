/*
 * Names of the people in the account's chats (HAPP-NAMES-1). client-core's docs carry user ids only, and the server
 * stores a direct chat with an empty title, so the list, the chat header, notifications and group bubbles need
 * userId -> name from elsewhere: client-core's `memberDirectory()` (the server's `GET /v1/conversations`: each
 * conversation's members with username and display name, as the web client uses it). The names are kept in the account's storage so they still show
 * offline and after a restart. ArkTS-clean: classes only, no index signatures.
 */
import type { FoundUser } from '@concord/client-core';
import type { StorageAdapter } from '@concord/storage-adapters';
import { asciiBytes, fromAscii } from './ascii';

const NAMES_KEY = 'app:names';

/** A cached name (what is stored, as JSON). */
class NameEntry {
  userId: string = '';
  name: string = '';
}

/** What a conversation needs to be titled: the list row's fields. */
export interface Titled {
  readonly kind: string;
  readonly title: string;
  readonly members: readonly string[];
}

export class MemberDirectory {
  private readonly names = new Map<string, string>();
  private readonly storage: StorageAdapter;
  /** Ids the last server answer did not name (left a group, say): not asked for again until the link comes back. */
  private readonly unnamed = new Set<string>();
  private inFlight = false;

  constructor(storage: StorageAdapter) {
    this.storage = storage;
  }

  /** The account's cached names (a session began); a damaged cache only costs names until the next refresh. */
  async load(): Promise<void> {
    this.names.clear();
    this.unnamed.clear();
    const bytes = await this.storage.getKv(NAMES_KEY);
    if (bytes === undefined) return;
    try {
      const list = JSON.parse(fromAscii(bytes)) as NameEntry[];
      for (const e of list) {
        if (typeof e.userId === 'string' && typeof e.name === 'string' && e.name.length > 0) this.names.set(e.userId, e.name);
      }
    } catch (e) {
      this.names.clear();
    }
  }

  /** Display name, else username; '' when not known yet. */
  name(userId: string): string {
    return this.names.get(userId) ?? '';
  }

  /** Display name, else username, else the start of the id (never empty, so a row is never blank). */
  shown(userId: string): string {
    const n = this.names.get(userId);
    if (n !== undefined) return n;
    return userId.length > 8 ? `${userId.slice(0, 8)}…` : userId;
  }

  /**
   * A conversation's title: a group's own title when it has one; otherwise (every direct chat, and untitled groups)
   * the other members' names, as the web client does.
   */
  titleOf(c: Titled, me: string): string {
    if (c.kind === 'group' && c.title.length > 0) return c.title;
    const others: string[] = [];
    for (const m of c.members) if (m !== me) others.push(this.shown(m));
    if (others.length === 0) return c.title;
    return others.join(', ');
  }

  /** Whether `members` holds someone (not `me`) without a name that the server has not already been asked about. */
  needsLookup(members: readonly string[], me: string): boolean {
    for (const m of members) if (m !== me && !this.names.has(m) && !this.unnamed.has(m)) return true;
    return false;
  }

  /** A name learnt elsewhere (the user lookup of a new chat); kept like the server's. */
  async learn(userId: string, name: string): Promise<void> {
    if (name.length === 0 || this.names.get(userId) === name) return;
    this.names.set(userId, name);
    this.unnamed.delete(userId);
    await this.save();
  }

  /** The link came back: ids the server did not name before may have a name now (they joined meanwhile). */
  retryUnnamed(): void {
    this.unnamed.clear();
  }

  /**
   * Asks the server for the names of every member of the account's chats (`get` returns the response body of
   * `GET /v1/conversations`) and keeps them. True when a name was added or changed. One request at a time: a call
   * while one is running returns false at once. `wanted`: the ids the caller lacks; those still unnamed afterwards
   * are not asked about again until retryUnnamed().
   */
  async refresh(get: () => Promise<readonly FoundUser[]>, wanted: readonly string[]): Promise<boolean> {
    if (this.inFlight) return false;
    this.inFlight = true;
    let changed = false;
    try {
      // client-core's member directory (PROTO-2: client-core is the only HTTP client), read and checked there.
      for (const m of await get()) {
        const n = m.displayName.length > 0 ? m.displayName : m.username;
        if (this.names.get(m.userId) === n) continue;
        this.names.set(m.userId, n);
        changed = true;
      }
      for (const id of wanted) if (!this.names.has(id)) this.unnamed.add(id);
      if (changed) await this.save();
    } finally {
      this.inFlight = false;
    }
    return changed;
  }

  private async save(): Promise<void> {
    const list: NameEntry[] = [];
    this.names.forEach((name: string, userId: string) => {
      const e = new NameEntry();
      e.userId = userId;
      e.name = name;
      list.push(e);
    });
    await this.storage.setKv(NAMES_KEY, asciiBytes(asciiJson(list)));
  }
}

/**
 * JSON with every non-ASCII character escaped (`\uXXXX`), so it is stored as ASCII bytes without a text encoder
 * (API 12 declares none) and JSON.parse gives the names back exactly, Chinese included.
 */
function asciiJson(list: NameEntry[]): string {
  return JSON.stringify(list).replace(/[\u007f-\uffff]/g, (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
