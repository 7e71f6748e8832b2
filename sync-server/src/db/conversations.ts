import type Database from 'better-sqlite3';
import { type ConversationId, type UserId, type ConversationKind } from '@concord/protocol';
import { isUniqueViolation } from './users.js';

/** [GROUP-1] 'admin' lives in conversation_admins (socialSchema.ts); the owner is the row's role. */
export type MemberRole = 'owner' | 'admin' | 'member';

export interface ConversationRow {
  readonly id: ConversationId;
  readonly kind: ConversationKind;
  readonly title: string;
  readonly createdBy: UserId;
  readonly createdAt: number;
}

export interface MemberRow {
  readonly userId: UserId;
  readonly role: MemberRole;
  readonly joinedAt: number;
}

export interface NewConversation extends ConversationRow {
  readonly members: readonly MemberRow[];
  /** For direct chats: `directKey(a, b)`; null for groups. */
  readonly directKey: string | null;
}

interface RawConversation {
  id: string;
  kind: string;
  title: string;
  created_by: string;
  created_at: number;
}

function toConversation(raw: RawConversation): ConversationRow {
  return {
    id: raw.id as ConversationId,
    kind: raw.kind === 'direct' ? 'direct' : 'group',
    title: raw.title,
    createdBy: raw.created_by as UserId,
    createdAt: raw.created_at,
  };
}

function roleOfRow(r: { role: string; admin: number }): MemberRole {
  return r.role === 'owner' ? 'owner' : r.admin ? 'admin' : 'member';
}

/** The one key of a direct chat between two users, independent of who starts it. */
export function directKey(a: UserId, b: UserId): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export class ConversationRepo {
  private readonly insertConv: Database.Statement<[string, string, string, string, number, string | null]>;
  private readonly insertMember: Database.Statement<[string, string, string, number]>;
  private readonly byIdStmt: Database.Statement<[string], RawConversation>;
  private readonly byDirectKeyStmt: Database.Statement<[string], RawConversation>;
  private readonly membersStmt: Database.Statement<[string], { user_id: string; role: string; joined_at: number; admin: number }>;
  private readonly isMemberStmt: Database.Statement<[string, string], { one: number }>;
  private readonly ofUserStmt: Database.Statement<[string], RawConversation>;
  private readonly createTx: (conv: NewConversation) => { conversation: ConversationRow; created: boolean };
  private readonly roleStmt: Database.Statement<[string, string], { role: string; admin: number }>;
  private readonly deleteMemberStmt: Database.Statement<[string, string]>;
  private readonly promoteStmt: Database.Statement<[string, string]>;
  private readonly removeTx: (conversationId: string, userId: string) => boolean;

  constructor(db: Database.Database) {
    this.insertConv = db.prepare(
      'INSERT INTO conversations (id, kind, title, created_by, created_at, direct_key) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertMember = db.prepare(
      'INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)',
    );
    const columns = 'id, kind, title, created_by, created_at';
    this.byIdStmt = db.prepare(`SELECT ${columns} FROM conversations WHERE id = ?`);
    this.byDirectKeyStmt = db.prepare(`SELECT ${columns} FROM conversations WHERE direct_key = ?`);
    this.membersStmt = db.prepare(
      `SELECT m.user_id, m.role, m.joined_at, (a.user_id IS NOT NULL) AS admin FROM conversation_members m
         LEFT JOIN conversation_admins a ON a.conversation_id = m.conversation_id AND a.user_id = m.user_id
         WHERE m.conversation_id = ? ORDER BY m.joined_at, m.user_id`,
    );
    this.isMemberStmt = db.prepare(
      'SELECT 1 AS one FROM conversation_members WHERE conversation_id = ? AND user_id = ?',
    );
    this.ofUserStmt = db.prepare(
      `SELECT ${columns} FROM conversations WHERE id IN (SELECT conversation_id FROM conversation_members WHERE user_id = ?) ORDER BY created_at, id`,
    );
    this.roleStmt = db.prepare(
      `SELECT m.role, (a.user_id IS NOT NULL) AS admin FROM conversation_members m
         LEFT JOIN conversation_admins a ON a.conversation_id = m.conversation_id AND a.user_id = m.user_id
         WHERE m.conversation_id = ? AND m.user_id = ?`,
    );
    this.deleteMemberStmt = db.prepare('DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?');
    // [HTTP-21] [GROUP-2] The longest-standing remaining admin, else member (the order `members` lists), becomes the owner.
    this.promoteStmt = db.prepare(
      `UPDATE conversation_members SET role = 'owner' WHERE conversation_id = ? AND user_id = (
         SELECT m.user_id FROM conversation_members m
           LEFT JOIN conversation_admins a ON a.conversation_id = m.conversation_id AND a.user_id = m.user_id
           WHERE m.conversation_id = ? ORDER BY (a.user_id IS NULL), m.joined_at, m.user_id LIMIT 1)`,
    );
    const unadmin = db.prepare<[string]>(
      "DELETE FROM conversation_admins WHERE (conversation_id, user_id) IN (SELECT conversation_id, user_id FROM conversation_members WHERE conversation_id = ? AND role = 'owner')",
    );
    this.removeTx = db.transaction((conversationId: string, userId: string): boolean => {
      const row = this.roleStmt.get(conversationId, userId);
      if (row === undefined) return false;
      this.deleteMemberStmt.run(conversationId, userId);
      if (row.role === 'owner') {
        this.promoteStmt.run(conversationId, conversationId);
        unadmin.run(conversationId);
      }
      return true;
    });
    // One transaction: better-sqlite3 is synchronous, so the lookup and the insert cannot interleave with another
    // request in this process; the UNIQUE direct_key guards against a second process on the same file.
    this.createTx = db.transaction((conv: NewConversation) => {
      if (conv.directKey !== null) {
        const existing = this.byDirectKeyStmt.get(conv.directKey);
        if (existing !== undefined) return { conversation: toConversation(existing), created: false };
      }
      try {
        this.insertConv.run(conv.id, conv.kind, conv.title, conv.createdBy, conv.createdAt, conv.directKey);
      } catch (err) {
        if (conv.directKey !== null && isUniqueViolation(err, 'conversations.direct_key')) {
          const existing = this.byDirectKeyStmt.get(conv.directKey);
          if (existing !== undefined) return { conversation: toConversation(existing), created: false };
        }
        throw err;
      }
      for (const m of conv.members) this.insertMember.run(conv.id, m.userId, m.role, m.joinedAt);
      const conversation: ConversationRow = {
        id: conv.id,
        kind: conv.kind,
        title: conv.title,
        createdBy: conv.createdBy,
        createdAt: conv.createdAt,
      };
      return { conversation, created: true };
    });
  }

  /** Creates the conversation, or for a direct chat whose pair already has one, returns that one. */
  create(conv: NewConversation): { conversation: ConversationRow; created: boolean } {
    return this.createTx(conv);
  }

  /** The direct chat with this `directKey`, or null. */
  byDirectKey(key: string): ConversationRow | null {
    const raw = this.byDirectKeyStmt.get(key);
    return raw === undefined ? null : toConversation(raw);
  }

  byId(id: string): ConversationRow | null {
    const raw = this.byIdStmt.get(id);
    return raw === undefined ? null : toConversation(raw);
  }

  members(id: ConversationId): MemberRow[] {
    return this.membersStmt.all(id).map((r) => ({
      userId: r.user_id as UserId,
      role: roleOfRow(r),
      joinedAt: r.joined_at,
    }));
  }

  /** The member's role, or null if the user is not a member. */
  roleOf(conversationId: string, userId: string): MemberRole | null {
    const row = this.roleStmt.get(conversationId, userId);
    return row === undefined ? null : roleOfRow(row);
  }

  /**
   * Removes one member in one transaction; if they owned the group, the longest-standing remaining member becomes
   * its owner. A conversation whose last member left keeps its row and docs, visible to no one. False if the user
   * was not a member.
   */
  removeMember(conversationId: ConversationId, userId: UserId): boolean {
    return this.removeTx(conversationId, userId);
  }

  isMember(conversationId: string, userId: string): boolean {
    return this.isMemberStmt.get(conversationId, userId) !== undefined;
  }

  ofUser(userId: UserId): ConversationRow[] {
    return this.ofUserStmt.all(userId).map(toConversation);
  }
}
