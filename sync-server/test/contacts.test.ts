/**
 * Contacts, requests, blocks, privacy, add-friend codes and profiles on the server (SPEC CONTACT-*, BLOCK-1/2,
 * PRIVACY-1, PROFILE-*, SOCIAL-1): every refusal is clear and changes nothing; every change reaches the user docs of
 * both accounts (each device sees it at its next sync). A real server on port 0, real sockets, real SQLite.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  USER_ACCOUNT,
  USER_BLOCKED,
  USER_CONTACTS,
  USER_PEOPLE,
  USER_REQUESTS,
  parseResponse,
  requestKey,
} from '@concord/protocol';
import { createHash } from 'node:crypto';
import { call, convDoc, docOf, rootJson, useTestServer, userDoc } from './socialHarness.js';
import { createConversation, login, register, type Account } from './syncHarness.js';

const server = useTestServer();

const ask = (from: Account, body: Record<string, unknown>) => call(server.srv, 'POST', '/v1/contacts/requests', from, body);
const accept = (who: Account, from: Account) => call(server.srv, 'POST', `/v1/contacts/requests/${from.userId}/accept`, who);
const roots = async (who: Account, root: string) => rootJson(await docOf(server.srv, who, userDoc(who)), root);

async function pair(): Promise<[Account, Account]> {
  const [a, b] = await Promise.all([register(server.srv.http, 'ca'), register(server.srv.http, 'cb')]);
  return [a, b];
}

describe('contacts (CONTACT-*)', () => {
  it('[CONTACT-1] [CONTACT-3] [SOCIAL-1] request with a note, accept: both accounts, every device, see the change in their user doc', async () => {
    const [a, b] = await pair();
    const b2 = await login(server.srv.http, b.username);
    const sent = await ask(a, { username: b.username.toUpperCase(), note: '  from the hike ' });
    expect(sent).toMatchObject({ status: 201, body: { userId: b.userId, state: 'requested' } });
    expect(parseResponse['POST /v1/contacts/requests'](sent.body)).toEqual(sent.body);
    expect(await roots(a, USER_REQUESTS)).toEqual({ [requestKey('out', b.userId)]: { note: 'from the hike', at: expect.any(Number) } });
    expect(rootJson(await docOf(server.srv, b2, userDoc(b)), USER_REQUESTS)).toEqual({ [requestKey('in', a.userId)]: { note: 'from the hike', at: expect.any(Number) } });
    // The requester's name is in the receiver's people root, for the request list.
    expect((await roots(b, USER_PEOPLE))[a.userId]).toMatchObject({ username: a.username });

    expect((await accept(b2, a)).status).toBe(204);
    expect(Object.keys(await roots(a, USER_CONTACTS))).toEqual([b.userId]);
    expect(Object.keys(await roots(b, USER_CONTACTS))).toEqual([a.userId]);
    expect(await roots(a, USER_REQUESTS)).toEqual({});
    expect(await roots(b, USER_REQUESTS)).toEqual({});
    expect((await accept(b, a)).status).toBe(404);
  });

  it('[CONTACT-2] bad requests are clear errors and change nothing: self, unknown, duplicate, already contacts, two names, long note', async () => {
    const [a, b] = await pair();
    expect((await ask(a, { userId: a.userId })).body.error?.message).toMatch(/CONTACT-2: a request to oneself/);
    expect((await ask(a, { username: 'no-such-person-here' })).status).toBe(404);
    expect((await ask(a, { userId: 'nobody' })).status).toBe(404);
    expect((await ask(a, { code: 'AAAAAAAAAAAA' })).status).toBe(404);
    expect((await ask(a, {})).status).toBe(400);
    expect((await ask(a, { userId: b.userId, username: b.username })).status).toBe(400);
    expect((await ask(a, { userId: b.userId, note: 'x'.repeat(201) })).status).toBe(400);
    expect((await ask(a, { userId: b.userId, note: 'bell\u0007' })).status).toBe(400);
    expect(await roots(a, USER_REQUESTS)).toEqual({});
    expect((await ask(a, { userId: b.userId })).status).toBe(201);
    const dup = await ask(a, { userId: b.userId });
    expect(dup).toMatchObject({ status: 409, body: { error: { code: ErrorCode.Conflict } } });
    expect(dup.body.error?.message).toMatch(/already pending/);
    await accept(b, a);
    expect((await ask(b, { userId: a.userId })).body.error?.message).toMatch(/already a contact/);
  });

  it('[CONTACT-2] crossing requests make both contacts at once; cancel and decline remove the request on both sides', async () => {
    const [a, b] = await pair();
    await ask(a, { userId: b.userId });
    expect(await ask(b, { userId: a.userId })).toMatchObject({ status: 200, body: { state: 'contacts' } });
    expect(Object.keys(await roots(a, USER_CONTACTS))).toEqual([b.userId]);

    const [c, d] = await pair();
    await ask(c, { userId: d.userId });
    expect((await call(server.srv, 'DELETE', `/v1/contacts/requests/${d.userId}`, c)).status).toBe(204);
    expect(await roots(d, USER_REQUESTS)).toEqual({});
    expect((await call(server.srv, 'DELETE', `/v1/contacts/requests/${d.userId}`, c)).status).toBe(404);
    await ask(c, { userId: d.userId });
    expect((await call(server.srv, 'POST', `/v1/contacts/requests/${c.userId}/decline`, d)).status).toBe(204);
    expect(await roots(c, USER_REQUESTS)).toEqual({});
    expect(await roots(d, USER_REQUESTS)).toEqual({});
  });

  it('[CONTACT-4] removing a contact removes it on both sides', async () => {
    const [a, b] = await pair();
    await ask(a, { userId: b.userId });
    await accept(b, a);
    expect((await call(server.srv, 'DELETE', `/v1/contacts/${a.userId}`, b)).status).toBe(204);
    expect(await roots(a, USER_CONTACTS)).toEqual({});
    expect(await roots(b, USER_CONTACTS)).toEqual({});
    expect((await call(server.srv, 'DELETE', `/v1/contacts/${a.userId}`, b)).status).toBe(404);
  });

  it('[CONTACT-5] the add-friend code is stable, resolves to its user, works for a request, and a rotated one resolves to no one', async () => {
    const [a, b] = await pair();
    const code = await call(server.srv, 'GET', '/v1/me/code', a);
    expect(parseResponse['GET /v1/me/code'](code.body)).toEqual(code.body);
    expect((await call(server.srv, 'GET', '/v1/me/code', a)).body).toEqual(code.body);
    expect((await roots(a, USER_ACCOUNT))['addCode']).toBe(code.body['code']);
    const found = await call(server.srv, 'GET', `/v1/codes/${String(code.body['code'])}`, b);
    expect(found.body).toEqual({ userId: a.userId, username: a.username, displayName: expect.any(String) });
    const rotated = await call(server.srv, 'POST', '/v1/me/code', a);
    expect(rotated.body['code']).not.toBe(code.body['code']);
    expect((await call(server.srv, 'GET', `/v1/codes/${String(code.body['code'])}`, b)).status).toBe(404);
    expect((await ask(b, { code: code.body['code'] })).status).toBe(404);
    expect((await ask(b, { code: rotated.body['code'] })).status).toBe(201);
    expect((await call(server.srv, 'GET', '/v1/codes/bad!', b)).status).toBe(400);
  });
});

describe('privacy and blocks (PRIVACY-1, BLOCK-1, BLOCK-2)', () => {
  it('[PRIVACY-1] find by username: everyone, contacts only, nobody; a code still works', async () => {
    const [a, b] = await pair();
    const find = (who: Account, name: string) => call(server.srv, 'GET', `/v1/users?username=${name}`, who);
    expect((await find(b, a.username)).status).toBe(200);
    expect((await call(server.srv, 'PUT', '/v1/me/privacy', a, { findBy: 'sometimes' })).status).toBe(400);
    expect((await call(server.srv, 'PUT', '/v1/me/privacy', a, { findBy: 'nobody' })).body).toEqual({ findBy: 'nobody', groupAdd: 'everyone' });
    expect((await roots(a, USER_ACCOUNT))['findBy']).toBe('nobody');
    expect((await find(b, a.username)).status).toBe(404);
    expect((await ask(b, { username: a.username })).status).toBe(404);
    expect((await find(a, a.username)).status).toBe(200);
    await call(server.srv, 'PUT', '/v1/me/privacy', a, { findBy: 'contacts' });
    expect((await find(b, a.username)).status).toBe(404);
    const code = String((await call(server.srv, 'GET', '/v1/me/code', a)).body['code']);
    expect((await ask(b, { code })).status).toBe(201);
    await accept(a, b);
    expect((await find(b, a.username)).status).toBe(200);
  });

  it('[BLOCK-1] [BLOCK-2] a blocked user cannot find, request, or start a direct chat with the blocker, and is told nothing', async () => {
    const [a, b] = await pair();
    await ask(b, { userId: a.userId });
    await accept(a, b);
    const bBefore = { contacts: await roots(b, USER_CONTACTS), blocked: await roots(b, USER_BLOCKED) };
    expect((await call(server.srv, 'PUT', `/v1/blocks/${b.userId}`, a)).status).toBe(204);
    expect((await call(server.srv, 'PUT', `/v1/blocks/${a.userId}`, a)).status).toBe(400);
    expect((await call(server.srv, 'PUT', '/v1/blocks/nobody', a)).status).toBe(404);
    // The blocker's devices: the block listed, the contact hidden.
    expect(Object.keys(await roots(a, USER_BLOCKED))).toEqual([b.userId]);
    expect(await roots(a, USER_CONTACTS)).toEqual({});
    // The blocked side's docs did not change.
    expect({ contacts: await roots(b, USER_CONTACTS), blocked: await roots(b, USER_BLOCKED) }).toEqual(bBefore);
    // Everything the blocked user tries reads as an unknown user.
    const unknown = await call(server.srv, 'GET', '/v1/users?username=no-such-person-here', b);
    const lookup = await call(server.srv, 'GET', `/v1/users?username=${a.username}`, b);
    expect(lookup).toEqual(unknown);
    const req = await ask(b, { userId: a.userId });
    expect(req.status).toBe(404);
    expect(JSON.stringify(req.body)).not.toMatch(/block/i);
    const direct = await call(server.srv, 'POST', '/v1/conversations', b, { kind: 'direct', members: [a.userId] });
    expect(direct.status).toBe(404);
    expect((await call(server.srv, 'POST', '/v1/conversations', b, { kind: 'group', members: [a.userId] })).status).toBe(403);
    // The blocker asking the blocked: unblock first.
    expect((await ask(a, { userId: b.userId })).status).toBe(409);
    // Unblocking shows the contact again.
    expect((await call(server.srv, 'DELETE', `/v1/blocks/${b.userId}`, a)).status).toBe(204);
    expect(Object.keys(await roots(a, USER_CONTACTS))).toEqual([b.userId]);
    expect((await call(server.srv, 'DELETE', `/v1/blocks/${b.userId}`, a)).status).toBe(404);
    expect((await call(server.srv, 'POST', '/v1/conversations', b, { kind: 'direct', members: [a.userId] })).status).toBe(201);
  });
});

describe('profiles (PROFILE-*)', () => {
  it('[PROFILE-1] [PROFILE-2] name, status and avatar: checked, then seen by contacts and by everyone sharing a conversation; a departed member keeps their name', async () => {
    const [a, b] = await pair();
    const c = await register(server.srv.http, 'cc');
    const group = await createConversation(server.srv.http, a, [b, c]);
    expect((await call(server.srv, 'PUT', '/v1/me/profile', a, {})).status).toBe(400);
    expect((await call(server.srv, 'PUT', '/v1/me/profile', a, { displayName: '' })).status).toBe(400);
    expect((await call(server.srv, 'PUT', '/v1/me/profile', a, { status: 'y'.repeat(141) })).status).toBe(400);
    expect((await call(server.srv, 'PUT', '/v1/me/profile', a, { avatar: 'f'.repeat(64) })).status).toBe(404);
    const bytes = new TextEncoder().encode('avatar bytes');
    const blobId = createHash('sha256').update(bytes).digest('hex');
    const put = await fetch(`${server.srv.http}/v1/conversations/${group}/blobs/${blobId}`, { method: 'PUT', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'image/png' }, body: bytes });
    expect(put.status).toBe(201);
    const updated = await call(server.srv, 'PUT', '/v1/me/profile', a, { displayName: 'Ada L.', status: 'on a hike', avatar: blobId });
    expect(updated.body).toEqual({ userId: a.userId, username: a.username, displayName: 'Ada L.', status: 'on a hike', avatar: blobId });
    expect(parseResponse['PUT /v1/me/profile'](updated.body)).toEqual(updated.body);
    for (const who of [a, b, c]) {
      expect((await roots(who, USER_PEOPLE))[a.userId]).toEqual({ username: a.username, displayName: 'Ada L.', status: 'on a hike', avatar: blobId });
    }
    // c leaves; a's later rename still reaches b, and b keeps c's name.
    await call(server.srv, 'POST', `/v1/conversations/${group}/leave`, c);
    expect((await roots(b, USER_PEOPLE))[c.userId]).toMatchObject({ username: c.username });
    expect((await call(server.srv, 'GET', '/v1/me', a)).body['displayName']).toBe('Ada L.');

    // [PROFILE-3] the avatar's bytes, for someone outside the group too, as a download; not for a user a blocked.
    const outsider = await register(server.srv.http, 'co');
    const res = await fetch(`${server.srv.http}/v1/users/${a.userId}/avatar`, { headers: { authorization: `Bearer ${outsider.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    await call(server.srv, 'PUT', `/v1/blocks/${outsider.userId}`, a);
    expect((await fetch(`${server.srv.http}/v1/users/${a.userId}/avatar`, { headers: { authorization: `Bearer ${outsider.token}` } })).status).toBe(404);
    expect((await fetch(`${server.srv.http}/v1/users/${b.userId}/avatar`, { headers: { authorization: `Bearer ${outsider.token}` } })).status).toBe(404);
  });
});

describe('account deletion (ACCOUNT-1) in the social layer', () => {
  it('[ACCOUNT-1] [PROFILE-2] a deleted account leaves every contact list and request; its profile reads "Deleted account" for those who shared a chat', async () => {
    const [a, b] = await pair();
    const c = await register(server.srv.http, 'cz');
    await ask(a, { userId: b.userId });
    await accept(b, a);
    await ask(a, { userId: c.userId });
    await createConversation(server.srv.http, a, [b, c]);
    expect((await call(server.srv, 'DELETE', '/v1/me', a, { password: 'correct horse battery' })).status).toBe(200);
    expect(await roots(b, USER_CONTACTS)).toEqual({});
    expect(await roots(c, USER_REQUESTS)).toEqual({});
    for (const who of [b, c]) expect((await roots(who, USER_PEOPLE))[a.userId]).toMatchObject({ displayName: 'Deleted account' });
  });
});
