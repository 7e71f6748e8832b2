/** AccessPolicy over the membership tables (SPEC AUTHZ-1..AUTHZ-3). Decided by the server's rows, never by a doc. */
import {
  convDocName,
  parseDocName,
  userDocName,
  type DocName,
  type UserId,
} from '@concord/client-core/protocol';
import type { ConversationRepo } from '../db/conversations.js';
import type { UserRepo } from '../db/users.js';
import type { AccessPolicy } from '../seams.js';

export class MembershipAccessPolicy implements AccessPolicy {
  constructor(
    private readonly users: UserRepo,
    private readonly conversations: ConversationRepo,
  ) {}

  canAccess(userId: UserId, doc: DocName): boolean {
    const parsed = parseDocName(doc);
    if (parsed === null) return false;
    if (parsed.kind === 'user') return parsed.userId === userId && this.users.byId(userId) !== null;
    return this.conversations.isMember(parsed.conversationId, userId);
  }

  docsVisibleTo(userId: UserId): DocName[] {
    if (this.users.byId(userId) === null) return [];
    return [userDocName(userId), ...this.conversations.ofUser(userId).map((c) => convDocName(c.id))];
  }

  usersWhoMaySee(doc: DocName): UserId[] {
    const parsed = parseDocName(doc);
    if (parsed === null) return [];
    if (parsed.kind === 'user') return this.users.byId(parsed.userId) === null ? [] : [parsed.userId];
    return this.conversations.members(parsed.conversationId).map((m) => m.userId);
  }
}
