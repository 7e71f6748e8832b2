/**
 * The social layer's doc roots (SPEC SOCIAL-*, GROUP-*, PROFILE-*): server-only mirrors of the server's contact,
 * request, block, profile and group tables, and the readers clients use for them. Every root here is written by the
 * server only (VAL-3, `SERVER_ROOTS` in roots.ts): the tables decide, the docs carry the outcome to every device of
 * every account concerned, offline reading included.
 *
 * user:<id>
 * - `contacts`: contact userId -> `{since}`.
 * - `requests`: `in:<userId>` / `out:<userId>` -> `{note, at}`: friend requests received and sent.
 * - `blocked`: userId -> `{at}`: users this account blocked (never mirrored to the blocked side).
 * - `people`: userId -> Profile: everyone this account shares a conversation, a contact or a request with, and
 *   itself; entries are kept after a member leaves, so a departed member's messages keep their name.
 * - `account`: `findBy`, `groupAdd` (privacy), `addCode` (the add-friend code).
 *
 * conv:<id> (segment 0)
 * - `meta` gains `roles` (userId -> 'owner' | 'admin'; others are members) and `avatar` (a blob id or absent).
 * - `system`: `<hlc>.<random>` -> SystemEvent: created, joined, left, removed, renamed, ... written by the server.
 */
import { isBlobId } from './blobs.js';
import { DISPLAY_NAME_MAX } from './accountRules.js';
import { isHlc, type Hlc } from './hlc.js';
import { isId, type UserId } from './ids.js';

export const CONV_SYSTEM = 'system';
export const USER_CONTACTS = 'contacts';
export const USER_REQUESTS = 'requests';
export const USER_BLOCKED = 'blocked';
export const USER_PEOPLE = 'people';
export const USER_ACCOUNT = 'account';

/** [GROUP-1] Roles in a group. Direct chats have members only. */
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** [PRIVACY-1] Who may find this account by its username. */
export const FIND_BY = ['everyone', 'contacts', 'nobody'] as const;
export type FindBy = (typeof FIND_BY)[number];
/** [PRIVACY-2] Who may put this account into a group. */
export const GROUP_ADD = ['everyone', 'contacts'] as const;
export type GroupAdd = (typeof GROUP_ADD)[number];

/** [PROFILE-1] Bounds of a profile's fields. */
export const STATUS_MAX = 140;
export const REQUEST_NOTE_MAX = 200;

/** [GROUP-5] What a system event records. */
export const SYSTEM_EVENT_KINDS = ['created', 'joined', 'left', 'removed', 'renamed', 'avatar', 'role', 'owner'] as const;
export type SystemEventKind = (typeof SYSTEM_EVENT_KINDS)[number];

export interface SystemEvent {
  readonly id: string;
  readonly hlc: Hlc;
  readonly kind: SystemEventKind;
  /** Who did it (the creator, the one who added, removed, renamed; the one who left). */
  readonly actor: UserId;
  /** Who it was done to (joined, removed, role, owner); empty otherwise. */
  readonly targets: readonly UserId[];
  /** `renamed`: the new title. `role`: the new role. */
  readonly detail?: string;
}

export interface Profile {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly status: string;
  /** A blob id (64 lowercase hex) or null. */
  readonly avatar: string | null;
}

export interface ContactEntry {
  readonly userId: UserId;
  readonly since: number;
}

export interface RequestEntry {
  readonly userId: UserId;
  readonly direction: 'in' | 'out';
  readonly note: string;
  readonly at: number;
}

export interface PrivacySettings {
  readonly findBy: FindBy;
  readonly groupAdd: GroupAdd;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** A blob id (BLOB-1) held in an `unknown`: an avatar. */
export function isAvatarId(v: unknown): v is string {
  return typeof v === 'string' && isBlobId(v);
}

export function requestKey(direction: 'in' | 'out', userId: string): string {
  return `${direction}:${userId}`;
}

/** A `system` entry, or null for one that is not well formed (a reader is total). */
export function parseSystemEvent(key: string, value: unknown): SystemEvent | null {
  const v = record(value);
  if (v === null || !isHlc(v['hlc']) || !isId(v['actor'])) return null;
  const kind = v['kind'];
  if (typeof kind !== 'string' || !(SYSTEM_EVENT_KINDS as readonly string[]).includes(kind)) return null;
  const targets = Array.isArray(v['targets']) ? v['targets'].filter((t): t is UserId => isId(t)) : [];
  const detail = v['detail'];
  return {
    id: key,
    hlc: v['hlc'],
    kind: kind as SystemEventKind,
    actor: v['actor'] as UserId,
    targets,
    ...(typeof detail === 'string' ? { detail } : {}),
  };
}

export function parseProfile(key: string, value: unknown): Profile | null {
  const v = record(value);
  if (v === null || !isId(key) || typeof v['username'] !== 'string' || typeof v['displayName'] !== 'string') return null;
  return {
    userId: key as UserId,
    username: v['username'],
    displayName: v['displayName'],
    status: typeof v['status'] === 'string' ? v['status'] : '',
    avatar: isAvatarId(v['avatar']) ? v['avatar'] : null,
  };
}

export function parseContact(key: string, value: unknown): ContactEntry | null {
  const v = record(value);
  return v === null || !isId(key) || !isTime(v['since']) ? null : { userId: key as UserId, since: v['since'] };
}

export function parseRequest(key: string, value: unknown): RequestEntry | null {
  const v = record(value);
  const colon = key.indexOf(':');
  const direction = key.slice(0, colon);
  const userId = key.slice(colon + 1);
  if (v === null || (direction !== 'in' && direction !== 'out') || !isId(userId) || !isTime(v['at'])) return null;
  return { userId: userId as UserId, direction, note: typeof v['note'] === 'string' ? v['note'] : '', at: v['at'] };
}

export function parseBlockedAt(value: unknown): number | null {
  const v = record(value);
  return v !== null && isTime(v['at']) ? v['at'] : null;
}

export function isFindBy(v: unknown): v is FindBy {
  return typeof v === 'string' && (FIND_BY as readonly string[]).includes(v);
}

export function isGroupAdd(v: unknown): v is GroupAdd {
  return typeof v === 'string' && (GROUP_ADD as readonly string[]).includes(v);
}

/** [GROUP-1] `meta.roles`: the members with a role above `member`. */
export function parseRoles(value: unknown): ReadonlyMap<UserId, GroupRole> {
  const out = new Map<UserId, GroupRole>();
  const v = record(value);
  if (v === null) return out;
  for (const [k, r] of Object.entries(v)) if (isId(k) && (r === 'owner' || r === 'admin')) out.set(k as UserId, r);
  return out;
}
