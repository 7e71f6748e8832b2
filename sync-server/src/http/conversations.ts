/**
 * Conversation creation and listing (SPEC HTTP-9..HTTP-12), and the mirror of server-authored facts into docs:
 * `meta` of `conv:<id>` and each member's `convs` entry in `user:<id>`. The mirror is awaited before the answer,
 * so a device that connects right after finds the conversation; it only writes keys whose value differs, so
 * repeating it (a second direct-chat request) heals a mirror that a crash interrupted without growing the docs.
 */
import {
  ErrorCode,
  convDocName,
  isId,
  userDocName,
  type ConversationId,
  type UserId,
} from '@concord/client-core/protocol';
import {
  CONV_META,
  USER_CONVS,
  type ConversationKind,
  type ConversationMeta,
  type ConversationSummary,
} from '@concord/client-core/schema';
import type * as Y from 'yjs';
import { ServiceError } from '../auth/errors.js';
import { labelProblem } from '../auth/rules.js';
import type { Clock } from '../config.js';
import { directKey, type ConversationRepo, type ConversationRow, type MemberRow } from '../db/conversations.js';
import { newId } from '../db/ids.js';
import type { UserRepo } from '../db/users.js';
import type { ServerDocWriter } from '../seams.js';
import { badRequest } from './errors.js';

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

export class ConversationService {
  constructor(
    private readonly users: UserRepo,
    private readonly conversations: ConversationRepo,
    private readonly docs: ServerDocWriter,
    private readonly clock: Clock,
  ) {}

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
      if (user === null) throw new ServiceError(ErrorCode.NotFound, `no user ${id}`);
      names.push(user.displayName);
    }
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
    await this.mirror(conversation, this.conversations.members(conversation.id).map((m) => m.userId));
    return { conversationId: conversation.id, created };
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

  private async mirror(conv: ConversationRow, members: readonly UserId[]): Promise<void> {
    const meta: ConversationMeta = {
      kind: conv.kind,
      title: conv.title,
      members: [...members],
      createdAt: conv.createdAt,
      createdBy: conv.createdBy,
    };
    await this.docs.transact(convDocName(conv.id), (ydoc) => {
      const map = ydoc.getMap<unknown>(CONV_META);
      setIfChanged(map, 'kind', meta.kind);
      setIfChanged(map, 'title', meta.title);
      setIfChanged(map, 'members', meta.members);
      setIfChanged(map, 'createdAt', meta.createdAt);
      setIfChanged(map, 'createdBy', meta.createdBy);
    });
    const summary: ConversationSummary = {
      kind: conv.kind,
      title: conv.title,
      members: [...members],
      createdAt: conv.createdAt,
    };
    await Promise.all(
      members.map((member) =>
        this.docs.transact(userDocName(member), (ydoc) => {
          setIfChanged(ydoc.getMap<unknown>(USER_CONVS), conv.id, summary);
        }),
      ),
    );
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
