/**
 * Contacts, friend requests, blocks and per-user settings (SPEC CONTACT-*, BLOCK-*, PRIVACY-*, PROFILE-*). Pure SQL;
 * the rules (who may ask whom) are the service's (http/contacts.ts).
 */
import type Database from 'better-sqlite3';
import type { FindBy, GroupAdd, UserId } from '@concord/protocol';

export interface SocialSettings {
  readonly findBy: FindBy;
  readonly groupAdd: GroupAdd;
  readonly status: string;
  readonly avatar: string | null;
  readonly addCode: string | null;
}

export interface RequestRow {
  readonly from: UserId;
  readonly to: UserId;
  readonly note: string;
  readonly createdAt: number;
}

const DEFAULTS: SocialSettings = { findBy: 'everyone', groupAdd: 'everyone', status: '', avatar: null, addCode: null };

interface RawSettings {
  find_by: string;
  group_add: string;
  status: string;
  avatar: string | null;
  add_code: string | null;
}

export class SocialRepo {
  private readonly s: {
    settings: Database.Statement<[string], RawSettings>;
    ensure: Database.Statement<[string]>;
    byCode: Database.Statement<[string], { user_id: string }>;
    isContact: Database.Statement<[string, string], { one: number }>;
    contactsOf: Database.Statement<[string], { contact_id: string; since: number }>;
    addContact: Database.Statement<[string, string, number]>;
    dropContact: Database.Statement<[string, string, string, string]>;
    request: Database.Statement<[string, string], { note: string; created_at: number }>;
    addRequest: Database.Statement<[string, string, string, number]>;
    dropRequest: Database.Statement<[string, string]>;
    requestsOf: Database.Statement<[string, string], { from_id: string; to_id: string; note: string; created_at: number }>;
    isBlocked: Database.Statement<[string, string], { one: number }>;
    blockedBy: Database.Statement<[string], { blocked_id: string; created_at: number }>;
    addBlock: Database.Statement<[string, string, number]>;
    dropBlock: Database.Statement<[string, string]>;
    setName: Database.Statement<[string, string]>;
    dropContacts: Database.Statement<[{ u: string }]>;
    dropRequests: Database.Statement<[{ u: string }]>;
    dropBlocks: Database.Statement<[string]>;
    uploaded: Database.Statement<[string, string], { size: number }>;
  };
  private readonly update: (user: string, column: 'find_by' | 'group_add' | 'status' | 'avatar' | 'add_code', value: string | null) => void;

  constructor(private readonly db: Database.Database) {
    this.s = {
      settings: db.prepare('SELECT find_by, group_add, status, avatar, add_code FROM user_social WHERE user_id = ?'),
      ensure: db.prepare('INSERT OR IGNORE INTO user_social (user_id) VALUES (?)'),
      byCode: db.prepare('SELECT user_id FROM user_social WHERE add_code = ?'),
      isContact: db.prepare('SELECT 1 AS one FROM contacts WHERE user_id = ? AND contact_id = ?'),
      contactsOf: db.prepare('SELECT contact_id, since FROM contacts WHERE user_id = ? ORDER BY since, contact_id'),
      addContact: db.prepare('INSERT OR IGNORE INTO contacts (user_id, contact_id, since) VALUES (?, ?, ?)'),
      dropContact: db.prepare('DELETE FROM contacts WHERE (user_id = ? AND contact_id = ?) OR (user_id = ? AND contact_id = ?)'),
      request: db.prepare('SELECT note, created_at FROM contact_requests WHERE from_id = ? AND to_id = ?'),
      addRequest: db.prepare('INSERT INTO contact_requests (from_id, to_id, note, created_at) VALUES (?, ?, ?, ?)'),
      dropRequest: db.prepare('DELETE FROM contact_requests WHERE from_id = ? AND to_id = ?'),
      requestsOf: db.prepare('SELECT from_id, to_id, note, created_at FROM contact_requests WHERE from_id = ? OR to_id = ? ORDER BY created_at'),
      isBlocked: db.prepare('SELECT 1 AS one FROM blocks WHERE user_id = ? AND blocked_id = ?'),
      blockedBy: db.prepare('SELECT blocked_id, created_at FROM blocks WHERE user_id = ? ORDER BY created_at, blocked_id'),
      addBlock: db.prepare('INSERT OR IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?)'),
      dropBlock: db.prepare('DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?'),
      setName: db.prepare('UPDATE users SET display_name = ? WHERE id = ?'),
      dropContacts: db.prepare('DELETE FROM contacts WHERE user_id = @u OR contact_id = @u'),
      dropRequests: db.prepare('DELETE FROM contact_requests WHERE from_id = @u OR to_id = @u'),
      dropBlocks: db.prepare('DELETE FROM blocks WHERE user_id = ?'),
      uploaded: db.prepare('SELECT size FROM conversation_blobs WHERE uploaded_by = ? AND blob_id = ? LIMIT 1'),
    };
    const updates = new Map(
      (['find_by', 'group_add', 'status', 'avatar', 'add_code'] as const).map((c) => [c, db.prepare<[string | null, string]>(`UPDATE user_social SET ${c} = ? WHERE user_id = ?`)]),
    );
    this.update = db.transaction((user: string, column: 'find_by' | 'group_add' | 'status' | 'avatar' | 'add_code', value: string | null) => {
      this.s.ensure.run(user);
      updates.get(column)?.run(value, user);
    });
  }

  settings(user: UserId): SocialSettings {
    const r = this.s.settings.get(user);
    if (r === undefined) return DEFAULTS;
    return {
      findBy: r.find_by === 'contacts' || r.find_by === 'nobody' ? r.find_by : 'everyone',
      groupAdd: r.group_add === 'contacts' ? 'contacts' : 'everyone',
      status: r.status,
      avatar: r.avatar,
      addCode: r.add_code,
    };
  }

  set(user: UserId, column: 'find_by' | 'group_add' | 'status' | 'avatar' | 'add_code', value: string | null): void {
    this.update(user, column, value);
  }

  userByCode(code: string): UserId | null {
    return (this.s.byCode.get(code)?.user_id as UserId | undefined) ?? null;
  }

  isContact(a: UserId, b: UserId): boolean {
    return this.s.isContact.get(a, b) !== undefined;
  }

  contactsOf(user: UserId): { userId: UserId; since: number }[] {
    return this.s.contactsOf.all(user).map((r) => ({ userId: r.contact_id as UserId, since: r.since }));
  }

  request(from: UserId, to: UserId): RequestRow | null {
    const r = this.s.request.get(from, to);
    return r === undefined ? null : { from, to, note: r.note, createdAt: r.created_at };
  }

  /** Every pending request `user` sent or received. */
  requestsOf(user: UserId): RequestRow[] {
    return this.s.requestsOf.all(user, user).map((r) => ({ from: r.from_id as UserId, to: r.to_id as UserId, note: r.note, createdAt: r.created_at }));
  }

  addRequest(from: UserId, to: UserId, note: string, now: number): void {
    this.s.addRequest.run(from, to, note, now);
  }

  /** True if there was such a request. */
  dropRequest(from: UserId, to: UserId): boolean {
    return this.s.dropRequest.run(from, to).changes > 0;
  }

  /** Both become contacts and every request between them goes, in one transaction. */
  befriend(a: UserId, b: UserId, now: number): void {
    this.db.transaction(() => {
      this.s.addContact.run(a, b, now);
      this.s.addContact.run(b, a, now);
      this.s.dropRequest.run(a, b);
      this.s.dropRequest.run(b, a);
    })();
  }

  /** True if they were contacts. */
  unfriend(a: UserId, b: UserId): boolean {
    return this.s.dropContact.run(a, b, b, a).changes > 0;
  }

  /** Whether `blocker` blocked `other`. */
  hasBlocked(blocker: UserId, other: UserId): boolean {
    return this.s.isBlocked.get(blocker, other) !== undefined;
  }

  blockedBy(user: UserId): { userId: UserId; at: number }[] {
    return this.s.blockedBy.all(user).map((r) => ({ userId: r.blocked_id as UserId, at: r.created_at }));
  }

  /**
   * [BLOCK-1] Blocks `other` and withdraws `user`'s own request to them, in one transaction. Nothing the blocked side
   * sees changes (blocking is private): a contact stays a row, and their pending request stays theirs; the blocker's
   * mirror and views hide both.
   */
  block(user: UserId, other: UserId, now: number): void {
    this.db.transaction(() => {
      this.s.addBlock.run(user, other, now);
      this.s.dropRequest.run(user, other);
    })();
  }

  /**
   * [ACCOUNT-1] A deleted account's contacts, requests (both ways) and its own blocks go, in one transaction; blocks
   * others set on it stay (their lists still name it). Returns the users whose lists lost an entry.
   */
  dropAllOf(user: UserId): UserId[] {
    return this.db.transaction(() => {
      const touched = new Set<UserId>(this.contactsOf(user).map((c) => c.userId));
      for (const r of this.requestsOf(user)) touched.add(r.from === user ? r.to : r.from);
      this.s.dropContacts.run({ u: user });
      this.s.dropRequests.run({ u: user });
      this.s.dropBlocks.run(user);
      return [...touched];
    })();
  }

  /** [PROFILE-1] The display name lives in `users`; the rest of the profile in `user_social`. */
  setDisplayName(user: UserId, name: string): void {
    this.s.setName.run(name, user);
  }

  /** [PROFILE-1] Whether `user` uploaded the blob `blobId` into any conversation, and its size. */
  uploadedBlobSize(user: UserId, blobId: string): number | null {
    return this.s.uploaded.get(user, blobId)?.size ?? null;
  }

  unblock(user: UserId, other: UserId): boolean {
    return this.s.dropBlock.run(user, other).changes > 0;
  }
}
