/**
 * [MEMBER-1] Leaving a group and being removed from one, end to end against the real sync-server on port 0: every
 * device of the account that lost the conversation drops it from its list and deletes its local copy; the others
 * go on with the new member list.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../src/client/runtime.js';
import { type ConversationId, pinKey, USER_PREFS } from '@concord/protocol';
import { RealBackend } from './helpers/realBackend.js';
import { storageFactory, TestDevice } from './helpers/devices.js';
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

async function device(label: string, username: string, mode: 'register' | 'login'): Promise<TestDevice> {
  // Small segments, so the deleted copy spans several segment docs.
  const d = new TestDevice(label, be, storageFactory('memory'), { history: { segmentMessages: 3 } });
  devices.push(d);
  await d.boot();
  if (mode === 'register') await d.client.register(username, `password-${username}`);
  else await d.client.login(username, `password-${username}`);
  await d.waitOnline();
  return d;
}

const listed = (d: TestDevice, conv: string): boolean => d.client.conversations().some((c) => c.id === conv);
const localDocs = async (d: TestDevice, conv: string): Promise<string[]> =>
  (await d.storage.listDocs(`conv:${conv}`)).filter((name) => name === `conv:${conv}` || name.startsWith(`conv:${conv}/`));

async function group(): Promise<{ alice: TestDevice; bob1: TestDevice; bob2: TestDevice; carol: TestDevice; conv: ConversationId }> {
  const alice = await device('alice', uniq('alice'), 'register');
  const bobName = uniq('bob');
  const bob1 = await device('bob-1', bobName, 'register');
  const bob2 = await device('bob-2', bobName, 'login');
  const carol = await device('carol', uniq('carol'), 'register');
  const ids = [bob1, carol].map((d) => d.client.session?.userId ?? '');
  const conv = await alice.client.createConversation({ kind: 'group', members: ids, title: 'team' });
  for (const d of [bob1, bob2, carol]) await until(`${d.label} sees the group`, () => listed(d, conv), [clientEvents(d.client)]);
  const ca = await alice.client.conversation(conv);
  for (let i = 0; i < 7; i++) await ca.send(`hello ${i}`);
  const cb2 = await bob2.client.conversation(conv);
  await until('bob-2 has the history', () => cb2.messages().length === 7, [convEvents(cb2)]);
  await bob2.client.setPinned(conv, true);
  return { alice, bob1, bob2, carol, conv: conv as ConversationId };
}

describe('membership changes against the real sync-server', () => {
  it('[MEMBER-1] leaving a group drops it from every device of the account, local copy and settings included; the others go on', async () => {
    const { alice, bob1, bob2, carol, conv } = await group();
    expect((await localDocs(bob2, conv)).length).toBeGreaterThan(1);
    await bob1.client.leaveConversation(conv);
    for (const d of [bob1, bob2]) await until(`${d.label} drops the group`, () => !listed(d, conv), [clientEvents(d.client)], 10_000);
    for (const d of [bob1, bob2]) {
      await d.storage.flush();
      for (let i = 0; i < 100 && (await localDocs(d, conv)).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await localDocs(d, conv)).toEqual([]);
      expect((await d.storage.listKv('')).filter((k) => k.includes(conv))).toEqual([]);
      const rt = (d.client as unknown as { runtime: Runtime }).runtime;
      expect(rt.userDoc.doc.getMap<unknown>(USER_PREFS).has(pinKey(conv))).toBe(false);
    }
    // The others see the new member list, and what they write no longer reaches bob.
    const ca = await alice.client.conversation(conv);
    const bobId = bob1.client.session?.userId ?? '';
    await until('alice sees bob gone', () => ca.meta !== null && !ca.meta.members.includes(bobId), [convEvents(ca), clientEvents(alice.client)]);
    const cc = await carol.client.conversation(conv);
    const m = await ca.send('after bob left');
    await until('carol gets it', () => cc.message(m.id) !== null, [convEvents(cc)]);
    await alice.client.conversation(conv);
    expect(listed(bob2, conv)).toBe(false);
    await bob2.restart();
    expect(listed(bob2, conv)).toBe(false);
  });

  it('[MEMBER-1] a removed member loses the group on its device; what it wrote offline meanwhile is refused, not delivered', async () => {
    const { alice, carol, conv } = await group();
    const cc = await carol.client.conversation(conv);
    be.offline(carol);
    await until('carol offline', () => carol.client.connection.state !== 'online', [clientEvents(carol.client)]);
    const unsent = await cc.send('written offline before the removal');
    await alice.client.removeMember(conv, carol.client.session?.userId ?? '');
    be.online(carol);
    await until('carol drops the group', () => !listed(carol, conv), [clientEvents(carol.client)], 10_000);
    const ca = await alice.client.conversation(conv);
    await new Promise((r) => setTimeout(r, 200));
    expect(ca.message(unsent.id)).toBeNull();
    await expect(alice.client.removeMember(conv, carol.client.session?.userId ?? '')).rejects.toThrow();
  });
});
