/**
 * Contacts, friend requests and blocks (SPEC CONTACT-*, BLOCK-*). Every refusal is decided before anything is
 * written; after a change both accounts' user docs are mirrored (mirror.ts `user`) before the answer, so every device
 * of both sees it live, and offline devices at their next sync.
 */
import { ErrorCode, REQUEST_NOTE_MAX, isId, type FriendRequestResult, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import { normalizeUsername, usernameProblem } from '../auth/rules.js';
import type { Clock } from '../config.js';
import type { SocialRepo } from '../db/social.js';
import { isActive, type UserRepo, type UserRow } from '../db/users.js';
import { TokenBuckets } from '../util/tokenBuckets.js';
import { badRequest, notFound } from './errors.js';
import type { Mirror } from './mirror.js';
import type { SocialGate } from './socialGate.js';

/** [CONTACT-1] Friend requests one account may send: a burst, then one more per interval. */
export const REQUEST_BURST = 50;
export const REQUEST_REFILL_MS = 30_000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface ContactDeps {
  readonly users: UserRepo;
  readonly social: SocialRepo;
  readonly gate: SocialGate;
  readonly mirror: Mirror;
  readonly clock: Clock;
}

export interface RequestTarget {
  readonly userId?: string | undefined;
  readonly username?: string | undefined;
  readonly code?: string | undefined;
}

export class ContactService {
  private readonly requests: TokenBuckets<string>;

  constructor(private readonly d: ContactDeps) {
    this.requests = new TokenBuckets(1000 / REQUEST_REFILL_MS, REQUEST_BURST, 1, d.clock);
  }

  /**
   * [CONTACT-1] [CONTACT-2] A friend request to the user named by exactly one of `userId`, `username` (PRIVACY-1
   * applies) or an add-friend `code`. If that user had asked this account already, both become contacts at once.
   */
  async request(caller: UserId, target: RequestTarget, note: string | undefined): Promise<FriendRequestResult> {
    const other = this.resolve(caller, target);
    const text = (note ?? '').trim();
    if ([...text].length > REQUEST_NOTE_MAX || CONTROL.test(text)) throw badRequest(`CONTACT-1: a note is at most ${REQUEST_NOTE_MAX} characters without control characters`);
    if (other.id === caller) throw badRequest('CONTACT-2: a request to oneself');
    const s = this.d.social;
    if (s.hasBlocked(caller, other.id)) throw new ServiceError(ErrorCode.Conflict, 'CONTACT-2: this user is blocked; unblock them first');
    if (s.isContact(caller, other.id) && s.isContact(other.id, caller)) throw new ServiceError(ErrorCode.Conflict, 'CONTACT-2: already a contact');
    if (s.request(caller, other.id) !== null) throw new ServiceError(ErrorCode.Conflict, 'CONTACT-2: a request to this user is already pending');
    if (this.requests.take(caller) !== 'ok') throw new ServiceError(ErrorCode.RateLimited, 'CONTACT-1: too many friend requests; try again later', REQUEST_REFILL_MS);
    const now = this.d.clock();
    let state: FriendRequestResult['state'] = 'requested';
    if (s.request(other.id, caller) !== null) {
      s.befriend(caller, other.id, now);
      state = 'contacts';
    } else s.addRequest(caller, other.id, text, now);
    await this.mirrorBoth(caller, other.id);
    return { userId: other.id, state };
  }

  /** [CONTACT-3] Accept a request received from `from`: both become contacts. */
  async accept(caller: UserId, from: string): Promise<void> {
    const other = this.idOf(from);
    if (this.d.social.request(other, caller) === null) throw notFound('CONTACT-3: no request from this user');
    this.d.social.befriend(caller, other, this.d.clock());
    await this.mirrorBoth(caller, other);
  }

  /** [CONTACT-3] Decline a request received from `from`. */
  async decline(caller: UserId, from: string): Promise<void> {
    const other = this.idOf(from);
    if (!this.d.social.dropRequest(other, caller)) throw notFound('CONTACT-3: no request from this user');
    await this.mirrorBoth(caller, other);
  }

  /** [CONTACT-3] Withdraw a request this account sent to `to`. */
  async cancel(caller: UserId, to: string): Promise<void> {
    const other = this.idOf(to);
    if (!this.d.social.dropRequest(caller, other)) throw notFound('CONTACT-3: no pending request to this user');
    await this.mirrorBoth(caller, other);
  }

  /** [CONTACT-4] Remove a contact, on both sides. */
  async remove(caller: UserId, contact: string): Promise<void> {
    const other = this.idOf(contact);
    if (!this.d.social.unfriend(caller, other)) throw notFound('CONTACT-4: not a contact');
    await this.mirrorBoth(caller, other);
  }

  /** [BLOCK-1] Block a user: only the blocker's doc changes (the blocked side is not told). Repeating is a no-op. */
  async block(caller: UserId, target: string): Promise<void> {
    const other = this.idOf(target);
    if (other === caller) throw badRequest('BLOCK-1: one cannot block oneself');
    if (!isActive(this.d.users.byId(other))) throw notFound('no such user');
    this.d.social.block(caller, other, this.d.clock());
    // The blocker's own request to them was withdrawn: the other side's incoming list loses it, as after a cancel.
    await this.mirrorBoth(caller, other);
  }

  async unblock(caller: UserId, target: string): Promise<void> {
    const other = this.idOf(target);
    if (!this.d.social.unblock(caller, other)) throw notFound('BLOCK-1: this user is not blocked');
    await this.d.mirror.user(caller);
  }

  /**
   * The user a request names. Unknown, deleted, not findable by this caller (PRIVACY-1) and having blocked the
   * caller (BLOCK-2) all read the same: 404 `no such user`, so a refusal never tells who blocked whom.
   */
  private resolve(caller: UserId, t: RequestTarget): UserRow {
    const given = [t.userId, t.username, t.code].filter((v) => v !== undefined).length;
    if (given !== 1) throw badRequest('CONTACT-1: name the user by exactly one of userId, username, code');
    let user: UserRow | null = null;
    if (t.userId !== undefined) user = isId(t.userId) ? this.d.users.byId(t.userId) : null;
    else if (t.code !== undefined) {
      const id = this.d.social.userByCode(t.code);
      user = id === null ? null : this.d.users.byId(id);
    } else if (t.username !== undefined) {
      const name = normalizeUsername(t.username);
      user = usernameProblem(name) === null ? this.d.users.byUsername(name) : null;
      if (user !== null && !this.d.gate.mayFindByUsername(caller, user.id)) user = null;
    }
    if (user === null || !isActive(user) || (user.id !== caller && this.d.social.hasBlocked(user.id, caller))) throw notFound('no such user');
    return user;
  }

  private idOf(raw: string): UserId {
    if (!isId(raw)) throw badRequest('userId must be an id');
    return raw as UserId;
  }

  private async mirrorBoth(a: UserId, b: UserId): Promise<void> {
    await Promise.all([this.d.mirror.user(a), this.d.mirror.user(b)]);
  }
}
