/**
 * The social layer end to end against the real sync-server on port 0 (SPEC OUTBOX-1, SOCIAL-VIEW-1, CONTACT-*,
 * BLOCK-1, PROFILE-2, GROUP-*): every device of both accounts agrees, a change written offline goes out later (after
 * a restart too), refusals are reported, and views are live.
 */
import { describe, expect, it } from 'vitest';
import type { Concord } from '../src/client/concord.js';
import type { FetchLike } from '../src/platform.js';
import { useRealBackend } from './helpers/realBackend.js';
import { storageFactory, TestDevice } from './helpers/devices.js';
import { until, type Source } from './helpers/wait.js';

const real = useRealBackend();
const uniq = real.uniq;

/** A device whose HTTP calls fail like a cut network while it is offline (the sockets are cut by the backend). */
async function device(label: string, username: string, mode: 'register' | 'login'): Promise<TestDevice> {
  const holder: { d: TestDevice | null } = { d: null };
  const fetch: FetchLike = (url, init) => (holder.d !== null && !holder.d.online ? Promise.reject(new Error('network is down')) : globalThis.fetch(url, init));
  const d = new TestDevice(label, real.be, storageFactory('memory'), { fetch });
  holder.d = d;
  real.devices.push(d);
  await d.boot();
  if (mode === 'register') await d.client.register(username, `password-${username}`);
  else await d.client.login(username, `password-${username}`);
  await d.waitOnline();
  return d;
}

function offline(d: TestDevice): void {
  d.online = false;
  real.be.offline(d);
}

async function online(d: TestDevice): Promise<void> {
  d.online = true;
  real.be.online(d);
  await d.waitOnline(10_000);
}

function socialEvents(c: Concord): Source {
  return (notify) => {
    const s = c.social;
    const offs = [s.events.on('changed', notify), s.events.on('refused', notify), c.events.on('connection', notify)];
    return () => offs.forEach((o) => o());
  };
}

const idOf = (d: TestDevice): string => d.client.session?.userId ?? '';
const contactIds = (d: TestDevice): string[] => d.client.social.contacts().map((c) => c.userId);

async function account(name: string, devicesWanted: 1 | 2): Promise<TestDevice[]> {
  const username = uniq(name);
  const first = await device(`${name}-1`, username, 'register');
  return devicesWanted === 1 ? [first] : [first, await device(`${name}-2`, username, 'login')];
}

describe('social layer against the real sync-server', () => {
  it('[OUTBOX-1] [CONTACT-1] [CONTACT-3] a request written offline goes out after a restart; both accounts\' devices agree, the accept too', async () => {
    const [a1, a2] = await account('ann', 2);
    const [b1, b2] = await account('ben', 2);
    if (a1 === undefined || a2 === undefined || b1 === undefined || b2 === undefined) throw new Error('devices');
    offline(a1);
    await a1.client.social.sendRequest({ userId: idOf(b1) }, 'met at the lake');
    // Offline: this device shows it as pending; nothing reached the server.
    expect(a1.client.social.outgoingRequests()).toMatchObject([{ userId: idOf(b1), note: 'met at the lake', pending: true }]);
    expect(b1.client.social.incomingRequests()).toEqual([]);
    await a1.restart();
    expect(a1.client.social.pending()).toHaveLength(1);
    await online(a1);
    for (const d of [a1, a2]) {
      await until(`${d.label} sees the sent request`, () => d.client.social.outgoingRequests().some((r) => r.userId === idOf(b1) && !r.pending), [socialEvents(d.client)]);
    }
    for (const d of [b1, b2]) {
      await until(`${d.label} sees the request`, () => d.client.social.incomingRequests().length === 1, [socialEvents(d.client)]);
      expect(d.client.social.incomingRequests()[0]).toMatchObject({ userId: idOf(a1), note: 'met at the lake', direction: 'in', username: expect.any(String) });
    }
    // Accepted on ben's second device while it is offline: it goes out when it is back.
    offline(b2);
    await b2.client.social.acceptRequest(idOf(a1));
    expect(b1.client.social.contacts()).toEqual([]);
    await online(b2);
    for (const [d, other] of [[a1, b1], [a2, b1], [b1, a1], [b2, a1]] as const) {
      await until(`${d.label} lists the contact`, () => contactIds(d).includes(idOf(other)), [socialEvents(d.client)]);
      expect(d.client.social.incomingRequests()).toEqual([]);
      expect(d.client.social.outgoingRequests()).toEqual([]);
    }
  });

  it('[OUTBOX-1] a request the server refuses is reported, leaves the outbox, and changes nothing', async () => {
    const [a] = await account('amy', 1);
    if (a === undefined) throw new Error('device');
    const refused = new Promise((resolve) => a.client.social.events.on('refused', resolve));
    await a.client.social.sendRequest({ username: 'no-such-user-anywhere' });
    await expect(refused).resolves.toMatchObject({ code: 'not_found', op: { op: 'request' } });
    expect(a.client.social.pending()).toEqual([]);
    expect(a.client.social.outgoingRequests()).toEqual([]);
    expect(a.client.social.refusals()).toHaveLength(1);
    await expect(a.client.social.sendRequest({ userId: idOf(a) })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(a.client.social.sendRequest({ userId: 'x' }, 'y'.repeat(201))).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('[BLOCK-1] blocking on one device hides the contact on every device of the blocker; the blocked side sees no change', async () => {
    const [c1, c2] = await account('cat', 2);
    const [d1] = await account('dan', 1);
    if (c1 === undefined || c2 === undefined || d1 === undefined) throw new Error('devices');
    await c1.client.social.sendRequest({ userId: idOf(d1) });
    await until('dan sees it', () => d1.client.social.incomingRequests().length === 1, [socialEvents(d1.client)]);
    await d1.client.social.acceptRequest(idOf(c1));
    await until('cat-2 lists dan', () => contactIds(c2).includes(idOf(d1)), [socialEvents(c2.client)]);
    await c2.client.social.block(idOf(d1));
    for (const d of [c1, c2]) {
      await until(`${d.label} hides dan`, () => contactIds(d).length === 0 && d.client.social.blocked().some((b) => b.userId === idOf(d1)), [socialEvents(d.client)]);
    }
    expect(contactIds(d1)).toEqual([idOf(c1)]);
    expect(d1.client.social.blocked()).toEqual([]);
    await c1.client.social.unblock(idOf(d1));
    await until('cat-2 lists dan again', () => contactIds(c2).includes(idOf(d1)), [socialEvents(c2.client)]);
  });

  it('[PROFILE-2] [GROUP-1] [SOCIAL-VIEW-1] a profile change reaches every member live; the member list shows names and roles; group changes from the client API', async () => {
    const [e1, e2] = await account('eve', 2);
    const [f1] = await account('fay', 1);
    const [g1] = await account('gus', 1);
    if (e1 === undefined || e2 === undefined || f1 === undefined || g1 === undefined) throw new Error('devices');
    const conv = await e1.client.createConversation({ kind: 'group', members: [idOf(f1)], title: 'Walk' });
    await until('fay sees the group', () => f1.client.conversations().some((c) => c.id === conv), [socialEvents(f1.client)]);
    await e1.client.social.updateProfile({ displayName: 'Eve Online', status: 'walking' });
    for (const d of [e2, f1]) {
      await until(`${d.label} sees the new name`, () => d.client.social.profile(idOf(e1)).displayName === 'Eve Online', [socialEvents(d.client)]);
    }
    expect(f1.client.social.profile(idOf(e1)).status).toBe('walking');
    // [PROFILE-3] no avatar yet: none to fetch.
    expect(await f1.client.social.avatarBytes(idOf(e1))).toBeNull();
    await e1.client.social.addMembers(conv, [idOf(g1)]);
    await e1.client.social.setMemberRole(conv, idOf(f1), 'admin');
    await e1.client.social.renameGroup(conv, 'Long walk');
    await until('gus lists the members with roles', () => g1.client.social.members(conv).length === 3 && g1.client.social.members(conv)[1]?.role === 'admin', [socialEvents(g1.client)]);
    expect(g1.client.social.members(conv).map((m) => [m.displayName, m.role])).toEqual([
      ['Eve Online', 'owner'],
      [expect.any(String), 'admin'],
      [expect.any(String), 'member'],
    ]);
    await until('gus sees the title', () => g1.client.conversations().find((c) => c.id === conv)?.title === 'Long walk', [socialEvents(g1.client)]);
    await expect(g1.client.social.renameGroup(conv, 'Mine')).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    await e1.client.social.transferOwnership(conv, idOf(f1));
    await until('eve-2 sees fay as owner', () => e2.client.social.members(conv)[0]?.userId === idOf(f1), [socialEvents(e2.client)]);
    // Gus leaves: the others keep his name for his messages.
    await g1.client.leaveConversation(conv);
    await until('fay no longer lists gus', () => f1.client.social.members(conv).length === 2, [socialEvents(f1.client)]);
    expect(f1.client.social.profile(idOf(g1)).username).not.toBe('');
  });

  it('[CONTACT-5] the add-friend code resolves and adds; privacy settings apply on every device', async () => {
    const [h1, h2] = await account('hal', 2);
    const [i1] = await account('ivy', 1);
    if (h1 === undefined || h2 === undefined || i1 === undefined) throw new Error('devices');
    const code = await h1.client.social.addCode();
    // The code is mirrored into the user doc (account.addCode): the other device shows the same one.
    expect(await h2.client.social.addCode()).toBe(code);
    expect(await i1.client.social.resolveAddCode(code)).toMatchObject({ userId: idOf(h1) });
    await i1.client.social.sendRequest({ code });
    await until('hal-2 sees ivy\'s request', () => h2.client.social.incomingRequests().some((r) => r.userId === idOf(i1)), [socialEvents(h2.client)]);
    await h1.client.social.setPrivacy({ findBy: 'nobody', groupAdd: 'contacts' });
    await until('hal-2 shows the settings', () => h2.client.social.privacy().findBy === 'nobody', [socialEvents(h2.client)]);
    expect(h2.client.social.privacy()).toEqual({ findBy: 'nobody', groupAdd: 'contacts' });
    const halName = (await h1.client.account()).username;
    expect(await i1.client.findUser(halName)).toBeNull();
    const rotated = await h1.client.social.addCode({ rotate: true });
    expect(rotated).not.toBe(code);
    expect(await i1.client.social.resolveAddCode(code)).toBeNull();
  });
});
