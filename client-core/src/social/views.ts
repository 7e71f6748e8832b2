/**
 * What the apps show of the social layer, read from the user doc's server-mirrored roots (SOCIAL-1, PROFILE-2): pure
 * functions over a Y.Doc, so they work offline from the local copy and agree on every device of the account.
 */
import type * as Y from 'yjs';
import {
  USER_ACCOUNT,
  USER_BLOCKED,
  USER_CONTACTS,
  USER_CONVS,
  USER_PEOPLE,
  USER_REQUESTS,
  isFindBy,
  isGroupAdd,
  parseBlockedAt,
  parseContact,
  parseProfile,
  parseRequest,
  parseRoles,
  type GroupRole,
  type PrivacySettings,
  type Profile,
  type UserId,
} from '@concord/protocol';

export interface ContactView extends Profile {
  readonly since: number;
}

export interface RequestView extends Profile {
  readonly direction: 'in' | 'out';
  readonly note: string;
  readonly at: number;
  /** OUTBOX-1: written on this device, not yet taken by the server (offline). */
  readonly pending: boolean;
}

export interface BlockedView extends Profile {
  readonly at: number;
}

export interface MemberView extends Profile {
  readonly role: GroupRole;
}

/** A profile from `people`, or a stand-in with the id as name for someone this device has no profile of yet. */
export function profileOf(doc: Y.Doc, userId: string): Profile {
  return parseProfile(userId, doc.getMap<unknown>(USER_PEOPLE).get(userId)) ?? { userId: userId as UserId, username: '', displayName: userId, status: '', avatar: null };
}

function byName<T extends Profile>(list: T[]): T[] {
  return list.sort((a, b) => a.displayName.localeCompare(b.displayName) || (a.userId < b.userId ? -1 : 1));
}

export function contactsOf(doc: Y.Doc): ContactView[] {
  const out: ContactView[] = [];
  for (const [key, value] of doc.getMap<unknown>(USER_CONTACTS).entries()) {
    const c = parseContact(key, value);
    if (c !== null) out.push({ ...profileOf(doc, c.userId), since: c.since });
  }
  return byName(out);
}

export function requestsOf(doc: Y.Doc, direction: 'in' | 'out'): RequestView[] {
  const out: RequestView[] = [];
  for (const [key, value] of doc.getMap<unknown>(USER_REQUESTS).entries()) {
    const r = parseRequest(key, value);
    if (r !== null && r.direction === direction) out.push({ ...profileOf(doc, r.userId), direction, note: r.note, at: r.at, pending: false });
  }
  return out.sort((a, b) => b.at - a.at);
}

export function blockedOf(doc: Y.Doc): BlockedView[] {
  const out: BlockedView[] = [];
  for (const [key, value] of doc.getMap<unknown>(USER_BLOCKED).entries()) {
    const at = parseBlockedAt(value);
    if (at !== null) out.push({ ...profileOf(doc, key), at });
  }
  return byName(out);
}

/** [PRIVACY-1/2] The settings as last mirrored (the defaults before the first mirror). */
export function privacyOf(doc: Y.Doc): PrivacySettings {
  const account = doc.getMap<unknown>(USER_ACCOUNT);
  const findBy = account.get('findBy');
  const groupAdd = account.get('groupAdd');
  return { findBy: isFindBy(findBy) ? findBy : 'everyone', groupAdd: isGroupAdd(groupAdd) ? groupAdd : 'everyone' };
}

export function addCodeOf(doc: Y.Doc): string | null {
  const code = doc.getMap<unknown>(USER_ACCOUNT).get('addCode');
  return typeof code === 'string' ? code : null;
}

/** [GROUP-1] A conversation's members with their roles and profiles, owner first, then admins, then by name. */
export function membersOf(doc: Y.Doc, conversationId: string): MemberView[] {
  const summary = doc.getMap<unknown>(USER_CONVS).get(conversationId);
  if (typeof summary !== 'object' || summary === null) return [];
  const s = summary as Record<string, unknown>;
  const members = Array.isArray(s['members']) ? s['members'].filter((m): m is string => typeof m === 'string') : [];
  const roles = parseRoles(s['roles']);
  const rank: Readonly<Record<GroupRole, number>> = { owner: 0, admin: 1, member: 2 };
  const out = members.map((m): MemberView => ({ ...profileOf(doc, m), role: roles.get(m as UserId) ?? 'member' }));
  return out.sort((a, b) => rank[a.role] - rank[b.role] || a.displayName.localeCompare(b.displayName) || (a.userId < b.userId ? -1 : 1));
}
