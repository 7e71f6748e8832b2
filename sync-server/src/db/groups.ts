/**
 * Group management in the membership tables (SPEC GROUP-*): title and avatar, adding members, admins and the
 * transfer of ownership. Each change is one transaction; the caller checks who may do it (GROUP-2) before.
 */
import type Database from 'better-sqlite3';
import type { ConversationId, UserId } from '@concord/protocol';

export class GroupRepo {
  private readonly setTitleStmt: Database.Statement<[string, string]>;
  private readonly setAvatarStmt: Database.Statement<[string | null, string]>;
  private readonly refStmt: Database.Statement<[string, string]>;
  private readonly avatarStmt: Database.Statement<[string], { avatar: string | null }>;
  private readonly addAdminStmt: Database.Statement<[string, string]>;
  private readonly dropAdminStmt: Database.Statement<[string, string]>;
  private readonly addTx: (id: string, users: readonly UserId[], now: number) => UserId[];
  private readonly transferTx: (id: string, from: string, to: string) => void;

  constructor(db: Database.Database) {
    this.setTitleStmt = db.prepare('UPDATE conversations SET title = ? WHERE id = ?');
    this.setAvatarStmt = db.prepare('UPDATE conversations SET avatar = ? WHERE id = ?');
    // [BLOB-5] an avatar is a reference like a message's attachment, so its upload is neither counted nor collected.
    this.refStmt = db.prepare('INSERT OR IGNORE INTO blob_refs (conversation_id, blob_id) VALUES (?, ?)');
    this.avatarStmt = db.prepare('SELECT avatar FROM conversations WHERE id = ?');
    this.addAdminStmt = db.prepare('INSERT OR IGNORE INTO conversation_admins (conversation_id, user_id) VALUES (?, ?)');
    this.dropAdminStmt = db.prepare('DELETE FROM conversation_admins WHERE conversation_id = ? AND user_id = ?');
    const insert = db.prepare<[string, string, number]>(
      "INSERT OR IGNORE INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
    );
    this.addTx = db.transaction((id: string, users: readonly UserId[], now: number): UserId[] =>
      users.filter((u) => insert.run(id, u, now).changes > 0),
    );
    const setRole = db.prepare<[string, string, string]>('UPDATE conversation_members SET role = ? WHERE conversation_id = ? AND user_id = ?');
    this.transferTx = db.transaction((id: string, from: string, to: string) => {
      setRole.run('member', id, from);
      setRole.run('owner', id, to);
      // [GROUP-2] The previous owner stays on as an admin; the new owner is no longer listed as one.
      this.addAdminStmt.run(id, from);
      this.dropAdminStmt.run(id, to);
    });
  }

  setTitle(id: ConversationId, title: string): void {
    this.setTitleStmt.run(title, id);
  }

  setAvatar(id: ConversationId, avatar: string | null): void {
    if (avatar !== null) this.refStmt.run(id, avatar);
    this.setAvatarStmt.run(avatar, id);
  }

  avatar(id: ConversationId): string | null {
    return this.avatarStmt.get(id)?.avatar ?? null;
  }

  /** Adds who is not a member yet, in one transaction; returns who was added. */
  addMembers(id: ConversationId, users: readonly UserId[], now: number): UserId[] {
    return this.addTx(id, users, now);
  }

  setAdmin(id: ConversationId, user: UserId, admin: boolean): void {
    if (admin) this.addAdminStmt.run(id, user);
    else this.dropAdminStmt.run(id, user);
  }

  transferOwnership(id: ConversationId, from: UserId, to: UserId): void {
    this.transferTx(id, from, to);
  }
}
