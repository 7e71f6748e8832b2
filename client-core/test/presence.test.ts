/**
 * Presence through the real server (PRES-1..4): two accounts with a direct chat, a third that shares nothing.
 * The server's offline grace is shortened so a departure is announced within the test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealBackend } from './helpers/realBackend.js';
import { TestDevice } from './helpers/devices.js';
import { clientEvents, until } from './helpers/wait.js';

const GRACE_MS = 1_500;
let be: RealBackend;
const devices: TestDevice[] = [];
beforeAll(async () => {
  be = await RealBackend.start({ presenceGraceMs: GRACE_MS });
});
afterAll(async () => {
  await be.stop();
});
afterEach(async () => {
  for (const d of devices.splice(0)) await d.shutdown().catch(() => undefined);
});

let n = 0;
const uniq = (s: string): string => `${s}${++n}${Date.now() % 100000}`;

async function pair(): Promise<{ a: TestDevice; b: TestDevice; aliceId: string; bobId: string }> {
  const a = new TestDevice('alice', be);
  const b = new TestDevice('bob', be);
  devices.push(a, b);
  await a.boot();
  await b.boot();
  const alice = await a.client.register(uniq('alice'), 'password-alice-1');
  const bob = await b.client.register(uniq('bob'), 'password-bob-1');
  await a.waitOnline();
  await b.waitOnline();
  const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
  await until('bob sees the chat', () => b.client.conversations().some((c) => c.id === convId), [clientEvents(b.client)]);
  return { a, b, aliceId: alice.userId, bobId: bob.userId };
}

describe('presence', () => {
  it('[PRES-1] [PRES-2] the other side of a direct chat is online while connected, then last seen when the last socket closed', async () => {
    const { a, b, aliceId, bobId } = await pair();
    // The chat was created while both were connected: each hears of the other at once (PRES-2).
    await until('alice sees bob online', () => a.client.presenceOf(bobId).online, [clientEvents(a.client)]);
    await until('bob sees alice online', () => b.client.presenceOf(aliceId).online, [clientEvents(b.client)]);
    const before = Date.now();
    be.offline(a);
    // A reconnect inside the grace is not a departure: nothing is announced at once.
    expect(b.client.presenceOf(aliceId).online).toBe(true);
    await until('bob sees alice offline', () => !b.client.presenceOf(aliceId).online, [clientEvents(b.client)], GRACE_MS + 5_000);
    const seen = b.client.presenceOf(aliceId).lastSeen;
    expect(seen).not.toBeNull();
    expect(seen ?? 0).toBeGreaterThanOrEqual(before);
    be.online(a);
    await until('back online', () => b.client.presenceOf(aliceId).online, [clientEvents(b.client)], 10_000);
  });

  it('[PRES-1] a reconnect within the grace does not flicker offline', async () => {
    const { a, b, aliceId } = await pair();
    await until('bob sees alice online', () => b.client.presenceOf(aliceId).online, [clientEvents(b.client)]);
    const seenOffline: boolean[] = [];
    const off = b.client.events.on('presence', (p) => {
      if (p.userId === aliceId && !p.online) seenOffline.push(true);
    });
    be.offline(a);
    be.online(a);
    await a.waitOnline();
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    off();
    expect(seenOffline).toEqual([]);
    expect(b.client.presenceOf(aliceId).online).toBe(true);
  });

  it('[PRES-3] visibility nobody hides online and last seen at once and at the next WELCOME; everyone shows them again', async () => {
    const { a, b, aliceId } = await pair();
    await until('bob sees alice online', () => b.client.presenceOf(aliceId).online, [clientEvents(b.client)]);
    expect(await a.client.presenceVisibility()).toBe('everyone');
    expect(await a.client.setPresenceVisibility('nobody')).toBe('nobody');
    await until('hidden at once', () => !b.client.presenceOf(aliceId).online, [clientEvents(b.client)]);
    expect(b.client.presenceOf(aliceId).lastSeen).toBeNull();
    // A new connection of Bob's hears nothing of Alice either.
    be.offline(b);
    be.online(b);
    await b.waitOnline();
    await new Promise((r) => setTimeout(r, 200));
    expect(b.client.presenceOf(aliceId)).toEqual({ online: false, lastSeen: null });
    // `contacts`: nobody is Alice's contact here, so still hidden.
    await a.client.setPresenceVisibility('contacts');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.client.presenceOf(aliceId).online).toBe(false);
    await a.client.setPresenceVisibility('everyone');
    await until('shown again', () => b.client.presenceOf(aliceId).online, [clientEvents(b.client)]);
  });

  it('[PRES-4] someone who shares no direct chat never hears of the user', async () => {
    const { a, aliceId } = await pair();
    const c = new TestDevice('carol', be);
    devices.push(c);
    await c.boot();
    await c.client.register(uniq('carol'), 'password-carol-1');
    await c.waitOnline();
    be.offline(a);
    be.online(a);
    await a.waitOnline();
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(c.client.presenceOf(aliceId)).toEqual({ online: false, lastSeen: null });
  });

  it('[PRES-3] a bad visibility is refused with a clear error and changes nothing', async () => {
    const { a } = await pair();
    const res = await fetch(`${be.serverUrl}/v1/me/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${a.client.session?.token ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'friends-of-friends' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/visibility must be one of everyone, contacts, nobody/);
    expect(await a.client.presenceVisibility()).toBe('everyone');
  });
});
