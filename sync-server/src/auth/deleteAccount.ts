/**
 * Account deletion (SPEC ACCOUNT-1, ACCOUNT-2): the caller proves the password, then, in this order, so that no step
 * can leave the account half-usable:
 *   1. the user row becomes a tombstone (no password opens it, `GET /v1/users` no longer finds it, its doc is
 *      visible to no one), so a login racing the deletion fails;
 *   2. every device is revoked (sockets close with 4401 through SessionEvents) and the device rows are deleted;
 *   3. the account leaves every conversation through the membership-removal path (other members' docs updated);
 *   4. the user doc is emptied by a server write.
 * A failure after step 1 leaves a deleted account whose cleanup can be repeated: every step is idempotent, and a
 * second DELETE by an operator (or the admin CLI) finishes it.
 */
import { userDocName, type ConversationId, type UserId } from '@concord/protocol';
import * as Y from 'yjs';
import type { Clock } from '../config.js';
import type { DeviceRepo } from '../db/devices.js';
import type { UserRepo } from '../db/users.js';
import type { ServerDocWriter } from '../seams.js';
import type { SessionService } from './sessions.js';

export interface AccountDeletionDeps {
  readonly users: UserRepo;
  readonly devices: DeviceRepo;
  readonly sessions: SessionService;
  readonly conversations: { dropAccount(userId: UserId): Promise<ConversationId[]> };
  readonly docs: ServerDocWriter;
  readonly clock: Clock;
}

export interface DeletionReport {
  readonly revokedDevices: number;
  readonly leftConversations: number;
}

/** Runs steps 1-4 for a user whose password was already checked (or for an operator). */
export async function purgeAccount(deps: AccountDeletionDeps, userId: UserId): Promise<DeletionReport> {
  deps.users.markDeleted(userId, deps.clock());
  const revoked = deps.sessions.revokeAll(userId, null);
  deps.devices.deleteAll(userId);
  const left = await deps.conversations.dropAccount(userId);
  await deps.docs.transact(userDocName(userId), emptyDoc);
  return { revokedDevices: revoked.length, leftConversations: left.length };
}

/**
 * Deletes every value of every top-level map of a user doc (SPEC 3.2: a user doc holds maps only). Yjs keeps a
 * deleted item's id but drops its content (the server's docs garbage-collect), so the drafts and preferences are gone
 * from the doc and from every snapshot the server writes of it from now on.
 */
function emptyDoc(ydoc: Y.Doc): void {
  for (const name of [...ydoc.share.keys()]) {
    const map = ydoc.getMap<unknown>(name);
    for (const key of [...map.keys()]) map.delete(key);
  }
}
