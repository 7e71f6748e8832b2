/**
 * The seams between the server's parts: the HTTP/accounts side (auth/, db/, http/) and the sync side (sync/).
 * server.ts wires one to the other; neither imports the other's modules directly.
 */
import type * as Y from 'yjs';
import type { DeviceId, DocName, UserId } from '@concord/client-core/protocol';

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
  /** Every doc the user may see: their user doc and each conversation they are a member of. */
  docsVisibleTo(userId: UserId): DocName[];
  /** The users who may see a doc (to notify their devices when it changes). */
  usersWhoMaySee(doc: DocName): UserId[];
}

/** Session lifecycle events the sync side reacts to (a revoked device's sockets are closed with 4401). */
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
