import type Database from 'better-sqlite3';
import type { DeviceId, UserId } from '@concord/protocol';

export interface DeviceRow {
  readonly id: DeviceId;
  readonly userId: UserId;
  readonly name: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
}

interface RawDevice {
  id: string;
  user_id: string;
  name: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

function toDevice(raw: RawDevice): DeviceRow {
  return {
    id: raw.id as DeviceId,
    userId: raw.user_id as UserId,
    name: raw.name,
    createdAt: raw.created_at,
    lastSeenAt: raw.last_seen_at,
    expiresAt: raw.expires_at,
    revokedAt: raw.revoked_at,
  };
}

const COLUMNS = 'id, user_id, name, created_at, last_seen_at, expires_at, revoked_at';

export class DeviceRepo {
  private readonly insertStmt: Database.Statement<[string, string, string, Buffer, number, number, number]>;
  private readonly byTokenStmt: Database.Statement<[Buffer], RawDevice>;
  private readonly byIdStmt: Database.Statement<[string], RawDevice>;
  private readonly listStmt: Database.Statement<[string, number], RawDevice>;
  private readonly touchStmt: Database.Statement<[number, number, string]>;
  private readonly rotateStmt: Database.Statement<[Buffer, number, number, string, Buffer]>;
  private readonly revokeStmt: Database.Statement<[number, string, string]>;
  private readonly pruneStmt: Database.Statement<[string, number, number]>;
  private readonly expiredStmt: Database.Statement<[number, number], { id: string }>;
  private readonly unrevokedStmt: Database.Statement<[string], { id: string }>;
  private readonly deleteAllStmt: Database.Statement<[string]>;
  private readonly revokedSinceStmt: Database.Statement<[number], { id: string }>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.byTokenStmt = db.prepare(`SELECT ${COLUMNS} FROM devices WHERE token_hash = ?`);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM devices WHERE id = ?`);
    this.listStmt = db.prepare(
      `SELECT ${COLUMNS} FROM devices WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id`,
    );
    this.touchStmt = db.prepare('UPDATE devices SET last_seen_at = ?, expires_at = ? WHERE id = ? AND revoked_at IS NULL');
    // Matching on the old hash makes a rotation single-use: two racing refreshes with one token, one wins.
    this.rotateStmt = db.prepare(
      'UPDATE devices SET token_hash = ?, last_seen_at = ?, expires_at = ? WHERE id = ? AND token_hash = ? AND revoked_at IS NULL',
    );
    this.revokeStmt = db.prepare('UPDATE devices SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL');
    this.pruneStmt = db.prepare(
      'DELETE FROM devices WHERE user_id = ? AND ((revoked_at IS NOT NULL AND revoked_at < ?) OR expires_at < ?)',
    );
    this.expiredStmt = db.prepare('SELECT id FROM devices WHERE revoked_at IS NULL AND expires_at > ? AND expires_at <= ?');
    this.deleteAllStmt = db.prepare('DELETE FROM devices WHERE user_id = ?');
    this.revokedSinceStmt = db.prepare('SELECT id FROM devices WHERE revoked_at IS NOT NULL AND revoked_at > ?');
    this.unrevokedStmt = db.prepare('SELECT id FROM devices WHERE user_id = ? AND revoked_at IS NULL ORDER BY id');
  }

  insert(device: DeviceRow, tokenHash: Buffer): void {
    this.insertStmt.run(
      device.id,
      device.userId,
      device.name,
      tokenHash,
      device.createdAt,
      device.lastSeenAt,
      device.expiresAt,
    );
  }

  byTokenHash(tokenHash: Buffer): DeviceRow | null {
    const raw = this.byTokenStmt.get(tokenHash);
    return raw === undefined ? null : toDevice(raw);
  }

  byId(id: string): DeviceRow | null {
    const raw = this.byIdStmt.get(id);
    return raw === undefined ? null : toDevice(raw);
  }

  /** The user's live devices (neither revoked nor expired at `now`). */
  listLive(userId: UserId, now: number): DeviceRow[] {
    return this.listStmt.all(userId, now).map(toDevice);
  }

  touch(id: DeviceId, now: number, expiresAt: number): void {
    this.touchStmt.run(now, expiresAt, id);
  }

  rotate(id: DeviceId, oldHash: Buffer, newHash: Buffer, now: number, expiresAt: number): boolean {
    return this.rotateStmt.run(newHash, now, expiresAt, id, oldHash).changes === 1;
  }

  /** Deletes the user's devices revoked or expired before `before`; returns how many. */
  pruneDead(userId: UserId, before: number): number {
    return this.pruneStmt.run(userId, before, before).changes;
  }

  /** Unrevoked devices whose session expired in `(after, upTo]` (the session sweep, AUTH-WS-4). */
  expiredBetween(after: number, upTo: number): DeviceId[] {
    return this.expiredStmt.all(after, upTo).map((r) => r.id as DeviceId);
  }

  /** Every device of the user not yet revoked, expired ones included (an expired session may still hold a socket). */
  unrevoked(userId: UserId): DeviceId[] {
    return this.unrevokedStmt.all(userId).map((r) => r.id as DeviceId);
  }

  /** [ACCOUNT-1] Deletes every device row of the user (after they were revoked). */
  deleteAll(userId: UserId): number {
    return this.deleteAllStmt.run(userId).changes;
  }

  /** Devices revoked after `after` (ADMIN-2: revocations written by another process). */
  revokedSince(after: number): DeviceId[] {
    return this.revokedSinceStmt.all(after).map((r) => r.id as DeviceId);
  }

  /** Revokes only a device of `userId` that is not yet revoked; returns whether it did. */
  revoke(id: string, userId: UserId, now: number): boolean {
    return this.revokeStmt.run(now, id, userId).changes === 1;
  }
}
