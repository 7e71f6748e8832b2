/**
 * Device sessions (SPEC AUTH-5..AUTH-9): one row per device, a random bearer token stored as its SHA-256,
 * a sliding expiry (a token unused for `ttlMs` expires), rotation, and revocation that takes effect at once.
 *
 * Every check reads the database (an indexed lookup by token hash, a few microseconds), so there is no cache to
 * invalidate and a revocation is seen by the very next request or socket.
 */
import type { DeviceId, UserId } from '@concord/protocol';
import type { Clock } from '../config.js';
import { newId } from '../db/ids.js';
import type { DeviceRepo, DeviceRow } from '../db/devices.js';
import type { AuthContext, Authenticator } from '../seams.js';
import type { SessionEventEmitter } from './events.js';
import { hashToken, isTokenShaped, newToken } from './tokens.js';

/**
 * [ADMIN-2] Revocations written by another process (the admin CLI) carry that process's clock and may commit a little
 * after the time they carry: each sweep looks this far back before its window, and reports only devices still
 * connected, so looking twice costs nothing.
 */
const FOREIGN_REVOCATION_MARGIN_MS = 10_000;
/** Writing last_seen on every request would turn every read into a write; once a minute is plenty for a 30-day window. */
const TOUCH_INTERVAL_MS = 60_000;
/** Revoked and expired device rows are kept this long (for the device list's history), then deleted at a login. */
const DEAD_DEVICE_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface IssuedSession {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly token: string;
  readonly expiresAt: number;
}

export class SessionService implements Authenticator {
  /** Sessions that expired up to this time have been swept (their sockets told to close). */
  private sweptUpTo: number;

  constructor(
    private readonly devices: DeviceRepo,
    private readonly events: SessionEventEmitter,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {
    // A session that expired before this service existed has no socket: every socket was authenticated since.
    this.sweptUpTo = clock();
  }

  create(userId: UserId, deviceName: string): IssuedSession {
    const now = this.clock();
    const token = newToken();
    const device: DeviceRow = {
      id: newId() as DeviceId,
      userId,
      name: deviceName,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.ttlMs,
      revokedAt: null,
    };
    this.devices.insert(device, hashToken(token));
    // Every login adds a row; dropping the user's long-dead ones here keeps the table bounded without a timer.
    this.devices.pruneDead(userId, now - DEAD_DEVICE_RETENTION_MS);
    return { userId, deviceId: device.id, token, expiresAt: device.expiresAt };
  }

  /** Null for a missing, malformed, unknown, expired or revoked token. Slides the expiry forward on use. */
  verifyToken(token: string): AuthContext | null {
    if (!isTokenShaped(token)) return null;
    const device = this.devices.byTokenHash(hashToken(token));
    const now = this.clock();
    if (device === null || device.revokedAt !== null || device.expiresAt <= now) return null;
    if (now - device.lastSeenAt >= TOUCH_INTERVAL_MS) this.devices.touch(device.id, now, now + this.ttlMs);
    return { userId: device.userId, deviceId: device.id };
  }

  /**
   * Replaces the token of the caller's device; the old token stops working and its sockets close. Null if the old
   * one is not valid.
   */
  refresh(oldToken: string): IssuedSession | null {
    const auth = this.verifyToken(oldToken);
    if (auth === null) return null;
    const now = this.clock();
    const token = newToken();
    const expiresAt = now + this.ttlMs;
    if (!this.devices.rotate(auth.deviceId, hashToken(oldToken), hashToken(token), now, expiresAt)) return null;
    // [AUTH-WS-5] Sockets opened with the old token close like a revoked device's: a token that leaked and was
    // rotated away must not keep a socket. The caller reconnects with the new token.
    this.events.emitRevoked(auth.deviceId);
    return { userId: auth.userId, deviceId: auth.deviceId, token, expiresAt };
  }

  list(userId: UserId): DeviceRow[] {
    return this.devices.listLive(userId, this.clock());
  }

  /**
   * [AUTH-WS-4] Ends the sockets of sessions that expired since the last sweep: the same event as a revocation, so the
   * sync side closes them with 4401. An open socket is use: a session whose device is still connected
   * (`isConnected`) is extended by `ttlMs` instead, so an always-online device is never logged out. Returns the
   * devices it reported. Each expiry is reported once.
   */
  sweepExpired(isConnected: (deviceId: DeviceId) => boolean = () => false): DeviceId[] {
    const now = this.clock();
    if (now <= this.sweptUpTo) return [];
    const expired: DeviceId[] = [];
    for (const deviceId of this.devices.expiredBetween(this.sweptUpTo, now)) {
      if (isConnected(deviceId)) this.devices.touch(deviceId, now, now + this.ttlMs);
      else expired.push(deviceId);
    }
    for (const deviceId of this.devices.revokedSince(this.sweptUpTo - FOREIGN_REVOCATION_MARGIN_MS)) {
      if (isConnected(deviceId)) expired.push(deviceId);
    }
    this.sweptUpTo = now;
    for (const deviceId of expired) this.events.emitRevoked(deviceId);
    return expired;
  }

  /** Runs `sweepExpired` every `intervalMs` until the returned function is called. */
  startExpirySweep(intervalMs: number, onError: (err: unknown) => void, isConnected?: (deviceId: DeviceId) => boolean): () => void {
    const timer = setInterval(() => {
      try {
        this.sweepExpired(isConnected);
      } catch (err) {
        onError(err);
      }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Revokes every device of the user but `keep` (null: all of them), each through the same event as a single
   * revocation so their sockets close with 4401 (AUTH-8). Returns the devices revoked.
   */
  revokeAll(userId: UserId, keep: DeviceId | null): DeviceId[] {
    const now = this.clock();
    const revoked = this.devices.unrevoked(userId).filter((id) => id !== keep && this.devices.revoke(id, userId, now));
    for (const deviceId of revoked) this.events.emitRevoked(deviceId);
    return revoked;
  }

  /** Revokes one of `userId`'s own devices; false if it is not theirs, unknown or already revoked. */
  revoke(userId: UserId, deviceId: string): boolean {
    if (!this.devices.revoke(deviceId, userId, this.clock())) return false;
    this.events.emitRevoked(deviceId as DeviceId);
    return true;
  }
}
