/**
 * Group management (SPEC GROUP-1..GROUP-5, PRIVACY-2): roles and who may do what, rename, avatar, add, remove, leave,
 * transfer of ownership, the `meta` mirror with roles, and the server's system events in the timeline. A real server
 * on port 0, real sockets, real SQLite.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONV_META, CONV_SYSTEM, ErrorCode, USER_CONVS, USER_PEOPLE, parseRoles, parseSystemEvent } from '@concord/protocol';
import { call, convDoc, docOf, rootJson, useTestServer, userDoc } from './socialHarness.js';
import { createConversation, register, type Account } from './syncHarness.js';

const server = useTestServer();
let owner: Account;
let admin: Account;
let member: Account;
let outsider: Account;

beforeAll(async () => {
  [owner, admin, member, outsider] = await Promise.all([register(server.srv.http, 'own'), register(server.srv.http, 'adm'), register(server.srv.http, 'mem'), register(server.srv.http, 'out')]);
});

const path = (id: string, rest = ''): string => `/v1/conversations/${encodeURIComponent(id)}${rest}`;
const setRole = (who: Account, id: string, target: Account, role: string) => call(server.srv, 'PUT', path(id, `/members/${target.userId}/role`), who, { role });
const add = (who: Account, id: string, members: readonly string[]) => call(server.srv, 'POST', path(id, '/members'), who, { members });
const remove = (who: Account, id: string, target: Account) => call(server.srv, 'DELETE', path(id, `/members/${target.userId}`), who);

async function roles(who: Account, id: string): Promise<Record<string, string>> {
  const list = await call(server.srv, 'GET', '/v1/conversations', who);
  const conv = (list.body['conversations'] as { conversationId: string; members: { userId: string; role: string }[] }[]).find((c) => c.conversationId === id);
  return Object.fromEntries((conv?.members ?? []).map((m) => [m.userId, m.role]));
}

async function events(who: Account, id: string): Promise<{ kind: string; actor: string; targets: readonly string[]; detail?: string }[]> {
  const doc = await docOf(server.srv, who, convDoc(id));
  const map = doc.getMap<unknown>(CONV_SYSTEM);
  return [...map.entries()]
    .map(([k, v]) => parseSystemEvent(k, v))
    .filter((e) => e !== null)
    .sort((a, b) => (a.hlc < b.hlc ? -1 : 1))
    .map(({ kind, actor, targets, detail }) => ({ kind, actor, targets, ...(detail === undefined ? {} : { detail }) }));
}

async function groupOfFour(): Promise<string> {
  const id = await createConversation(server.srv.http, owner, [admin, member]);
  expect((await setRole(owner, id, admin, 'admin')).status).toBe(204);
  return id;
}

describe('groups (GROUP-*)', () => {
  it('[GROUP-1] [GROUP-2] the owner names admins; roles show in the listing and in meta.roles on every member', async () => {
    const id = await groupOfFour();
    expect(await roles(member, id)).toEqual({ [owner.userId]: 'owner', [admin.userId]: 'admin', [member.userId]: 'member' });
    const meta = (await docOf(server.srv, member, convDoc(id))).getMap<unknown>(CONV_META);
    expect(Object.fromEntries(parseRoles(meta.get('roles')))).toEqual({ [owner.userId]: 'owner', [admin.userId]: 'admin' });
    // Only the owner changes roles; 'owner' is not a role one sets.
    expect((await setRole(admin, id, member, 'admin')).body.error?.code).toBe(ErrorCode.Forbidden);
    expect((await setRole(member, id, member, 'admin')).status).toBe(403);
    expect((await setRole(owner, id, member, 'owner')).status).toBe(400);
    expect((await setRole(owner, id, owner, 'member')).status).toBe(409);
    expect((await setRole(owner, id, outsider, 'admin')).status).toBe(404);
    expect(await roles(owner, id)).toEqual({ [owner.userId]: 'owner', [admin.userId]: 'admin', [member.userId]: 'member' });
  });

  it('[GROUP-2] who removes whom: the owner anyone but themselves, an admin members only, a member no one; the owner is never removed', async () => {
    const id = await groupOfFour();
    expect(await add(owner, id, [outsider.userId])).toMatchObject({ status: 204 });
    const removeOwner = await remove(admin, id, owner);
    expect(removeOwner.status).toBe(403);
    expect(removeOwner.body.error?.message).toMatch(/GROUP-2: the owner cannot be removed/);
    expect((await remove(member, id, outsider)).status).toBe(403);
    const adminOnAdmin = await setRole(owner, id, member, 'admin').then(() => remove(admin, id, member));
    expect(adminOnAdmin.status).toBe(403);
    await setRole(owner, id, member, 'member');
    expect(await roles(owner, id)).toHaveProperty(member.userId, 'member');
    // Nothing changed by the refusals.
    expect(Object.keys(await roles(owner, id)).sort()).toEqual([owner, admin, member, outsider].map((a) => a.userId).sort());
    expect((await remove(admin, id, outsider)).status).toBe(204);
    expect((await remove(owner, id, admin)).status).toBe(204);
    expect(Object.keys(await roles(owner, id)).sort()).toEqual([owner, member].map((a) => a.userId).sort());
  });

  it('[GROUP-3] owner and admins rename and set an avatar uploaded to the group; members may not; bad titles and avatars change nothing', async () => {
    const id = await groupOfFour();
    expect((await call(server.srv, 'PUT', path(id), member, { title: 'Mine' })).status).toBe(403);
    expect((await call(server.srv, 'PUT', path(id), admin, { title: '   ' })).status).toBe(400);
    expect((await call(server.srv, 'PUT', path(id), admin, { title: 'x'.repeat(101) })).status).toBe(400);
    expect((await call(server.srv, 'PUT', path(id), admin, {})).status).toBe(400);
    expect((await call(server.srv, 'PUT', path(id), admin, { title: 'Hikers' })).status).toBe(204);
    const meta = (await docOf(server.srv, member, convDoc(id))).getMap<unknown>(CONV_META);
    expect(meta.get('title')).toBe('Hikers');
    const convs = rootJson(await docOf(server.srv, member, userDoc(member)), USER_CONVS);
    expect(convs[id]).toMatchObject({ title: 'Hikers' });

    // An avatar must be a blob of this group, small.
    const unknownBlob = 'a'.repeat(64);
    expect((await call(server.srv, 'PUT', path(id), admin, { avatar: unknownBlob })).status).toBe(404);
    expect((await call(server.srv, 'PUT', path(id), admin, { avatar: 'not-a-blob' })).status).toBe(400);
    const big = new Uint8Array(300 * 1024).fill(7);
    const bigId = await upload(admin, id, big);
    expect((await call(server.srv, 'PUT', path(id), admin, { avatar: bigId })).body.error?.code).toBe(ErrorCode.TooBig);
    const small = new TextEncoder().encode('a small square avatar');
    const smallId = await upload(admin, id, small);
    expect((await call(server.srv, 'PUT', path(id), admin, { avatar: smallId })).status).toBe(204);
    expect((await docOf(server.srv, member, convDoc(id))).getMap<unknown>(CONV_META).get('avatar')).toBe(smallId);
    expect((await call(server.srv, 'PUT', path(id), owner, { avatar: null })).status).toBe(204);
    expect((await docOf(server.srv, member, convDoc(id))).getMap<unknown>(CONV_META).has('avatar')).toBe(false);
    // Direct chats have no title to set.
    const direct = await createConversation(server.srv.http, owner, [member], 'direct');
    expect((await call(server.srv, 'PUT', path(direct), owner, { title: 'x' })).status).toBe(409);
  });

  it('[GROUP-4] adding: all or nothing; unknown users 404, over the limit 400, members only 403; added members see the group', async () => {
    const id = await groupOfFour();
    expect((await add(member, id, [outsider.userId])).status).toBe(403);
    expect((await add(admin, id, [outsider.userId, 'no-such-user'])).status).toBe(404);
    expect((await add(admin, id, ['bad id!'])).status).toBe(400);
    const tooMany = Array.from({ length: 254 }, (_, i) => `u${i}`);
    const over = await add(admin, id, [outsider.userId, ...tooMany]);
    expect(over.status).toBe(400);
    expect(over.body.error?.message).toMatch(/at most 256/);
    expect(Object.keys(await roles(owner, id))).not.toContain(outsider.userId);
    expect((await add(admin, id, [member.userId])).status).toBe(400);
    expect((await add(admin, id, [outsider.userId])).status).toBe(204);
    const convs = rootJson(await docOf(server.srv, outsider, userDoc(outsider)), USER_CONVS);
    expect(convs[id]).toMatchObject({ kind: 'group', members: expect.arrayContaining([outsider.userId, owner.userId]) });
    // The new member's people root names everyone in the group.
    const people = rootJson(await docOf(server.srv, outsider, userDoc(outsider)), USER_PEOPLE);
    expect(people[owner.userId]).toMatchObject({ username: owner.username });
  });

  it('[GROUP-2] transfer of ownership: owner only, to a member; the old owner stays as an admin; an owner who leaves passes it to an admin first', async () => {
    const id = await groupOfFour();
    expect((await call(server.srv, 'POST', path(id, '/owner'), admin, { userId: member.userId })).status).toBe(403);
    expect((await call(server.srv, 'POST', path(id, '/owner'), owner, { userId: outsider.userId })).status).toBe(404);
    expect((await call(server.srv, 'POST', path(id, '/owner'), owner, { userId: member.userId })).status).toBe(204);
    expect(await roles(owner, id)).toEqual({ [owner.userId]: 'admin', [admin.userId]: 'admin', [member.userId]: 'owner' });
    // The new owner leaves: the longest-standing admin takes over (admins before members).
    expect((await call(server.srv, 'POST', path(id, '/leave'), member)).status).toBe(204);
    const after = await roles(owner, id);
    expect(Object.values(after).filter((r) => r === 'owner')).toHaveLength(1);
    // Both remaining are admins who joined at creation: one of them owns it now (joining time, then id).
    const [first] = [owner.userId, admin.userId].sort();
    expect(after[first ?? '']).toBe('owner');
  });

  it('[GROUP-5] system events: created, joined, renamed, role, removed, left, in order, by the server, seen by members', async () => {
    const id = await createConversation(server.srv.http, owner, [admin]);
    await add(owner, id, [member.userId, outsider.userId]);
    await call(server.srv, 'PUT', path(id), owner, { title: 'Trip' });
    await setRole(owner, id, admin, 'admin');
    await remove(admin, id, outsider);
    await call(server.srv, 'POST', path(id, '/leave'), member);
    expect(await events(admin, id)).toEqual([
      { kind: 'created', actor: owner.userId, targets: [admin.userId] },
      { kind: 'joined', actor: owner.userId, targets: [member.userId, outsider.userId] },
      { kind: 'renamed', actor: owner.userId, targets: [], detail: 'Trip' },
      { kind: 'role', actor: owner.userId, targets: [admin.userId], detail: 'admin' },
      { kind: 'removed', actor: admin.userId, targets: [outsider.userId] },
      { kind: 'left', actor: member.userId, targets: [] },
    ]);
    // A refused change writes no event.
    await call(server.srv, 'PUT', path(id), owner, { title: '' });
    expect(await events(owner, id)).toHaveLength(6);
  });

  it('[PRIVACY-2] a user who lets only contacts add them cannot be put into a group by others, at creation or later; nothing changes', async () => {
    const shy = await register(server.srv.http, 'shy');
    expect((await call(server.srv, 'PUT', '/v1/me/privacy', shy, { groupAdd: 'contacts' })).body).toEqual({ findBy: 'everyone', groupAdd: 'contacts' });
    const before = (await call(server.srv, 'GET', '/v1/conversations', owner)).body['conversations'] as unknown[];
    const refused = await call(server.srv, 'POST', '/v1/conversations', owner, { kind: 'group', members: [member.userId, shy.userId] });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/PRIVACY-2/);
    expect((await call(server.srv, 'GET', '/v1/conversations', owner)).body['conversations']).toHaveLength(before.length);
    const id = await createConversation(server.srv.http, owner, [member]);
    expect((await add(owner, id, [shy.userId])).status).toBe(403);
    // Once contacts, it works.
    expect((await call(server.srv, 'POST', '/v1/contacts/requests', owner, { userId: shy.userId })).status).toBe(201);
    expect((await call(server.srv, 'POST', `/v1/contacts/requests/${owner.userId}/accept`, shy)).status).toBe(204);
    expect((await add(owner, id, [shy.userId])).status).toBe(204);
  });
});

async function upload(who: Account, conversationId: string, bytes: Uint8Array): Promise<string> {
  const blobId = createHash('sha256').update(bytes).digest('hex');
  const res = await fetch(`${server.srv.http}/v1/conversations/${conversationId}/blobs/${blobId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'image/png' },
    body: Buffer.from(bytes),
  });
  expect(res.status).toBe(201);
  return blobId;
}
