/**
 * The social routes' bodies (SPEC GROUP-*, CONTACT-*, PRIVACY-*, PROFILE-*), listed in `HttpRoutes` (httpTypes.ts),
 * and the readers of their answers (PROTO-1).
 */
import type { UserId } from './ids.js';
import { asUserId, isId } from './ids.js';
import { isFindBy, isGroupAdd, isAvatarId, type FindBy, type GroupAdd, type PrivacySettings, type Profile } from './social.js';

/** `PUT /v1/conversations/:id` (GROUP-3): a new title and/or avatar (a blob id of the group, or null to remove). */
export interface UpdateGroupRequest {
  readonly title?: string;
  readonly avatar?: string | null;
}

/** `POST /v1/conversations/:id/members` (GROUP-4): user ids to add. */
export interface AddMembersRequest {
  readonly members: readonly string[];
}

/** `PUT /v1/conversations/:id/members/:userId/role` (GROUP-2). */
export interface SetRoleRequest {
  readonly role: 'admin' | 'member';
}

/** `POST /v1/conversations/:id/owner` (GROUP-2): ownership passes to `userId`; the old owner becomes an admin. */
export interface TransferOwnerRequest {
  readonly userId: string;
}

/** `POST /v1/contacts/requests` (CONTACT-1): exactly one of `userId`, `username`, `code` names the other user. */
export interface FriendRequestBody {
  readonly userId?: string;
  readonly username?: string;
  readonly code?: string;
  readonly note?: string;
}

/** `requested`: a request is pending; `contacts`: the other side had asked this account too, so both are contacts. */
export interface FriendRequestResult {
  readonly userId: UserId;
  readonly state: 'requested' | 'contacts';
}

/** `PUT /v1/me/privacy` (PRIVACY-1/2): the fields to change. */
export interface PrivacyUpdate {
  readonly findBy?: FindBy;
  readonly groupAdd?: GroupAdd;
}

/** `PUT /v1/me/profile` (PROFILE-1): the fields to change; `avatar` null removes it. */
export interface ProfileUpdate {
  readonly displayName?: string;
  readonly status?: string;
  readonly avatar?: string | null;
}

/** `GET`/`POST /v1/me/code` (CONTACT-5): the add-friend code. */
export interface AddCode {
  readonly code: string;
}

type JsonObject = Readonly<Record<string, unknown>>;
function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseFriendRequestResult(j: unknown): FriendRequestResult | null {
  if (!isObject(j) || !isId(j['userId']) || (j['state'] !== 'requested' && j['state'] !== 'contacts')) return null;
  return { userId: asUserId(j['userId']), state: j['state'] };
}

export function parsePrivacy(j: unknown): PrivacySettings | null {
  if (!isObject(j) || !isFindBy(j['findBy']) || !isGroupAdd(j['groupAdd'])) return null;
  return { findBy: j['findBy'], groupAdd: j['groupAdd'] };
}

export function parseProfileBody(j: unknown): Profile | null {
  if (!isObject(j) || !isId(j['userId']) || typeof j['username'] !== 'string' || typeof j['displayName'] !== 'string') return null;
  if (typeof j['status'] !== 'string' || (j['avatar'] !== null && !isAvatarId(j['avatar']))) return null;
  return { userId: asUserId(j['userId']), username: j['username'], displayName: j['displayName'], status: j['status'], avatar: j['avatar'] };
}

export function parseAddCode(j: unknown): AddCode | null {
  return isObject(j) && typeof j['code'] === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(j['code']) ? { code: j['code'] } : null;
}
