import type Database from 'better-sqlite3';
import type { UserId } from '@concord/protocol';

export interface UserRow {
  readonly id: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly createdAt: number;
  /** [ACCOUNT-1] Set once the account is deleted: the row stays as a tombstone. */
  readonly deletedAt?: number | null;
  /** [ADMIN-1] Set while an operator has disabled the account. */
  readonly disabledAt?: number | null;
}

/** The display name a deleted account's messages are shown under (ACCOUNT-2). */
export const DELETED_ACCOUNT_NAME = 'Deleted account';
/** Never a valid `scrypt$...` hash: verifyPassword refuses it, so no password opens a deleted account. */
const NO_PASSWORD = '!deleted';

interface RawUser {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: number;
  deleted_at: number | null;
  disabled_at: number | null;
}

function toUser(raw: RawUser): UserRow {
  return {
    id: raw.id as UserId,
    username: raw.username,
    displayName: raw.display_name,
    passwordHash: raw.password_hash,
    createdAt: raw.created_at,
    deletedAt: raw.deleted_at,
    disabledAt: raw.disabled_at,
  };
}

export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';
  readonly code = 'conflict';
}

export class UserRepo {
  private readonly insertStmt: Database.Statement<[string, string, string, string, number]>;
  private readonly byIdStmt: Database.Statement<[string], RawUser>;
  private readonly byNameStmt: Database.Statement<[string], RawUser>;
  private readonly setHashStmt: Database.Statement<[string, string]>;
  private readonly tombstoneStmt: Database.Statement<[string, number, string, string]>;
  private readonly disableStmt: Database.Statement<[number | null, string]>;
  private readonly countStmt: Database.Statement<[], { live: number; deleted: number; disabled: number }>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.byIdStmt = db.prepare('SELECT * FROM users WHERE id = ?');
    this.byNameStmt = db.prepare('SELECT * FROM users WHERE username = ?');
    this.setHashStmt = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
    this.tombstoneStmt = db.prepare(
      'UPDATE users SET display_name = ?, deleted_at = ?, password_hash = ? WHERE id = ? AND deleted_at IS NULL',
    );
    this.disableStmt = db.prepare('UPDATE users SET disabled_at = ? WHERE id = ? AND deleted_at IS NULL');
    this.countStmt = db.prepare(
      `SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
              count(*) FILTER (WHERE disabled_at IS NOT NULL AND deleted_at IS NULL) AS disabled FROM users`,
    );
  }

  /** Throws UsernameTakenError if the name exists in any letter case. */
  insert(user: UserRow): void {
    try {
      this.insertStmt.run(user.id, user.username, user.displayName, user.passwordHash, user.createdAt);
    } catch (err) {
      if (isUniqueViolation(err, 'users.username')) throw new UsernameTakenError('username is taken');
      throw err;
    }
  }

  byId(id: string): UserRow | null {
    const raw = this.byIdStmt.get(id);
    return raw === undefined ? null : toUser(raw);
  }

  /** Case-insensitive (the column is COLLATE NOCASE). */
  byUsername(username: string): UserRow | null {
    const raw = this.byNameStmt.get(username);
    return raw === undefined ? null : toUser(raw);
  }

  setPasswordHash(id: UserId, hash: string): void {
    this.setHashStmt.run(hash, id);
  }

  /** [ACCOUNT-1] Turns the row into a tombstone: no password opens it, its name stays taken. False if already so. */
  markDeleted(id: UserId, now: number): boolean {
    return this.tombstoneStmt.run(DELETED_ACCOUNT_NAME, now, NO_PASSWORD, id).changes === 1;
  }

  /** [ADMIN-1] Disables (a time) or enables (null) an account; false for an unknown or deleted one. */
  setDisabled(id: UserId, at: number | null): boolean {
    return this.disableStmt.run(at, id).changes === 1;
  }

  counts(): { live: number; deleted: number; disabled: number } {
    return this.countStmt.get() ?? { live: 0, deleted: 0, disabled: 0 };
  }
}

/** A user who may use the service: exists, not deleted, not disabled. */
export function isActive(user: UserRow | null): user is UserRow {
  return user !== null && (user.deletedAt ?? null) === null && (user.disabledAt ?? null) === null;
}

export function isUniqueViolation(err: unknown, column: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message.includes(column);
}
