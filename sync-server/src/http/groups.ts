/**
 * Managing a group (SPEC GROUP-2..GROUP-5): rename, avatar, add members, admins and the transfer of ownership. Each
 * change is checked in full before anything is written (a refused request changes nothing), applied to the tables,
 * then mirrored into the docs with its system event before the answer.
 */
import { ErrorCode, isBlobId, isId, type ConversationId, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import { labelProblem } from '../auth/rules.js';
import type { Clock } from '../config.js';
import type { BlobRepo } from '../db/blobs.js';
import type { ConversationRepo, ConversationRow, MemberRole } from '../db/conversations.js';
import type { GroupRepo } from '../db/groups.js';
import type { UserRepo } from '../db/users.js';
import { MAX_GROUP_MEMBERS, TITLE_MAX, type ConversationService } from './conversations.js';
import { badRequest } from './errors.js';
import type { Mirror, NewSystemEvent } from './mirror.js';
import { mayDo, type GroupAction, type SocialGate } from './socialGate.js';

/** [GROUP-3] An avatar is a small square image, resized on the device before upload. */
export const MAX_AVATAR_BYTES = 256 * 1024;

export interface GroupDeps {
  readonly users: UserRepo;
  readonly conversations: ConversationRepo;
  readonly groups: GroupRepo;
  readonly blobs: BlobRepo;
  readonly service: ConversationService;
  readonly mirror: Mirror;
  readonly gate: SocialGate;
  readonly clock: Clock;
}

export class GroupService {
  constructor(private readonly d: GroupDeps) {}

  /** The group and the caller's role, after the checks every action shares (400, 404, 403, 409). */
  private group(caller: UserId, conversationId: string, action: GroupAction): { conv: ConversationRow; role: MemberRole } {
    if (!isId(conversationId)) throw badRequest('conversationId must be an id');
    const conv = this.d.conversations.byId(conversationId);
    if (conv === null) throw new ServiceError(ErrorCode.NotFound, 'no such conversation');
    const role = this.d.conversations.roleOf(conv.id, caller);
    if (role === null) throw new ServiceError(ErrorCode.Forbidden, 'not a member of this conversation');
    if (conv.kind === 'direct') throw new ServiceError(ErrorCode.Conflict, 'a direct conversation has fixed members and no title');
    if (!mayDo(role, action)) throw new ServiceError(ErrorCode.Forbidden, `GROUP-2: a ${role} may not ${ACTION_TEXT[action]}`);
    return { conv, role };
  }

  /** [GROUP-3] A new title and/or avatar (`null` removes it). */
  async update(caller: UserId, conversationId: string, change: { title?: string | undefined; avatar?: string | null | undefined }): Promise<void> {
    if (change.title === undefined && change.avatar === undefined) throw badRequest('nothing to change: give title and/or avatar');
    const { conv } = this.group(caller, conversationId, change.title !== undefined ? 'rename' : 'avatar');
    if (change.title !== undefined && change.avatar !== undefined) this.group(caller, conversationId, 'avatar');
    const title = change.title?.trim();
    if (title !== undefined) {
      const problem = labelProblem(title, 'title', TITLE_MAX);
      if (problem !== null) throw badRequest(problem);
    }
    if (change.avatar !== undefined && change.avatar !== null) this.checkAvatar(conv.id, change.avatar);
    const events: NewSystemEvent[] = [];
    if (title !== undefined && title !== conv.title) {
      this.d.groups.setTitle(conv.id, title);
      events.push({ kind: 'renamed', actor: caller, detail: title });
    }
    if (change.avatar !== undefined && change.avatar !== this.d.groups.avatar(conv.id)) {
      this.d.groups.setAvatar(conv.id, change.avatar);
      events.push({ kind: 'avatar', actor: caller });
    }
    await this.d.mirror.conversation(conv.id, [], events);
  }

  /** [GROUP-3] The avatar is a blob uploaded to this group (BLOB-1), so every member may read it (BLOB-2). */
  private checkAvatar(id: ConversationId, blobId: string): void {
    if (!isBlobId(blobId)) throw badRequest('avatar must be a blob id (64 lowercase hex)');
    const blob = this.d.blobs.get(id, blobId);
    if (blob === null) throw new ServiceError(ErrorCode.NotFound, 'GROUP-3: the avatar must be uploaded to this group first');
    if (blob.size > MAX_AVATAR_BYTES) throw new ServiceError(ErrorCode.TooBig, `GROUP-3: an avatar is at most ${MAX_AVATAR_BYTES} bytes`);
  }

  /**
   * [GROUP-4] Adds users to a group: all or none. Malformed ids 400, unknown or deleted users 404, the list over
   * MAX_GROUP_MEMBERS 400, someone whose privacy refuses the caller 403 (PRIVACY-2); members already in are skipped.
   */
  async addMembers(caller: UserId, conversationId: string, members: readonly string[]): Promise<void> {
    const { conv } = this.group(caller, conversationId, 'add');
    const current = new Set(this.d.conversations.members(conv.id).map((m) => m.userId as string));
    const fresh: UserId[] = [];
    for (const id of members) {
      if (!isId(id)) throw badRequest('members must be user ids');
      if (!current.has(id) && !fresh.includes(id as UserId)) fresh.push(id as UserId);
    }
    if (fresh.length === 0) throw badRequest('everyone named is a member already');
    if (current.size + fresh.length > MAX_GROUP_MEMBERS) throw badRequest(`GROUP-4: a group has at most ${MAX_GROUP_MEMBERS} members`);
    for (const id of fresh) {
      const user = this.d.users.byId(id);
      if (user === null || (user.deletedAt ?? null) !== null) throw new ServiceError(ErrorCode.NotFound, `no user ${id}`);
      this.d.gate.assertMayAddToGroup(caller, user.id, user.username);
    }
    this.d.service.spendAdds(caller, fresh.length);
    const added = this.d.groups.addMembers(conv.id, fresh, this.d.clock());
    await this.d.mirror.conversation(conv.id, [], added.length > 0 ? [{ kind: 'joined', actor: caller, targets: added }] : []);
  }

  /** [GROUP-2] The owner makes a member an admin or an admin a member again. */
  async setRole(caller: UserId, conversationId: string, target: string, role: string): Promise<void> {
    const { conv } = this.group(caller, conversationId, 'setRole');
    if (role !== 'admin' && role !== 'member') throw badRequest('role must be "admin" or "member"; ownership is transferred');
    const targetRole = this.member(conv.id, target);
    if (targetRole === 'owner') throw new ServiceError(ErrorCode.Conflict, 'GROUP-2: the owner keeps their role until ownership is transferred');
    if (targetRole === role) return;
    this.d.groups.setAdmin(conv.id, target as UserId, role === 'admin');
    await this.d.mirror.conversation(conv.id, [], [{ kind: 'role', actor: caller, targets: [target as UserId], detail: role }]);
  }

  /** [GROUP-2] The owner passes ownership to another member and stays on as an admin. */
  async transferOwnership(caller: UserId, conversationId: string, target: string): Promise<void> {
    const { conv } = this.group(caller, conversationId, 'transfer');
    if (target === caller) throw badRequest('the caller owns the group already');
    this.member(conv.id, target);
    this.d.groups.transferOwnership(conv.id, caller, target as UserId);
    await this.d.mirror.conversation(conv.id, [], [{ kind: 'owner', actor: caller, targets: [target as UserId] }]);
  }

  private member(id: ConversationId, target: string): MemberRole {
    if (!isId(target)) throw badRequest('userId must be an id');
    const role = this.d.conversations.roleOf(id, target);
    if (role === null) throw new ServiceError(ErrorCode.NotFound, 'not a member of this conversation');
    return role;
  }
}

const ACTION_TEXT: Readonly<Record<GroupAction, string>> = {
  rename: 'rename the group',
  avatar: "change the group's avatar",
  add: 'add members',
  setRole: 'change roles',
  transfer: 'transfer ownership',
};
