/**
 * Profiles, privacy settings and the add-friend code (SPEC PROFILE-1/2, PRIVACY-1/2, CONTACT-5). A change is written
 * to the tables, then mirrored into every user doc that shows it before the answer.
 */
import { randomBytes } from 'node:crypto';
import {
  DISPLAY_NAME_MAX,
  ErrorCode,
  STATUS_MAX,
  isBlobId,
  isFindBy,
  isGroupAdd,
  isId,
  type AddCode,
  type FoundUser,
  type PrivacySettings,
  type Profile,
  type UserId,
} from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import { labelProblem } from '../auth/rules.js';
import type { BlobFile, BlobFiles } from '../db/blobFiles.js';
import type { SocialRepo } from '../db/social.js';
import { isActive, type UserRepo } from '../db/users.js';
import { badRequest, notFound } from './errors.js';
import { MAX_AVATAR_BYTES } from './groups.js';
import type { Mirror } from './mirror.js';
import type { SocialGate } from './socialGate.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface ProfileDeps {
  readonly files: Pick<BlobFiles, 'open'>;
  readonly users: UserRepo;
  readonly social: SocialRepo;
  readonly gate: SocialGate;
  readonly mirror: Mirror;
}

export class ProfileService {
  constructor(private readonly d: ProfileDeps) {}

  /**
   * [PROFILE-1] Changes the caller's display name (1 to 64 characters), status line (0 to 140) and/or avatar (a blob
   * the caller uploaded, at most 256 KiB; null removes it). All checked before anything changes.
   */
  async update(caller: UserId, change: { displayName?: string | undefined; status?: string | undefined; avatar?: string | null | undefined }): Promise<Profile> {
    if (change.displayName === undefined && change.status === undefined && change.avatar === undefined) throw badRequest('nothing to change');
    const name = change.displayName?.trim();
    if (name !== undefined) {
      const problem = labelProblem(name, 'displayName', DISPLAY_NAME_MAX);
      if (problem !== null) throw badRequest(`PROFILE-1: ${problem}`);
    }
    const status = change.status?.trim();
    if (status !== undefined && ([...status].length > STATUS_MAX || CONTROL.test(status))) {
      throw badRequest(`PROFILE-1: a status is at most ${STATUS_MAX} characters without control characters`);
    }
    const avatar = change.avatar;
    if (avatar !== undefined && avatar !== null) {
      if (!isBlobId(avatar)) throw badRequest('PROFILE-1: avatar must be a blob id (64 lowercase hex)');
      const size = this.d.social.uploadedBlobSize(caller, avatar);
      if (size === null) throw notFound('PROFILE-1: the avatar must be uploaded by this account first');
      if (size > MAX_AVATAR_BYTES) throw new ServiceError(ErrorCode.TooBig, `PROFILE-1: an avatar is at most ${MAX_AVATAR_BYTES} bytes`);
    }
    if (name !== undefined) this.d.social.setDisplayName(caller, name);
    if (status !== undefined) this.d.social.set(caller, 'status', status);
    if (avatar !== undefined) this.d.social.set(caller, 'avatar', avatar);
    await this.d.mirror.profileChanged(caller);
    return this.d.mirror.profile(caller);
  }

  /**
   * [PROFILE-3] A user's avatar bytes, for anyone signed in whom the user has not blocked (the avatar's blob may sit
   * in a conversation the caller is not in). 404 when there is none.
   */
  avatar(caller: UserId, userId: string): { blobId: string; open: () => Promise<BlobFile> } {
    if (!isId(userId)) throw badRequest('userId must be an id');
    const user = this.d.users.byId(userId);
    const blobId = isActive(user) && !this.d.gate.blocks(user.id, caller) ? this.d.social.settings(user.id).avatar : null;
    if (blobId === null) throw notFound('no avatar');
    return {
      blobId,
      open: async () => {
        const file = await this.d.files.open(blobId);
        if (file === null) throw notFound('no avatar');
        return file;
      },
    };
  }

  /** [PRIVACY-1] [PRIVACY-2] */
  async setPrivacy(caller: UserId, change: { findBy?: string | undefined; groupAdd?: string | undefined }): Promise<PrivacySettings> {
    if (change.findBy === undefined && change.groupAdd === undefined) throw badRequest('nothing to change');
    if (change.findBy !== undefined && !isFindBy(change.findBy)) throw badRequest('PRIVACY-1: findBy is "everyone", "contacts" or "nobody"');
    if (change.groupAdd !== undefined && !isGroupAdd(change.groupAdd)) throw badRequest('PRIVACY-2: groupAdd is "everyone" or "contacts"');
    if (change.findBy !== undefined) this.d.social.set(caller, 'find_by', change.findBy);
    if (change.groupAdd !== undefined) this.d.social.set(caller, 'group_add', change.groupAdd);
    await this.d.mirror.user(caller);
    const s = this.d.social.settings(caller);
    return { findBy: s.findBy, groupAdd: s.groupAdd };
  }

  /** [CONTACT-5] The caller's add-friend code, made on first use; stable until rotated. */
  async code(caller: UserId): Promise<AddCode> {
    const existing = this.d.social.settings(caller).addCode;
    return existing === null ? this.rotateCode(caller) : { code: existing };
  }

  /** [CONTACT-5] A new code; the old one resolves to no one from now on. */
  async rotateCode(caller: UserId): Promise<AddCode> {
    const code = randomBytes(12).toString('base64url');
    this.d.social.set(caller, 'add_code', code);
    await this.d.mirror.user(caller);
    return { code };
  }

  /** [CONTACT-5] The user a code names (a code is shared on purpose, so PRIVACY-1 does not apply; BLOCK-2 does). */
  resolveCode(caller: UserId, code: string): FoundUser {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(code)) throw badRequest('CONTACT-5: not an add-friend code');
    const id = this.d.social.userByCode(code);
    const user = id === null ? null : this.d.users.byId(id);
    if (!isActive(user) || (user.id !== caller && this.d.gate.blocks(user.id, caller))) throw notFound('no such user');
    return { userId: user.id, username: user.username, displayName: user.displayName };
  }
}
