/**
 * The mirror of server-authored facts into docs (SPEC HTTP-12, HTTP-22, GROUP-5, SOCIAL-1, PROFILE-2): `meta` and
 * `system` of `conv:<id>`, and the `convs`, `people`, `contacts`, `requests`, `blocked` and `account` roots of each
 * `user:<id>`. Each doc's values are read from the tables inside its own write, so two changes in flight together
 * never leave an older value behind, and only values that differ are written, so repeating a mirror heals one a
 * crash interrupted without growing the docs.
 */
import {
  CONV_META,
  CONV_SYSTEM,
  USER_ACCOUNT,
  USER_BLOCKED,
  USER_CONTACTS,
  USER_CONVS,
  USER_PEOPLE,
  USER_REQUESTS,
  convDocName,
  encodeHlc,
  requestKey,
  userDocName,
  type ConversationId,
  type ConversationSummary,
  type Hlc,
  type Profile,
  type SystemEventKind,
  type UserId,
} from '@concord/protocol';
import type * as Y from 'yjs';
import type { Clock } from '../config.js';
import type { ConversationRepo, MemberRow } from '../db/conversations.js';
import type { GroupRepo } from '../db/groups.js';
import { newId } from '../db/ids.js';
import type { SocialRepo } from '../db/social.js';
import { DELETED_ACCOUNT_NAME, type UserRepo } from '../db/users.js';
import type { ServerDocWriter } from '../seams.js';
import type { SegmentDocs } from './conversations.js';

/** A system event to write with a conversation's mirror (GROUP-5). */
export interface NewSystemEvent {
  readonly kind: SystemEventKind;
  readonly actor: UserId;
  readonly targets?: readonly UserId[];
  readonly detail?: string;
}

export interface MirrorDeps {
  readonly users: UserRepo;
  readonly conversations: ConversationRepo;
  readonly groups: GroupRepo;
  readonly social: SocialRepo;
  readonly docs: ServerDocWriter;
  readonly clock: Clock;
  readonly segments: SegmentDocs | null;
}

export class Mirror {
  private lastMs = 0;
  private counter = 0;

  constructor(private readonly d: MirrorDeps) {}

  /** [PROFILE-1] A user's public profile as the tables hold it; a deleted account shows as such (ACCOUNT-2). */
  profile(userId: UserId): Profile {
    const user = this.d.users.byId(userId);
    const s = this.d.social.settings(userId);
    if (user === null || (user.deletedAt ?? null) !== null) {
      return { userId, username: user?.username ?? '', displayName: DELETED_ACCOUNT_NAME, status: '', avatar: null };
    }
    return { userId, username: user.username, displayName: user.displayName, status: s.status, avatar: s.avatar };
  }

  /** [GROUP-5] A server HLC: strictly increasing within this process, so one request's events keep their order. */
  private stamp(): Hlc {
    const now = this.d.clock();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else this.counter++;
    return encodeHlc(this.lastMs, this.counter);
  }

  /**
   * [HTTP-12] [HTTP-22] [GROUP-5] Mirrors a conversation's row, members and roles into `meta` of segment 0 (with the
   * `events` as `system` entries, in the same write), and into `convs` and `people` of every member's user doc;
   * `removed` users lose their `convs` entry. The server's write to segment 0 makes the sync side re-check that
   * doc's subscribers; loaded segments k >= 1 get the same re-check through an empty write (SYNC-6).
   */
  async conversation(conversationId: ConversationId, removed: readonly UserId[], events: readonly NewSystemEvent[] = []): Promise<void> {
    const current = () => {
      const conv = this.d.conversations.byId(conversationId);
      if (conv === null) return null;
      const members = this.d.conversations.members(conversationId);
      return { conv, members, avatar: this.d.groups.avatar(conversationId) };
    };
    const stamped = events.map((e) => ({ id: newId(), hlc: this.stamp(), ...e }));
    await this.d.docs.transact(convDocName(conversationId), (ydoc) => {
      const now = current();
      if (now === null) return;
      const map = ydoc.getMap<unknown>(CONV_META);
      setIfChanged(map, 'kind', now.conv.kind);
      setIfChanged(map, 'title', now.conv.title);
      setIfChanged(map, 'members', now.members.map((m) => m.userId));
      setIfChanged(map, 'createdAt', now.conv.createdAt);
      setIfChanged(map, 'createdBy', now.conv.createdBy);
      if (now.conv.kind === 'group') {
        setIfChanged(map, 'roles', rolesOf(now.members));
        if (now.avatar === null) {
          if (map.has('avatar')) map.delete('avatar');
        } else setIfChanged(map, 'avatar', now.avatar);
      }
      const system = ydoc.getMap<unknown>(CONV_SYSTEM);
      for (const e of stamped) {
        system.set(e.id, { hlc: e.hlc, kind: e.kind, actor: e.actor, targets: e.targets ?? [], ...(e.detail === undefined ? {} : { detail: e.detail }) });
      }
    });
    const after = current();
    const members = after?.members.map((m) => m.userId) ?? [];
    const profiles = members.map((m) => this.profile(m));
    const affected = [...new Set([...members, ...removed])];
    await Promise.all(
      affected.map((user) =>
        this.d.docs.transact(userDocName(user), (ydoc) => {
          const now = current();
          const convs = ydoc.getMap<unknown>(USER_CONVS);
          if (now === null || !now.members.some((m) => m.userId === user)) {
            if (convs.has(conversationId)) convs.delete(conversationId);
            return;
          }
          // [GROUP-1] roles and avatar ride along, so a device lists a group's members and roles from its user doc.
          const summary: ConversationSummary & { avatar?: string; roles?: Record<string, string> } = {
            kind: now.conv.kind,
            title: now.conv.title,
            members: now.members.map((m) => m.userId),
            createdAt: now.conv.createdAt,
            ...(now.avatar === null ? {} : { avatar: now.avatar }),
            ...(now.conv.kind === 'group' ? { roles: rolesOf(now.members) } : {}),
          };
          setIfChanged(convs, conversationId, summary);
          // [PROFILE-2] every member's name and avatar, kept after they leave (a departed member's messages keep it).
          const people = ydoc.getMap<unknown>(USER_PEOPLE);
          for (const p of profiles) setIfChanged(people, p.userId, profileValue(p));
        }),
      ),
    );
    if (removed.length > 0) await this.recheckSegments(conversationId);
  }

  /**
   * [SOCIAL-1] Mirrors `user`'s contacts, requests, blocks and settings into its own user doc, and the profiles of
   * everyone they concern into its `people`. Entries the tables no longer hold are deleted (but `people` entries
   * stay: a name once shown keeps showing).
   */
  async user(user: UserId): Promise<void> {
    await this.d.docs.transact(userDocName(user), (ydoc) => {
      const s = this.d.social;
      const blocked = s.blockedBy(user);
      // [BLOCK-1] the blocker's devices hide a blocked user's contact entry and requests (the rows stay: unblocking
      // shows them again, and the blocked side, who is not told, sees nothing change).
      const hidden = new Set<string>(blocked.map((b) => b.userId));
      const contacts = s.contactsOf(user).filter((c) => !hidden.has(c.userId));
      const requests = s.requestsOf(user).filter((r) => !hidden.has(r.from === user ? r.to : r.from));
      syncMap(ydoc.getMap<unknown>(USER_CONTACTS), new Map(contacts.map((c) => [c.userId, { since: c.since }])));
      syncMap(
        ydoc.getMap<unknown>(USER_REQUESTS),
        new Map(requests.map((r) => (r.from === user ? [requestKey('out', r.to), { note: r.note, at: r.createdAt }] : [requestKey('in', r.from), { note: r.note, at: r.createdAt }]))),
      );
      syncMap(ydoc.getMap<unknown>(USER_BLOCKED), new Map(blocked.map((b) => [b.userId, { at: b.at }])));
      const settings = s.settings(user);
      const account = ydoc.getMap<unknown>(USER_ACCOUNT);
      setIfChanged(account, 'findBy', settings.findBy);
      setIfChanged(account, 'groupAdd', settings.groupAdd);
      if (settings.addCode !== null) setIfChanged(account, 'addCode', settings.addCode);
      const people = ydoc.getMap<unknown>(USER_PEOPLE);
      const concerned = new Set<UserId>([user, ...contacts.map((c) => c.userId), ...blocked.map((b) => b.userId)]);
      for (const r of requests) concerned.add(r.from === user ? r.to : r.from);
      for (const id of concerned) setIfChanged(people, id, profileValue(this.profile(id)));
    });
  }

  /**
   * [PROFILE-2] A profile changed: every user doc that shows it (its own, its contacts', its requests', and those of
   * everyone sharing a conversation with it) gets the new value, so their devices see it live and keep it offline.
   */
  async profileChanged(user: UserId): Promise<void> {
    const value = profileValue(this.profile(user));
    const audience = this.audienceOf(user);
    await Promise.all([...audience].map((u) => this.d.docs.transact(userDocName(u), (ydoc) => setIfChanged(ydoc.getMap<unknown>(USER_PEOPLE), user, value))));
  }

  /** [PROFILE-2] Everyone whose user doc shows `user`'s profile: itself, its contacts, requests and co-members. */
  audienceOf(user: UserId): Set<UserId> {
    const audience = new Set<UserId>([user, ...this.d.social.contactsOf(user).map((c) => c.userId)]);
    for (const r of this.d.social.requestsOf(user)) audience.add(r.from === user ? r.to : r.from);
    for (const c of this.d.conversations.ofUser(user)) for (const m of this.d.conversations.members(c.id)) audience.add(m.userId);
    return audience;
  }

  /**
   * [ACCOUNT-1] A deleted account: its contacts and requests go, the lists of those concerned are mirrored again,
   * and its profile reads "Deleted account" in every doc that showed it (`audience`, taken before it left its
   * conversations), so its old messages keep a name.
   */
  async accountDeleted(user: UserId, audience: ReadonlySet<UserId>): Promise<void> {
    const touched = this.d.social.dropAllOf(user);
    await Promise.all(touched.map((u) => this.user(u)));
    const value = profileValue(this.profile(user));
    const others = [...audience].filter((u) => u !== user);
    await Promise.all(others.map((u) => this.d.docs.transact(userDocName(u), (ydoc) => setIfChanged(ydoc.getMap<unknown>(USER_PEOPLE), user, value))));
  }

  private async recheckSegments(conversationId: ConversationId): Promise<void> {
    if (this.d.segments === null) return;
    for (const doc of this.d.segments.loadedSegments(conversationId)) await this.d.docs.transact(doc, () => undefined);
  }
}

function rolesOf(members: readonly MemberRow[]): Record<string, string> {
  return Object.fromEntries(members.filter((m) => m.role !== 'member').map((m) => [m.userId, m.role]));
}

function profileValue(p: Profile): Record<string, unknown> {
  return { username: p.username, displayName: p.displayName, status: p.status, ...(p.avatar === null ? {} : { avatar: p.avatar }) };
}

export function setIfChanged(map: Y.Map<unknown>, key: string, value: unknown): void {
  if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
}

/** Makes `map` hold exactly `wanted` (writing only what differs). */
function syncMap(map: Y.Map<unknown>, wanted: ReadonlyMap<string, unknown>): void {
  for (const key of [...map.keys()]) if (!wanted.has(key)) map.delete(key);
  for (const [key, value] of wanted) setIfChanged(map, key, value);
}
