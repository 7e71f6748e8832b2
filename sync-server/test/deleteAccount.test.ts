import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { convDocName, userDocName, type DocName } from '@concord/protocol';
import { CONV_MESSAGES, CONV_META, USER_CONVS, USER_DRAFTS } from '@concord/protocol';
import { api, createConversation, login, register, startServer, type ApiErrorBody, type TestServer } from './helpers/server.js';
import { closeCode, openSocket } from './helpers/wait.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

let counter = 0;
function name(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

async function readDoc<T>(doc: DocName, read: (ydoc: Y.Doc) => T): Promise<T> {
  let result: T | undefined;
  await srv.server.sync.transact(doc, (ydoc) => {
    result = read(ydoc);
  });
  return result as T;
}

describe('account deletion', () => {
  it('[ACCOUNT-1] a wrong password is 403 and deletes nothing; no body is 400', async () => {
    const s = await register(srv.url, name('keep'));
    const res = await api<ApiErrorBody>(srv.url, 'DELETE', '/v1/me', { token: s.token, body: { password: 'not-the-password' } });
    expect(res.status).toBe(403);
    expect((await api(srv.url, 'DELETE', '/v1/me', { token: s.token })).status).toBe(400);
    expect((await api(srv.url, 'GET', '/v1/me', { token: s.token })).status).toBe(200);
  });

  it('[ACCOUNT-1] [ACCOUNT-2] deletion ends every session, leaves every chat, empties the user doc, keeps messages and the name', async () => {
    const alice = await register(srv.url, name('alice'));
    const phone = await login(srv.url, alice.username, { password: alice.password });
    const bob = await register(srv.url, name('bob'));
    const carol = await register(srv.url, name('carol'));
    const direct = await createConversation(srv.url, alice.token, 'direct', [bob.userId]);
    const group = await createConversation(srv.url, alice.token, 'group', [bob.userId, carol.userId], 'trio');
    // Alice's message in the group and a draft in her user doc (written as the server: the test is about deletion).
    await srv.server.sync.transact(convDocName(group), (d) => {
      d.getMap<unknown>(CONV_MESSAGES).set(`${alice.userId}.m1`, { id: `${alice.userId}.m1`, author: alice.userId, type: 'text', body: 'hi' });
    });
    await srv.server.sync.transact(userDocName(alice.userId), (d) => d.getMap<unknown>(USER_DRAFTS).set(group, 'unsent words'));
    const phoneWs = await openSocket(`${srv.wsUrl}/v1/doc/${userDocName(alice.userId)}?token=${phone.token}`);
    const phoneClosed = closeCode(phoneWs);

    const res = await api<{ revokedDevices: number; leftConversations: number }>(srv.url, 'DELETE', '/v1/me', {
      token: alice.token,
      body: { password: alice.password },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ revokedDevices: 2, leftConversations: 2 });
    expect(await phoneClosed).toBe(4401);
    for (const token of [alice.token, phone.token]) expect((await api(srv.url, 'GET', '/v1/me', { token })).status).toBe(401);
    expect((await api(srv.url, 'POST', '/v1/sessions', { body: { username: alice.username, password: alice.password } })).status).toBe(401);
    // The name stays reserved but is not found.
    expect((await api(srv.url, 'GET', `/v1/users?username=${alice.username}`, { token: bob.token })).status).toBe(404);
    const again = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', { body: { username: alice.username, password: 'a-fresh-passphrase' } });
    expect(again.status).toBe(409);
    // Nobody can start a chat with the deleted account.
    const newChat = await api(srv.url, 'POST', '/v1/conversations', { token: carol.token, body: { kind: 'direct', members: [alice.userId] } });
    expect(newChat.status).toBe(404);

    // The others' views: alice is no member anywhere; her message stays.
    const convs = await api<{ conversations: { conversationId: string; members: { userId: string }[] }[] }>(srv.url, 'GET', '/v1/conversations', { token: bob.token });
    const byId = new Map(convs.body.conversations.map((c) => [c.conversationId, c.members.map((m) => m.userId)]));
    expect(byId.get(direct)).toEqual([bob.userId]);
    expect(byId.get(group)?.sort()).toEqual([bob.userId, carol.userId].sort());
    expect(await readDoc(convDocName(group), (d) => d.getMap<unknown>(CONV_META).get('members'))).not.toContain(alice.userId);
    const bobsSummary = await readDoc(userDocName(bob.userId), (d) => d.getMap<{ members: string[] }>(USER_CONVS).get(group));
    expect(bobsSummary?.members).not.toContain(alice.userId);
    expect(await readDoc(convDocName(group), (d) => d.getMap<unknown>(CONV_MESSAGES).has(`${alice.userId}.m1`))).toBe(true);
    // Her user doc holds nothing any more, and nobody may open it.
    expect(await readDoc(userDocName(alice.userId), (d) => [...d.share.keys()].flatMap((k) => [...d.getMap<unknown>(k).keys()]))).toEqual([]);
    expect(srv.server.access.canAccess(alice.userId, userDocName(alice.userId))).toBe(false);
    // The group's ownership passed on.
    const roles = await api<{ conversations: { conversationId: string; members: { userId: string; role: string }[] }[] }>(srv.url, 'GET', '/v1/conversations', { token: bob.token });
    expect(roles.body.conversations.find((c) => c.conversationId === group)?.members.some((m) => m.role === 'owner')).toBe(true);
  });
});
