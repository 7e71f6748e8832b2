import type Database from 'better-sqlite3';
import type { UserId } from '@concord/protocol';

export interface UserRow {
  readonly id: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly createdAt: number;
}

interface RawUser {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  created_at: number;
}

function toUser(raw: RawUser): UserRow {
  return {
    id: raw.id as UserId,
    username: raw.username,
    displayName: raw.display_name,
    passwordHash: raw.password_hash,
    createdAt: raw.created_at,
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

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.byIdStmt = db.prepare('SELECT * FROM users WHERE id = ?');
    this.byNameStmt = db.prepare('SELECT * FROM users WHERE username = ?');
    this.setHashStmt = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
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
}

export function isUniqueViolation(err: unknown, column: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message.includes(column);
}
