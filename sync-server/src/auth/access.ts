/**
 * AccessPolicy over the membership tables (SPEC AUTHZ-1..AUTHZ-3, SEG-1). Decided by the server's rows, never by a
 * doc. Every segment of a conversation (`conv:<id>`, `conv:<id>/<k>`) is visible exactly to its members.
 */
import {
  convDocName,
  parseDocName,
  userDocName,
  type ConversationId,
  type DocName,
  type UserId,
} from '@concord/protocol';
import type { ConversationRepo } from '../db/conversations.js';
import { isActive, type UserRepo } from '../db/users.js';
import type { AccessPolicy } from '../seams.js';

/** Which segment docs k >= 1 of a conversation hold data, lowest first (sync/docStore.ts `DocCatalog`). */
export interface SegmentCatalog {
  segmentDocs(conversationId: ConversationId): readonly string[];
}

export class MembershipAccessPolicy implements AccessPolicy {
  constructor(
    private readonly users: UserRepo,
    private readonly conversations: ConversationRepo,
    private readonly segments: SegmentCatalog,
  ) {}

  canAccess(userId: UserId, doc: DocName): boolean {
    const parsed = parseDocName(doc);
    if (parsed === null) return false;
    if (parsed.kind === 'user') return parsed.userId === userId && isActive(this.users.byId(userId));
    // [SEG-1] membership decides access to every segment alike.
    return this.conversations.isMember(parsed.conversationId, userId);
  }

  /** The user doc, then per conversation segment 0 and its segments that hold data, lower segments first. */
  docsVisibleTo(userId: UserId): DocName[] {
    if (!isActive(this.users.byId(userId))) return [];
    const docs: DocName[] = [userDocName(userId)];
    for (const c of this.conversations.ofUser(userId)) {
      docs.push(convDocName(c.id));
      for (const name of this.segments.segmentDocs(c.id)) docs.push(name as DocName);
    }
    return docs;
  }

  usersWhoMaySee(doc: DocName): UserId[] {
    const parsed = parseDocName(doc);
    if (parsed === null) return [];
    if (parsed.kind === 'user') return this.users.byId(parsed.userId) === null ? [] : [parsed.userId];
    return this.conversations.members(parsed.conversationId).map((m) => m.userId);
  }
}
