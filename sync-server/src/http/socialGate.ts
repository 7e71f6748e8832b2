/**
 * Who may do what in the social layer (SPEC GROUP-2, PRIVACY-1/2, BLOCK-2): the role table of groups and the checks
 * each user's privacy settings and blocks put on others. Decided from the tables, never from a doc.
 */
import { ErrorCode, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import type { MemberRole } from '../db/conversations.js';
import type { SocialRepo } from '../db/social.js';

/** [GROUP-2] The actions on a group and the roles that may take them (removing others: see `mayRemove`). */
export const GROUP_PERMISSIONS = {
  rename: ['owner', 'admin'],
  avatar: ['owner', 'admin'],
  add: ['owner', 'admin'],
  setRole: ['owner'],
  transfer: ['owner'],
} as const satisfies Readonly<Record<string, readonly MemberRole[]>>;
export type GroupAction = keyof typeof GROUP_PERMISSIONS;

export function mayDo(role: MemberRole, action: GroupAction): boolean {
  return (GROUP_PERMISSIONS[action] as readonly MemberRole[]).includes(role);
}

/** [GROUP-2] The owner removes admins and members; an admin removes members; nobody removes the owner. */
export function mayRemove(caller: MemberRole, target: MemberRole): boolean {
  if (target === 'owner') return false;
  return caller === 'owner' || (caller === 'admin' && target === 'member');
}

export class SocialGate {
  constructor(private readonly social: SocialRepo) {}

  /** [BLOCK-1] `blocker` blocked `other`. */
  blocks(blocker: UserId, other: UserId): boolean {
    return this.social.hasBlocked(blocker, other);
  }

  /**
   * [PRIVACY-2] [BLOCK-2] `adder` may put `target` into a group unless the target blocked the adder or lets only
   * contacts do it. One answer for both, so a refusal does not tell a blocked user that they are blocked.
   */
  assertMayAddToGroup(adder: UserId, target: UserId, targetName: string): void {
    if (adder === target) return;
    const refused = this.social.hasBlocked(target, adder) || (this.social.settings(target).groupAdd === 'contacts' && !this.social.isContact(target, adder));
    if (refused) throw new ServiceError(ErrorCode.Forbidden, `PRIVACY-2: ${targetName} accepts group invitations from contacts only`);
  }

  /** [PRIVACY-1] [BLOCK-2] Whether `asker` may find `target` by username (or resolve it from its add-friend code: no). */
  mayFindByUsername(asker: UserId, target: UserId): boolean {
    if (asker === target) return true;
    if (this.social.hasBlocked(target, asker)) return false;
    const findBy = this.social.settings(target).findBy;
    return findBy === 'everyone' || (findBy === 'contacts' && this.social.isContact(target, asker));
  }
}
