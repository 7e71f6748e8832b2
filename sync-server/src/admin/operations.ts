/**
 * What the admin CLI does to accounts (SPEC ADMIN-1..ADMIN-3), over its own connection to the data dir's SQLite
 * file. The server may be running meanwhile (WAL: readers and one writer at a time, busy_timeout waits for the
 * server's commits). This process cannot reach the server's sockets through in-process events: it writes
 * `devices.revoked_at`, which every token check reads at once (AUTH-8), and the running server's session sweep
 * finds those rows and closes their sockets with 4401 within `sessionSweepMs` (ADMIN-2).
 */
import type Database from 'better-sqlite3';
import type { UserId } from '@concord/protocol';
import { DeviceRepo } from '../db/devices.js';
import { UserRepo, type UserRow } from '../db/users.js';
import { normalizeUsername } from '../auth/rules.js';

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface Stats {
  readonly users: number;
  readonly deletedUsers: number;
  readonly disabledUsers: number;
  readonly liveDevices: number;
  readonly conversations: number;
  readonly docs: number;
  /** The SQLite file and its WAL. */
  readonly storedBytes: number;
  readonly blobs: number;
  readonly blobBytes: number;
}

export class AdminOps {
  private readonly users: UserRepo;
  private readonly devices: DeviceRepo;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.users = new UserRepo(db);
    this.devices = new DeviceRepo(db);
  }

  /** [ADMIN-1] The account can no longer log in (403 after a right password) and every session is revoked. */
  disableUser(username: string): { revokedDevices: number } {
    const user = this.find(username);
    return this.db.transaction(() => {
      this.users.setDisabled(user.id, this.now());
      return { revokedDevices: this.revokeAll(user.id) };
    })();
  }

  /** [ADMIN-1] Undoes disable-user; the revoked sessions stay revoked (the user logs in again). */
  enableUser(username: string): void {
    this.users.setDisabled(this.find(username).id, null);
  }

  /** [ADMIN-2] Revokes every session of the account; it can log in again. */
  revokeSessions(username: string): { revokedDevices: number } {
    const user = this.find(username);
    return this.db.transaction(() => ({ revokedDevices: this.revokeAll(user.id) }))();
  }

  /** [ADMIN-3] Counts for an operator's dashboard; one read transaction, so the numbers agree with each other. */
  stats(walBytes: number): Stats {
    return this.db.transaction(() => {
      const users = this.users.counts();
      const one = (sql: string, ...params: number[]): number => (this.db.prepare(sql).pluck().get(...params) as number | undefined) ?? 0;
      const hasDocs = one("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'docs'") > 0;
      const blobs = this.db
        .prepare<[], { n: number; bytes: number }>(
          'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM (SELECT blob_id, max(size) AS size FROM conversation_blobs GROUP BY blob_id)',
        )
        .get() ?? { n: 0, bytes: 0 };
      return {
        users: users.live,
        deletedUsers: users.deleted,
        disabledUsers: users.disabled,
        liveDevices: one('SELECT count(*) FROM devices WHERE revoked_at IS NULL AND expires_at > ?', this.now()),
        conversations: one('SELECT count(*) FROM conversations'),
        docs: hasDocs ? one('SELECT count(*) FROM docs') : 0,
        storedBytes: one('PRAGMA page_count') * one('PRAGMA page_size') + walBytes,
        blobs: blobs.n,
        blobBytes: blobs.bytes,
      };
    })();
  }

  private find(username: string): UserRow {
    const user = this.users.byUsername(normalizeUsername(username));
    if (user === null || (user.deletedAt ?? null) !== null) throw new AdminError(`no user named ${JSON.stringify(username)}`);
    return user;
  }

  private revokeAll(userId: UserId): number {
    const now = this.now();
    return this.devices.unrevoked(userId).filter((id) => this.devices.revoke(id, userId, now)).length;
  }
}
