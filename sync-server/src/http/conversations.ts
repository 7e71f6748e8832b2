/**
 * Conversation creation, listing and membership changes (SPEC HTTP-9..HTTP-12, HTTP-20..HTTP-22), and the mirror of
 * server-authored facts into docs: `meta` of `conv:<id>` and each member's `convs` entry in `user:<id>`. The mirror
 * is awaited before the answer, so a device that connects right after finds the conversation; it only writes keys
 * whose value differs, so repeating it (a second direct-chat request) heals a mirror that a crash interrupted
 * without growing the docs. Each doc's values are read from the tables inside its write, so two membership changes
 * in flight together never leave an older member list behind.
 */
import {
  ErrorCode,
  convDocName,
  isId,
  userDocName,
  type ConversationId,
  type DocName,
  type UserId,
  CONV_META,
  USER_CONVS,
  type ConversationKind,
  type ConversationMeta,
  type ConversationSummary,
} from '@concord/protocol';
import type * as Y from 'yjs';
import { ServiceError } from '../auth/errors.js';
import { labelProblem } from '../auth/rules.js';
import type { Clock } from '../config.js';
import { directKey, type ConversationRepo, type ConversationRow, type MemberRow } from '../db/conversations.js';
import { newId } from '../db/ids.js';
import type { UserRepo } from '../db/users.js';
import type { ServerDocWriter } from '../seams.js';
import { badRequest } from './errors.js';
import { TokenBuckets } from '../util/tokenBuckets.js';

export const MAX_GROUP_MEMBERS = 256;
export const TITLE_MAX = 100;

export interface CreateConversationInput {
  readonly kind: string;
  readonly members: readonly string[];
  readonly title?: string | undefined;
}

export interface MemberView {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly role: MemberRow['role'];
}

export interface ConversationView {
  readonly conversationId: ConversationId;
  readonly kind: ConversationKind;
  readonly title: string;
  readonly createdBy: UserId;
  readonly createdAt: number;
  readonly members: readonly MemberView[];
}

/**
 * What a membership change asks of the sync side beyond writing segment 0: the conversation's segments k >= 1 in
 * memory, stored or not (only a loaded doc has subscribers or cached answers to re-check; loading the others would
 * pull a whole history into memory for nothing).
 */
export interface SegmentDocs {
  loadedSegments(conversationId: ConversationId): readonly DocName[];
}

/**
 * [HTTP-23] How fast one user may create conversations and put others into them. A person starts a few chats a day;
 * without a bound one account put a victim into 1,500 groups in 6 s.
 */
export interface ConversationLimits {
  /** Conversations created: burst, then one more per `createRefillMs`. */
  readonly createBurst: number;
  readonly createRefillMs: number;
  /** Other users put into new conversations: burst, then one more per `addRefillMs`. */
  readonly addBurst: number;
  readonly addRefillMs: number;
}

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = {
  createBurst: 30,
  createRefillMs: 20_000,
  addBurst: 300,
  addRefillMs: 2_000,
};

export class ConversationService {
  private readonly creates: TokenBuckets<string>;
  private readonly adds: TokenBuckets<string>;

  constructor(
    private readonly users: UserRepo,
    private readonly conversations: ConversationRepo,
    private readonly docs: ServerDocWriter,
    private readonly clock: Clock,
    private readonly segments: SegmentDocs | null = null,
    limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS,
  ) {
    // No abuse debt here: a refused request costs nothing but the answer.
    this.creates = new TokenBuckets(1000 / limits.createRefillMs, limits.createBurst, 1, clock);
    this.adds = new TokenBuckets(1000 / limits.addRefillMs, limits.addBurst, 1, clock);
  }

  /** [HTTP-23] Spends one creation and `added` additions of `user`, or throws 429 with when to retry. */
  private spend(user: UserId, added: number): void {
    if (this.creates.take(user) !== 'ok') throw new ServiceError(ErrorCode.RateLimited, 'HTTP-23: too many conversations created; try again later', 20_000);
    for (let i = 0; i < added; i++) {
      if (this.adds.take(user) !== 'ok') throw new ServiceError(ErrorCode.RateLimited, 'HTTP-23: too many people added to conversations; try again later', 60_000);
    }
  }

  async create(creator: UserId, input: CreateConversationInput): Promise<{ conversationId: ConversationId; created: boolean }> {
    const kind = input.kind;
    if (kind !== 'direct' && kind !== 'group') throw badRequest('kind must be "direct" or "group"');
    const others: UserId[] = [];
    for (const id of input.members) {
      if (!isId(id)) throw badRequest('members must be user ids');
      if (id !== creator && !others.includes(id as UserId)) others.push(id as UserId);
    }
    if (kind === 'direct' && others.length !== 1) {
      throw badRequest('a direct conversation has exactly one member besides the caller');
    }
    if (kind === 'group' && others.length < 1) throw badRequest('a group needs at least one member besides the caller');
    if (others.length + 1 > MAX_GROUP_MEMBERS) throw badRequest(`a conversation has at most ${MAX_GROUP_MEMBERS} members`);
    const names: string[] = [];
    for (const id of others) {
      const user = this.users.byId(id);
      // [ACCOUNT-1] A deleted account cannot be added anywhere: it is not found, as an unknown one.
      if (user === null || (user.deletedAt ?? null) !== null) throw new ServiceError(ErrorCode.NotFound, `no user ${id}`);
      names.push(user.displayName);
    }
    // A direct chat that exists already is only looked up: that costs nothing.
    const other0 = others[0];
    if (kind !== 'direct' || other0 === undefined || this.conversations.byDirectKey(directKey(creator, other0)) === null) this.spend(creator, others.length);
    const title = kind === 'direct' ? '' : groupTitle(input.title, names);
    const now = this.clock();
    const members: MemberRow[] = [
      { userId: creator, role: kind === 'group' ? 'owner' : 'member', joinedAt: now },
      ...others.map((userId): MemberRow => ({ userId, role: 'member', joinedAt: now })),
    ];
    const other = others[0];
    const { conversation, created } = this.conversations.create({
      id: newId() as ConversationId,
      kind,
      title,
      createdBy: creator,
      createdAt: now,
      members,
      directKey: kind === 'direct' && other !== undefined ? directKey(creator, other) : null,
    });
    await this.mirror(conversation.id, []);
    return { conversationId: conversation.id, created };
  }

  /**
   * [HTTP-20] `caller` removes `target` from a group: only its owner removes others; anyone may remove themselves
   * (= leave, HTTP-21). Direct chats have fixed members (409). The tables change first, so access (AUTHZ-2) follows
   * at once; then the docs are mirrored and every loaded segment re-checks its subscribers (SYNC-6).
   */
  async removeMember(caller: UserId, conversationId: string, target: string): Promise<void> {
    if (!isId(conversationId)) throw badRequest('conversationId must be an id');
    if (!isId(target)) throw badRequest('userId must be an id');
    const conv = this.conversations.byId(conversationId);
    if (conv === null) throw new ServiceError(ErrorCode.NotFound, 'no such conversation');
    const callerRole = this.conversations.roleOf(conv.id, caller);
    if (callerRole === null) throw new ServiceError(ErrorCode.Forbidden, 'not a member of this conversation');
    if (conv.kind === 'direct') {
      throw new ServiceError(ErrorCode.Conflict, 'a direct conversation has fixed members: it cannot be left or changed');
    }
    if (target !== caller && callerRole !== 'owner') {
      throw new ServiceError(ErrorCode.Forbidden, "only the group's owner removes other members");
    }
    if (!this.conversations.removeMember(conv.id, target as UserId)) {
      throw new ServiceError(ErrorCode.NotFound, 'not a member of this conversation');
    }
    await this.mirror(conv.id, [target as UserId]);
  }

  /** [HTTP-21] The caller leaves a group. */
  leave(caller: UserId, conversationId: string): Promise<void> {
    return this.removeMember(caller, conversationId, caller);
  }

  /**
   * [ACCOUNT-1] A deleted account leaves every conversation, direct chats too (a direct chat's fixed membership is a
   * rule between two living accounts), through the same removal and mirror as HTTP-22: the other members' docs
   * and subscriptions are updated before this resolves. A group owner's leaving passes ownership as in HTTP-21.
   * Returns the conversations it left.
   */
  async dropAccount(userId: UserId): Promise<ConversationId[]> {
    const left: ConversationId[] = [];
    for (const conv of this.conversations.ofUser(userId)) {
      if (!this.conversations.removeMember(conv.id, userId)) continue;
      left.push(conv.id);
      await this.mirror(conv.id, [userId]);
    }
    return left;
  }

  listFor(userId: UserId): ConversationView[] {
    return this.conversations.ofUser(userId).map((c) => ({
      conversationId: c.id,
      kind: c.kind,
      title: c.title,
      createdBy: c.createdBy,
      createdAt: c.createdAt,
      members: this.conversations.members(c.id).map((m): MemberView => {
        const user = this.users.byId(m.userId);
        return { userId: m.userId, username: user?.username ?? '', displayName: user?.displayName ?? '', role: m.role };
      }),
    }));
  }

  /**
   * [HTTP-12] Mirrors the conversation's row and members into `meta` of segment 0 and into `convs` of every member's
   * user doc; `removed` users lose their `convs` entry. The server's write to segment 0 makes the sync side re-check
   * that doc's subscribers and forget its cached answers (SYNC-6, TRUST-13); the loaded segments k >= 1 get the same
   * re-check through an empty server write (nothing is stored: the server writes segment 0 only, SEG-3).
   */
  private async mirror(conversationId: ConversationId, removed: readonly UserId[]): Promise<void> {
    const current = (): { conv: ConversationRow; members: UserId[] } | null => {
      const conv = this.conversations.byId(conversationId);
      return conv === null ? null : { conv, members: this.conversations.members(conversationId).map((m) => m.userId) };
    };
    await this.docs.transact(convDocName(conversationId), (ydoc) => {
      const now = current();
      if (now === null) return;
      const meta: ConversationMeta = {
        kind: now.conv.kind,
        title: now.conv.title,
        members: now.members,
        createdAt: now.conv.createdAt,
        createdBy: now.conv.createdBy,
      };
      const map = ydoc.getMap<unknown>(CONV_META);
      setIfChanged(map, 'kind', meta.kind);
      setIfChanged(map, 'title', meta.title);
      setIfChanged(map, 'members', meta.members);
      setIfChanged(map, 'createdAt', meta.createdAt);
      setIfChanged(map, 'createdBy', meta.createdBy);
    });
    const members = current()?.members ?? [];
    const affected = [...new Set([...members, ...removed])];
    await Promise.all(
      affected.map((user) =>
        this.docs.transact(userDocName(user), (ydoc) => {
          const now = current();
          const convs = ydoc.getMap<unknown>(USER_CONVS);
          if (now === null || !now.members.includes(user)) {
            if (convs.has(conversationId)) convs.delete(conversationId);
            return;
          }
          const summary: ConversationSummary = {
            kind: now.conv.kind,
            title: now.conv.title,
            members: now.members,
            createdAt: now.conv.createdAt,
          };
          setIfChanged(convs, conversationId, summary);
        }),
      ),
    );
    if (removed.length > 0) await this.recheckSegments(conversationId);
  }

  /**
   * [SYNC-6] A removed member may hold subscriptions to segments k >= 1, which the segment-0 write does not reach:
   * an empty server write to each loaded one unsubscribes who lost access (REJECT `forbidden`, plain: 4403) and
   * drops its cached audience (NOTIFY) and membership answers (TRUST-13). Every loaded segment is re-checked, stored
   * or not: a subscription to a segment far ahead of the stored ones would otherwise be relayed its future writes.
   */
  private async recheckSegments(conversationId: ConversationId): Promise<void> {
    if (this.segments === null) return;
    for (const doc of this.segments.loadedSegments(conversationId)) await this.docs.transact(doc, () => undefined);
  }
}

function groupTitle(raw: string | undefined, memberNames: readonly string[]): string {
  const given = raw?.trim() ?? '';
  if (given === '') {
    // No title given: the members' names, as chat apps show an unnamed group.
    const shown = memberNames.slice(0, 3).join(', ');
    const more = memberNames.length > 3 ? ` +${memberNames.length - 3}` : '';
    return [...`${shown}${more}`].slice(0, TITLE_MAX).join('');
  }
  const problem = labelProblem(given, 'title', TITLE_MAX);
  if (problem !== null) throw badRequest(problem);
  return given;
}

function setIfChanged(map: Y.Map<unknown>, key: string, value: unknown): void {
  if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
}
