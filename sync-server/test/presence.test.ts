/**
 * Presence as a hostile or curious client sees it on the wire (PRES-1..4): raw sockets, real server. Who hears of a
 * user is the server's decision; a client cannot ask, and cannot send PRESENCE itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, FrameKind, type Frame } from '@concord/protocol';
import { createConversation, MuxClient, register, removeDir, startTestServer, type Account, type TestServer } from './syncHarness.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

function presenceOf(c: MuxClient, userId: string): Extract<Frame, { kind: typeof FrameKind.Presence }>[] {
  return c.frames().filter((f): f is Extract<Frame, { kind: typeof FrameKind.Presence }> => f.kind === FrameKind.Presence && f.userId === userId);
}

async function setVisibility(who: Account, visibility: string): Promise<number> {
  const res = await fetch(`${srv.http}/v1/me/presence`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
    body: JSON.stringify({ visibility }),
  });
  return res.status;
}

/** A PING round trip: every frame the server queued before its PONG has arrived. */
async function settle(c: MuxClient, nonce: number): Promise<void> {
  c.sendFrame({ kind: FrameKind.Ping, nonce });
  await c.waitFrame(FrameKind.Pong, (f) => f.nonce === nonce);
}

describe('presence on the wire', () => {
  it('[PRES-2] [PRES-4] WELCOME is followed by the presence of direct-chat partners only, not of group co-members', async () => {
    const [alice, bob, mallory] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'mallory')]);
    await createConversation(srv.http, alice, [bob], 'direct');
    await createConversation(srv.http, alice, [bob, mallory], 'group');
    const { client: a } = await MuxClient.connect(srv.ws, alice.token);
    const { client: m } = await MuxClient.connect(srv.ws, mallory.token);
    const { client: b } = await MuxClient.connect(srv.ws, bob.token);
    await b.waitFrame(FrameKind.Presence, (f) => f.userId === alice.userId && f.online);
    // Alice hears Bob came online; Mallory, who shares only a group, hears of nobody.
    await a.waitFrame(FrameKind.Presence, (f) => f.userId === bob.userId && f.online);
    await settle(m, 1);
    expect(m.frames().filter((f) => f.kind === FrameKind.Presence)).toEqual([]);
    for (const c of [a, b, m]) c.close();
  });

  it('[PRES-3] a user with visibility nobody is never announced, at WELCOME or on change; the setting is checked', async () => {
    const [alice, bob] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob')]);
    await createConversation(srv.http, alice, [bob], 'direct');
    expect(await setVisibility(alice, 'invisible')).toBe(400);
    expect(await setVisibility(alice, 'nobody')).toBe(200);
    const { client: a } = await MuxClient.connect(srv.ws, alice.token);
    const { client: b } = await MuxClient.connect(srv.ws, bob.token);
    await a.waitFrame(FrameKind.Presence, (f) => f.userId === bob.userId && f.online);
    const { client: a2 } = await MuxClient.connect(srv.ws, alice.token);
    a2.close();
    await settle(b, 2);
    expect(presenceOf(b, alice.userId)).toEqual([]);
    for (const c of [a, b]) c.close();
  });

  it('[PRES-3] visibility contacts: a contact hears of the user, a direct-chat partner who is not one does not; a blocked user never does', async () => {
    const [alice, bob, carol] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'carol')]);
    await createConversation(srv.http, alice, [bob], 'direct');
    const call = async (who: Account, method: string, path: string, body?: unknown): Promise<number> =>
      (await fetch(`${srv.http}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })).status;
    expect(await call(alice, 'POST', '/v1/contacts/requests', { userId: carol.userId })).toBeLessThan(300);
    expect(await call(carol, 'POST', `/v1/contacts/requests/${alice.userId}/accept`)).toBeLessThan(300);
    expect(await setVisibility(alice, 'contacts')).toBe(200);
    const { client: a } = await MuxClient.connect(srv.ws, alice.token);
    const { client: b } = await MuxClient.connect(srv.ws, bob.token);
    const { client: c } = await MuxClient.connect(srv.ws, carol.token);
    await c.waitFrame(FrameKind.Presence, (f) => f.userId === alice.userId && f.online);
    await settle(b, 3);
    expect(presenceOf(b, alice.userId)).toEqual([]);
    // Alice blocks her contact Carol: Carol's next connection hears nothing of her.
    expect(await call(alice, 'PUT', `/v1/blocks/${carol.userId}`)).toBeLessThan(300);
    c.close();
    const { client: c2 } = await MuxClient.connect(srv.ws, carol.token);
    await settle(c2, 4);
    expect(presenceOf(c2, alice.userId)).toEqual([]);
    for (const x of [a, b, c2]) x.close();
  });

  it('[PRES-1] PRESENCE from a client is a protocol error: the socket closes', async () => {
    const alice = await register(srv.http, 'alice');
    const { client } = await MuxClient.connect(srv.ws, alice.token);
    client.sendFrame({ kind: FrameKind.Presence, userId: alice.userId, online: true, lastSeen: 0 });
    expect((await client.waitClose()).code).toBe(CloseCode.ProtocolError);
  });
});
