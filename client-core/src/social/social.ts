/**
 * The social layer's client API (SPEC OUTBOX-1, SOCIAL-VIEW-1): contacts, requests, blocks, privacy and profile,
 * offline-first through the outbox; group management and add-friend codes, online only; and live views read from the
 * user doc's mirrored roots. One instance per session (Concord.social).
 */
import type * as Y from 'yjs';
import {
  DISPLAY_NAME_MAX,
  REQUEST_NOTE_MAX,
  STATUS_MAX,
  USER_ACCOUNT,
  USER_BLOCKED,
  USER_CONTACTS,
  USER_CONVS,
  USER_PEOPLE,
  USER_REQUESTS,
  isId,
  type FoundUser,
  type FriendRequestBody,
  type PrivacySettings,
  type PrivacyUpdate,
  type Profile,
  type ProfileUpdate,
  type UserId,
} from '@concord/protocol';
import type { DocHandle } from '../doc/docHandle.js';
import { ClientErrorCode, InvalidInputError } from '../errors.js';
import { Emitter } from '../events/emitter.js';
import type { SocialApi } from '../http/socialApi.js';
import { microtask } from '../platform.js';
import type { QueuedOp, SocialOp, SocialOutbox, SocialRefusal } from './outbox.js';
import {
  addCodeOf,
  blockedOf,
  contactsOf,
  membersOf,
  privacyOf,
  profileOf,
  requestsOf,
  type BlockedView,
  type ContactView,
  type MemberView,
  type RequestView,
} from './views.js';

export interface SocialState {
  readonly contacts: readonly ContactView[];
  readonly incoming: readonly RequestView[];
  /** Sent requests the server holds, then those still in this device's outbox (`pending`). */
  readonly outgoing: readonly RequestView[];
  readonly blocked: readonly BlockedView[];
  readonly privacy: PrivacySettings;
}

export interface SocialEvents {
  /** Any of the views changed (a mirror arrived, or the outbox moved). */
  changed: SocialState;
  /** The server refused a change written earlier (OUTBOX-1); it is no longer pending. */
  refused: SocialRefusal;
}

/** Who a friend request is for: a user id (from a member list), a username, or an add-friend code (QR). */
export type RequestTarget = { readonly userId: string } | { readonly username: string } | { readonly code: string };

const WATCHED = [USER_CONTACTS, USER_REQUESTS, USER_BLOCKED, USER_PEOPLE, USER_ACCOUNT, USER_CONVS];

export class Social {
  readonly events = new Emitter<SocialEvents>();
  private readonly offs: (() => void)[] = [];
  private queued = false;

  constructor(
    private readonly user: DocHandle,
    private readonly me: UserId,
    private readonly outbox: SocialOutbox,
    private readonly api: SocialApi,
    private readonly token: () => string,
    private readonly assertOpen: () => void,
  ) {
    for (const root of WATCHED) {
      const map = user.doc.getMap<unknown>(root);
      const on = (): void => this.queueChanged();
      map.observe(on);
      this.offs.push(() => map.unobserve(on));
    }
    this.offs.push(
      outbox.events.on('changed', () => this.queueChanged()),
      outbox.events.on('refused', (r) => this.events.emit('refused', r)),
    );
  }

  private get doc(): Y.Doc {
    return this.user.doc;
  }

  // ---- Live views (offline: the local copy) ----

  state(): SocialState {
    return { contacts: this.contacts(), incoming: this.incomingRequests(), outgoing: this.outgoingRequests(), blocked: this.blocked(), privacy: this.privacy() };
  }

  contacts(): ContactView[] {
    return contactsOf(this.doc);
  }

  incomingRequests(): RequestView[] {
    return requestsOf(this.doc, 'in');
  }

  outgoingRequests(): RequestView[] {
    const held = requestsOf(this.doc, 'out');
    const pending = this.outbox.pending().flatMap((q) => this.pendingRequest(q));
    return [...held, ...pending.filter((p) => !held.some((h) => h.userId === p.userId))];
  }

  blocked(): BlockedView[] {
    return blockedOf(this.doc);
  }

  privacy(): PrivacySettings {
    return privacyOf(this.doc);
  }

  /** [PROFILE-2] Anyone this account shares a conversation, contact or request with (and itself), cached offline. */
  profile(userId: string): Profile {
    return profileOf(this.doc, userId);
  }

  /** [GROUP-1] A conversation's members with roles and profiles, from the user doc (offline too). */
  members(conversationId: string): MemberView[] {
    return membersOf(this.doc, conversationId);
  }

  /** [OUTBOX-1] Changes written on this device that the server has not taken yet. */
  pending(): readonly QueuedOp[] {
    return this.outbox.pending();
  }

  /** Refusals of earlier changes (newest last, at most 20 kept). */
  refusals(): readonly SocialRefusal[] {
    return this.outbox.refused();
  }

  // ---- Offline-first changes (OUTBOX-1): each resolves once stored on this device ----

  async sendRequest(target: RequestTarget, note?: string): Promise<void> {
    const body: FriendRequestBody = { ...target, ...(note !== undefined && note.trim() !== '' ? { note: note.trim() } : {}) };
    if ('userId' in target && target.userId === this.me) throw invalid('a friend request to oneself');
    if ('userId' in target && !isId(target.userId)) throw invalid(`bad user id ${target.userId}`);
    if ('username' in target && target.username.trim() === '') throw invalid('a username is required');
    if ([...(note ?? '')].length > REQUEST_NOTE_MAX) throw invalid(`a note is at most ${REQUEST_NOTE_MAX} characters`);
    await this.enqueue({ op: 'request', body });
  }

  async acceptRequest(userId: string): Promise<void> {
    return this.enqueue({ op: 'accept', userId: this.id(userId) });
  }

  async declineRequest(userId: string): Promise<void> {
    return this.enqueue({ op: 'decline', userId: this.id(userId) });
  }

  async cancelRequest(userId: string): Promise<void> {
    return this.enqueue({ op: 'cancel', userId: this.id(userId) });
  }

  async removeContact(userId: string): Promise<void> {
    return this.enqueue({ op: 'remove', userId: this.id(userId) });
  }

  async block(userId: string): Promise<void> {
    if (userId === this.me) throw invalid('one cannot block oneself');
    await this.enqueue({ op: 'block', userId: this.id(userId) });
  }

  async unblock(userId: string): Promise<void> {
    return this.enqueue({ op: 'unblock', userId: this.id(userId) });
  }

  setPrivacy(change: PrivacyUpdate): Promise<void> {
    return this.enqueue({ op: 'privacy', change });
  }

  /** [PROFILE-1] Name, status line, avatar (a blob id this account uploaded, resized on the device; null removes). */
  async updateProfile(change: ProfileUpdate): Promise<void> {
    if (change.displayName !== undefined && (change.displayName.trim() === '' || [...change.displayName.trim()].length > DISPLAY_NAME_MAX)) {
      throw invalid(`a display name is 1 to ${DISPLAY_NAME_MAX} characters`);
    }
    if (change.status !== undefined && [...change.status.trim()].length > STATUS_MAX) throw invalid(`a status is at most ${STATUS_MAX} characters`);
    await this.enqueue({ op: 'profile', change });
  }

  // ---- Online only ----

  /** [CONTACT-5] This account's add-friend code (for a QR image); `rotate` replaces it and voids the old one. */
  async addCode(options: { rotate?: boolean } = {}): Promise<string> {
    const mirrored = addCodeOf(this.doc);
    if (mirrored !== null && options.rotate !== true) return mirrored;
    return this.api.addCode(this.token(), options.rotate === true);
  }

  /**
   * [PROFILE-3] The bytes of a user's avatar (`profile(userId).avatar` names it), or null when they have none. The
   * app shows them only if they sniff as an image (ATTACH-4) and may cache them by the blob id.
   */
  async avatarBytes(userId: string): Promise<Uint8Array | null> {
    return this.api.avatar(this.token(), this.id(userId));
  }

  /** [CONTACT-5] Who a scanned or typed code names, or null. */
  resolveAddCode(code: string): Promise<FoundUser | null> {
    return this.api.resolveCode(this.token(), code.trim());
  }

  /** [GROUP-3] */
  async renameGroup(conversationId: string, title: string): Promise<void> {
    await this.api.updateGroup(this.token(), conversationId, { title });
  }

  /** [GROUP-3] A blob of the group (upload it first, e.g. as an attachment's bytes), or null to remove. */
  async setGroupAvatar(conversationId: string, blobId: string | null): Promise<void> {
    await this.api.updateGroup(this.token(), conversationId, { avatar: blobId });
  }

  /** [GROUP-4] All or none. */
  async addMembers(conversationId: string, userIds: readonly string[]): Promise<void> {
    for (const u of userIds) this.id(u);
    await this.api.addMembers(this.token(), conversationId, userIds);
  }

  /** [GROUP-2] Owner only. */
  async setMemberRole(conversationId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.api.setRole(this.token(), conversationId, this.id(userId), role);
  }

  /** [GROUP-2] Owner only; this account stays as an admin. */
  async transferOwnership(conversationId: string, userId: string): Promise<void> {
    await this.api.transferOwnership(this.token(), conversationId, this.id(userId));
  }

  /** Sends queued changes now (the runtime does so at every `online`). */
  kick(): void {
    this.outbox.kick();
  }

  /** Resolves when the outbox has nothing in flight (tests, tools). */
  settled(): Promise<void> {
    return this.outbox.settled();
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.outbox.close();
    this.events.removeAll();
  }

  private async enqueue(op: SocialOp): Promise<void> {
    this.assertOpen();
    await this.outbox.add(op);
  }

  private id(userId: string): string {
    if (!isId(userId)) throw invalid(`bad user id ${userId}`);
    return userId;
  }

  private pendingRequest(q: QueuedOp): RequestView[] {
    if (q.op.op !== 'request') return [];
    const b = q.op.body;
    const known = b.userId !== undefined ? profileOf(this.doc, b.userId) : null;
    const shown = b.username ?? b.code ?? b.userId ?? '';
    const profile: Profile = known ?? { userId: shown as UserId, username: b.username ?? '', displayName: shown, status: '', avatar: null };
    return [{ ...profile, direction: 'out', note: b.note ?? '', at: q.at, pending: true }];
  }

  private queueChanged(): void {
    if (this.queued) return;
    this.queued = true;
    microtask(() => {
      this.queued = false;
      this.events.emit('changed', this.state());
    });
  }
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(ClientErrorCode.InvalidArgument, message);
}
