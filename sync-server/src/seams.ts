/**
 * The seams between the server's parts: the HTTP/accounts side (auth/, db/, http/) and the sync side (sync/).
 * server.ts wires one to the other; neither imports the other's modules directly.
 */
import type * as http from 'node:http';
import type * as stream from 'node:stream';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type * as Y from 'yjs';
import type { DeviceId, DocName, UserId } from '@concord/protocol';

export interface AuthContext {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
}

/** Token checks for WebSocket connections. Returns null for a missing, malformed, expired or revoked token. */
export interface Authenticator {
  verifyToken(token: string): AuthContext | null;
}

/** Membership decides access (SPEC AUTHZ-*): `user:<id>` for that user only, `conv:<id>` for its members only. */
export interface AccessPolicy {
  canAccess(userId: UserId, doc: DocName): boolean;
  /** Every doc the user may see: their user doc and, per conversation they are a member of, its stored segments (lowest first). */
  docsVisibleTo(userId: UserId): DocName[];
  /** The users who may see a doc (to notify their devices when it changes). */
  usersWhoMaySee(doc: DocName): UserId[];
}

/**
 * Session lifecycle events the sync side reacts to: a device's token stopped being valid (revoked, rotated or
 * expired), so every socket opened with it closes with 4401, whatever phase it is in (AUTH-WS-2, AUTH-WS-5).
 */
export interface SessionEvents {
  onRevoked(listener: (deviceId: DeviceId) => void): () => void;
}

/**
 * Server-authored writes (membership, titles, the conversation list in user docs). The change is applied to the
 * server's copy, stored durably, and relayed like any update, with the server's own origin so that validation
 * lets it through. Resolves once stored.
 */
export interface ServerDocWriter {
  transact(doc: DocName, change: (ydoc: Y.Doc) => void): Promise<void>;
}

/**
 * Limits the sync side enforces (SPEC WIRE-4 and the LIMIT-* rules). Structurally the same as sync/limits.ts,
 * which owns the defaults; the server passes only what its configuration overrides.
 */
export interface SyncLimits {
  readonly maxFrameBytes: number;
  readonly maxUpdateBytes: number;
  readonly helloTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly unloadAfterMs: number;
  /** DUR-4: docs without subscribers kept loaded at most; past it the longest idle ones are unloaded at once. */
  readonly maxIdleDocs: number;
  readonly compactAfterUpdates: number;
  /** DUR-1: least time between the starts of two group commits; updates arriving meanwhile wait for the next one. */
  readonly commitIntervalMs: number;
  readonly maxBufferedBytes: number;
  readonly maxDocsPerSocket: number;
  /** [WIRE-7] Open sockets (both endpoints, after authentication) per device and per user. */
  readonly maxSocketsPerDevice: number;
  readonly maxSocketsPerUser: number;
}

/** What server.ts hands to `createSyncService` (exported from sync/index.ts). */
export interface SyncServiceOptions {
  /** The server's one SQLite database (better-sqlite3); sync/ owns its own tables in it. */
  readonly db: Database.Database;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly access: AccessPolicy;
  readonly sessions: SessionEvents;
  readonly limits?: Partial<SyncLimits>;
}

/** The sync side as server.ts sees it: `export function createSyncService(opts: SyncServiceOptions): SyncService`. */
export interface SyncService extends ServerDocWriter {
  /**
   * Offered every HTTP `upgrade`. Returns true if the path is `/v1/sync` or `/v1/doc/<name>` (it then owns the
   * socket and accepts the upgrade itself); false otherwise (server.ts answers 404 and destroys the socket).
   */
  handleUpgrade(req: http.IncomingMessage, socket: stream.Duplex, head: Buffer): boolean;
  /** Closes every socket with 1001 and flushes pending stores. The db is closed by server.ts afterwards. */
  close(): Promise<void>;
}

export type CreateSyncService = (opts: SyncServiceOptions) => SyncService;
