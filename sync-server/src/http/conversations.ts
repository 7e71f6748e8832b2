/**
 * Conversation creation, listing and membership changes (SPEC HTTP-9..HTTP-12, HTTP-20..HTTP-22, GROUP-2). The
 * mirror into docs (mirror.ts) is awaited before the answer, so a device that connects right after finds the
 * conversation; repeating it (a second direct-chat request) heals a mirror that a crash interrupted.
 */
import {
  ErrorCode,
  isId,
  type ConversationId,
  type DocName,
  type UserId,
  type ConversationKind,
} from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import { labelProblem } from '../auth/rules.js';
import type { Clock } from '../config.js';
import { directKey, type ConversationRepo, type ConversationRow, type MemberRow } from '../db/conversations.js';
import { newId } from '../db/ids.js';
import type { UserRepo } from '../db/users.js';
import type { Mirror, NewSystemEvent } from './mirror.js';
import { mayRemove, type SocialGate } from './socialGate.js';
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

export interface ConversationDeps {
  readonly users: UserRepo;
  readonly conversations: ConversationRepo;
  readonly mirror: Mirror;
  readonly gate: SocialGate;
  readonly clock: Clock;
}

export class ConversationService {
  private readonly creates: TokenBuckets<string>;
  private readonly adds: TokenBuckets<string>;

  private readonly users: UserRepo;
  private readonly conversations: ConversationRepo;
  private readonly mirror: Mirror;
  private readonly gate: SocialGate;
  private readonly clock: Clock;

  constructor(deps: ConversationDeps, limits: ConversationLimits = DEFAULT_CONVERSATION_LIMITS) {
    ({ users: this.users, conversations: this.conversations, mirror: this.mirror, gate: this.gate, clock: this.clock } = deps);
    const clock = deps.clock;
    // No abuse debt here: a refused request costs nothing but the answer.
    this.creates = new TokenBuckets(1000 / limits.createRefillMs, limits.createBurst, 1, clock);
    this.adds = new TokenBuckets(1000 / limits.addRefillMs, limits.addBurst, 1, clock);
  }

  /** [HTTP-23] Spends one creation and `added` additions of `user`, or throws 429 with when to retry. */
  private spend(user: UserId, added: number): void {
    if (this.creates.take(user) !== 'ok') throw new ServiceError(ErrorCode.RateLimited, 'HTTP-23: too many conversations created; try again later', 20_000);
    this.spendAdds(user, added);
  }

  /** [HTTP-23] [GROUP-4] Spends `added` additions of `user` (new conversations and members added to groups alike). */
  spendAdds(user: UserId, added: number): void {
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
      // [BLOCK-2] a blocker is not found by the one they blocked, as an unknown user (blocking is private).
      if (kind === 'direct' && this.gate.blocks(id as UserId, creator)) throw new ServiceError(ErrorCode.NotFound, `no user ${id}`);
      // [PRIVACY-2] who may put this user into groups.
      if (kind === 'group') this.gate.assertMayAddToGroup(creator, user.id, user.username);
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
    // [GROUP-5] a new group starts its timeline with who created it and with whom.
    await this.mirror.conversation(conversation.id, [], created && kind === 'group' ? [{ kind: 'created', actor: creator, targets: others }] : []);
    return { conversationId: conversation.id, created };
  }

  /**
   * [HTTP-20] [GROUP-2] `caller` removes `target` from a group: the owner removes anyone else, an admin removes
   * members; the owner cannot be removed (ownership is transferred first); anyone may remove themselves (= leave,
   * HTTP-21). Direct chats have fixed members (409). The tables change first, so access (AUTHZ-2) follows at once;
   * then the docs are mirrored, with a `left` or `removed` system event, and every loaded segment re-checks its
   * subscribers (SYNC-6).
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
    if (target !== caller) {
      const targetRole = this.conversations.roleOf(conv.id, target);
      if (targetRole === 'owner') throw new ServiceError(ErrorCode.Forbidden, 'GROUP-2: the owner cannot be removed; the owner transfers ownership or leaves');
      if (!mayRemove(callerRole, targetRole ?? 'member')) {
        throw new ServiceError(ErrorCode.Forbidden, `GROUP-2: ${callerRole === 'member' ? 'a member removes no one but themselves' : 'an admin removes members, not admins'}`);
      }
    }
    if (!this.conversations.removeMember(conv.id, target as UserId)) {
      throw new ServiceError(ErrorCode.NotFound, 'not a member of this conversation');
    }
    const event: NewSystemEvent = target === caller ? { kind: 'left', actor: caller } : { kind: 'removed', actor: caller, targets: [target as UserId] };
    await this.mirror.conversation(conv.id, [target as UserId], [event]);
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
    // Who shows its profile, before it leaves the conversations that make them see it.
    const audience = this.mirror.audienceOf(userId);
    const left: ConversationId[] = [];
    for (const conv of this.conversations.ofUser(userId)) {
      if (!this.conversations.removeMember(conv.id, userId)) continue;
      left.push(conv.id);
      await this.mirror.conversation(conv.id, [userId], conv.kind === 'group' ? [{ kind: 'left', actor: userId }] : []);
    }
    await this.mirror.accountDeleted(userId, audience);
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

