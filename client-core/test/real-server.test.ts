import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealBackend } from './helpers/realBackend.js';
import { TestDevice } from './helpers/devices.js';
import { clientEvents, convEvents, until } from './helpers/wait.js';

let be: RealBackend;
const devices: TestDevice[] = [];
beforeAll(async () => {
  be = await RealBackend.start();
});
afterAll(async () => {
  await be.stop();
});
afterEach(async () => {
  for (const d of devices.splice(0)) await d.shutdown().catch(() => undefined);
});

let n = 0;
const uniq = (s: string): string => `${s}${++n}${Date.now() % 100000}`;

describe('against the real sync-server', () => {
  it('[MSG-1] two users exchange messages through the real server', async () => {
    const a = new TestDevice('alice', be);
    const b = new TestDevice('bob', be);
    devices.push(a, b);
    await a.boot();
    await b.boot();
    await a.client.register(uniq('alice'), 'password-alice-1');
    const bob = await b.client.register(uniq('bob'), 'password-bob-1');
    await a.waitOnline();
    await b.waitOnline();
    const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
    await until('bob sees the conversation', () => b.client.conversations().some((c) => c.id === convId), [clientEvents(b.client)]);
    const ca = await a.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    const m = await ca.send('hello over the wire');
    await until('bob has it', () => cb.message(m.id) !== null, [convEvents(cb)]);
    await until('sent->delivered', () => ca.message(m.id)?.status === 'delivered', [convEvents(ca)]);
    await cb.markRead();
    await until('read', () => ca.message(m.id)?.status === 'read', [convEvents(ca)]);
    expect(b.client.conversations()[0]?.unread).toBe(0);
  });

  it('[SESSION-2] the registering device and a login device are listed under the names their apps gave', async () => {
    const a = new TestDevice('alice', be);
    const a2 = new TestDevice('alice-phone', be);
    devices.push(a, a2);
    await a.boot();
    await a2.boot();
    const name = uniq('alice');
    await a.client.register(name, 'password-alice-1');
    await a2.client.login(name, 'password-alice-1');
    const names = (await a.client.devices()).map((d) => d['name']).sort();
    expect(names).toEqual(["alice's test device", "alice-phone's test device"]);
  });

  it('[PROTO-2] the account and the members\' names come through client-core, read with the protocol types', async () => {
    const a = new TestDevice('alice', be);
    const b = new TestDevice('bob', be);
    devices.push(a, b);
    await a.boot();
    await b.boot();
    const aliceName = uniq('alice');
    const bobName = uniq('bob');
    const alice = await a.client.register(aliceName, 'password-alice-1', 'Alice A.');
    const bob = await b.client.register(bobName, 'password-bob-1');
    expect(await a.client.account()).toEqual({ userId: alice.userId, username: aliceName, displayName: 'Alice A.', deviceId: alice.deviceId, createdAt: expect.any(Number) });
    expect(await a.client.memberDirectory()).toEqual([]);
    await a.client.createConversation({ kind: 'group', members: [bob.userId], title: 'one' });
    await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
    // Each member once, whatever the number of shared conversations.
    const members = await a.client.memberDirectory();
    expect([...members].sort((x, y) => x.username.localeCompare(y.username))).toEqual([
      { userId: alice.userId, username: aliceName, displayName: 'Alice A.' },
      { userId: bob.userId, username: bobName, displayName: bobName },
    ]);
  });

  it('[SYNC-9] updates the server cannot take for now (rate limited) go out again on their own: nothing fails', async () => {
    // A server whose rate limit a quick burst of sends exceeds.
    const slow = await RealBackend.start({ trust: { connectionUpdatesPerSecond: 5, connectionUpdateBurst: 3, userUpdatesPerSecond: 5, userUpdateBurst: 3 } });
    try {
      const a = new TestDevice('alice', slow);
      const b = new TestDevice('bob', slow);
      devices.push(a, b);
      await a.boot();
      await b.boot();
      await a.client.register(uniq('alice'), 'password-alice-1');
      const bob = await b.client.register(uniq('bob'), 'password-bob-1');
      await a.waitOnline();
      await b.waitOnline();
      const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
      const ca = await a.client.conversation(convId);
      const rejected: string[] = [];
      a.client.events.on('rejected', (r) => rejected.push(r.code));
      const sent: Awaited<ReturnType<typeof ca.send>>[] = [];
      for (let i = 0; i < 12; i++) sent.push(await ca.send(`burst ${i}`));
      await until(
        'every message sent without a retry by hand',
        () => sent.every((m) => ['sent', 'delivered', 'read'].includes(ca.message(m.id)?.status ?? '')),
        [convEvents(ca)],
        30_000,
      );
      expect(rejected).toContain('rate_limited');
      expect(sent.some((m) => ca.message(m.id)?.status === 'failed')).toBe(false);
    } finally {
      await slow.stop();
    }
  }, 40_000);

  it('[AUTH-14] changePassword signs the other devices out and the new password logs in', async () => {
    const a = new TestDevice('alice', be);
    const a2 = new TestDevice('alice-phone', be);
    const a3 = new TestDevice('alice-tablet', be);
    devices.push(a, a2, a3);
    await a.boot();
    await a2.boot();
    await a3.boot();
    const name = uniq('alice');
    await a.client.register(name, 'password-alice-1');
    await a2.client.login(name, 'password-alice-1');
    await a2.waitOnline();
    let invalid = false;
    a2.client.events.on('sessionInvalid', () => {
      invalid = true;
    });
    await expect(a.client.changePassword('not-my-password', 'password-alice-2')).rejects.toMatchObject({ code: 'forbidden' });
    expect(await a.client.changePassword('password-alice-1', 'password-alice-2', { closeOtherSessions: true })).toBe(1);
    await until('the phone is signed out', () => invalid, [clientEvents(a2.client)]);
    await expect(a3.client.login(name, 'password-alice-1')).rejects.toMatchObject({ status: 401 });
    await a3.client.login(name, 'password-alice-2');
    expect((await a.client.devices()).length).toBe(2);
  });

  it('[ACCOUNT-1] deleteAccount ends the account: this device is logged out and the name cannot log in', async () => {
    const a = new TestDevice('alice', be);
    const a2 = new TestDevice('alice-again', be);
    devices.push(a, a2);
    await a.boot();
    await a2.boot();
    const name = uniq('alice');
    await a.client.register(name, 'password-alice-1');
    await expect(a.client.deleteAccount('wrong-password-1')).rejects.toMatchObject({ code: 'forbidden' });
    expect(a.client.session).not.toBeNull();
    await a.client.deleteAccount('password-alice-1');
    expect(a.client.session).toBeNull();
    await expect(a2.client.login(name, 'password-alice-1')).rejects.toMatchObject({ status: 401 });
  });

  it('[EXPORT-1] exportData returns the account and its conversations with their messages', async () => {
    const a = new TestDevice('alice', be);
    const b = new TestDevice('bob', be);
    devices.push(a, b);
    await a.boot();
    await b.boot();
    const alice = await a.client.register(uniq('alice'), 'password-alice-1');
    const bob = await b.client.register(uniq('bob'), 'password-bob-1');
    await a.waitOnline();
    const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
    const ca = await a.client.conversation(convId);
    const m = await ca.send('for the archive');
    await until('the message is on the server', () => ca.message(m.id)?.status !== 'sending', [convEvents(ca)]);
    const data = await a.client.exportData();
    expect(data['format']).toBe('concord-export');
    expect(data['account']).toMatchObject({ userId: alice.userId });
    const convs = data['conversations'] as { conversationId: string; messages: { id: string; body: string }[] }[];
    expect(convs.find((c) => c.conversationId === convId)?.messages.map((x) => x.body)).toEqual(['for the archive']);
  });
});
