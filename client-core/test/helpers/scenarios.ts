/**
 * End-to-end scenarios run against any Backend (the in-process stand-in and the real sync-server).
 */
import type { ConcordOptions } from '../../src/client/options.js';
import { expect, it } from 'vitest';
import { TestDevice, storageFactory, type Backend, type StorageKind } from './devices.js';
import { clientEvents, convEvents, until, type Source } from './wait.js';
import type { Conversation } from '../../src/conversation/conversation.js';
import type { Concord } from '../../src/client/concord.js';

let counter = 0;
export const uniqueName = (s: string): string => `${s}${++counter}x${Math.floor(Math.random() * 1e6)}`;

export interface World {
  be: Backend;
  devices: TestDevice[];
}

export async function account(
  w: World,
  label: string,
  username: string,
  mode: 'register' | 'login',
  storage: StorageKind = 'memory',
  extra: Partial<ConcordOptions> = {},
): Promise<TestDevice> {
  const d = new TestDevice(label, w.be, storageFactory(storage), extra);
  w.devices.push(d);
  await d.boot();
  if (mode === 'register') await d.client.register(username, `password-${username}`);
  else await d.client.login(username, `password-${username}`);
  await d.waitOnline();
  return d;
}

export const texts = (c: Conversation): string[] => c.messages({ limit: 10_000 }).map((m) => m.body);
export const ids = (c: Conversation): string[] => c.messages({ limit: 10_000 }).map((m) => m.id);

export function all(...clients: (Concord | Conversation)[]): Source[] {
  return clients.map((c) => ('register' in c ? clientEvents(c) : convEvents(c)));
}

export async function threeDevices(w: World): Promise<{ a1: TestDevice; a2: TestDevice; b: TestDevice; convId: string; alice: string }> {
  const alice = uniqueName('alice');
  const bob = uniqueName('bob');
  const a1 = await account(w, 'alice-1', alice, 'register');
  const b = await account(w, 'bob', bob, 'register');
  // The second device of the account keeps its data in (fake) IndexedDB.
  const a2 = await account(w, 'alice-2', alice, 'login', 'indexeddb');
  const bobId = b.client.session?.userId ?? '';
  const convId = await a1.client.createConversation({ kind: 'direct', members: [bobId] });
  for (const d of [a2, b]) {
    await until(`${d.label} sees the conversation`, () => d.client.conversations().some((c) => c.id === convId), [clientEvents(d.client)]);
  }
  return { a1, a2, b, convId, alice };
}

async function goOffline(w: World, d: TestDevice): Promise<void> {
  w.be.offline(d);
  await until(`${d.label} offline`, () => d.client.connection.state !== 'online', [clientEvents(d.client)]);
}

export function scenarios(world: () => World): void {
  it('[OFFLINE-1] offline sends on both sides, reconnect in different orders: same history everywhere', async () => {
    const w = world();
    const { a1, a2, b, convId } = await threeDevices(w);
    const [c1, c2, cb] = await Promise.all([a1, a2, b].map((d) => d.client.conversation(convId)));
    if (c1 === undefined || c2 === undefined || cb === undefined) throw new Error('no conversation');
    for (const d of [a1, a2, b]) await goOffline(w, d);
    await c1.send('a1: first offline');
    await cb.send('b: offline too');
    await c2.send('a2: from the second device');
    await c1.send('a1: second offline');
    w.be.online(b);
    await b.waitOnline();
    w.be.online(a2);
    await a2.waitOnline();
    await cb.send('b: back online');
    w.be.online(a1);
    const expected = 5;
    await until('all have 5', () => [c1, c2, cb].every((c) => ids(c).length === expected), all(c1, c2, cb), 10_000);
    expect(ids(c2)).toEqual(ids(c1));
    expect(ids(cb)).toEqual(ids(c1));
    expect(new Set(texts(c1)).size).toBe(expected);
  });

  it('[OFFLINE-2] a message sent offline survives a restart of the app and goes out on the next connection', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    await goOffline(w, a1);
    const c1 = await a1.client.conversation(convId);
    const m = await c1.send('written offline, then restarted');
    await a1.restart();
    expect(a1.client.session).not.toBeNull();
    const again = await a1.client.conversation(convId);
    expect(again.message(m.id)?.status).toBe('sending');
    w.be.online(a1);
    const cb = await b.client.conversation(convId);
    await until('bob receives it', () => cb.message(m.id) !== null, [convEvents(cb)], 10_000);
    await until('sent', () => again.message(m.id)?.status !== 'sending', [convEvents(again)]);
  });

  it('[SRV-1] the server restarts mid-conversation: nothing is lost, the clients reconnect by themselves', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    await c1.send('before restart');
    const restarting = w.be.restartServer();
    await cb.send('during restart');
    await restarting;
    await c1.send('after restart');
    await until('both have 3', () => ids(c1).length === 3 && ids(cb).length === 3, all(c1, cb), 15_000);
    expect(ids(c1)).toEqual(ids(cb));
    await until('all sent', () => c1.messages().filter((m) => m.own).every((m) => m.status !== 'sending'), all(c1), 10_000);
  });

  it('[UNREAD-1] reading on one device clears the unread count on all of the account\'s devices', async () => {
    const w = world();
    const { a1, a2, b, convId } = await threeDevices(w);
    const cb = await b.client.conversation(convId);
    await cb.send('one');
    await cb.send('two');
    await cb.send('three');
    const unread = (d: TestDevice): number | undefined => d.client.conversations().find((c) => c.id === convId)?.unread;
    await until('3 unread on a1 and a2', () => unread(a1) === 3 && unread(a2) === 3, all(a1.client, a2.client), 10_000);
    expect(unread(b)).toBe(0);
    const c2 = await a2.client.conversation(convId);
    await c2.markRead();
    await until('0 unread on both alice devices', () => unread(a1) === 0 && unread(a2) === 0, all(a1.client, a2.client), 10_000);
    expect(a1.client.totalUnread()).toBe(0);
    await cb.send('four');
    await until('1 unread again', () => unread(a1) === 1 && unread(a2) === 1, all(a1.client, a2.client), 10_000);
  });

  it('[RCPT-CLIENT-1] a message that arrives late is not read by a mark set before it arrived', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    await goOffline(w, b);
    const late = await cb.send('written offline (older stamp)');
    const m2 = await c1.send('alice writes');
    void m2;
    // Alice reads everything she holds; bob's offline message is not among it.
    await c1.markRead();
    const first = await cb.send('bob, still offline');
    w.be.online(b);
    await until('alice has bob messages', () => c1.message(late.id) !== null && c1.message(first.id) !== null, all(c1), 10_000);
    await until('bob sees alice', () => cb.message(m2.id) !== null, all(cb), 10_000);
    expect(cb.message(late.id)?.status).not.toBe('read');
    const unread = a1.client.conversations().find((c) => c.id === convId)?.unread;
    expect(unread).toBe(2);
    await c1.markRead();
    await until('now read', () => cb.message(late.id)?.status === 'read', all(cb), 10_000);
  });

  it('[MULTI-1] pins, mutes, drafts and new conversations appear on every device of the account', async () => {
    const w = world();
    const { a1, a2, b, convId } = await threeDevices(w);
    const second = await b.client.createConversation({ kind: 'group', members: [a1.client.session?.userId ?? ''], title: 'team' });
    await a1.client.setPinned(convId, true);
    await a1.client.setMuted(second, true);
    await a2.client.setDraft(convId, 'half a thought');
    const ok = (d: TestDevice): boolean => {
      const l = d.client.conversations();
      const c = l.find((x) => x.id === convId);
      const s = l.find((x) => x.id === second);
      return c?.pinned === true && c.draft === 'half a thought' && s?.muted === true && s.title === 'team' && l[0]?.id === convId;
    };
    await until('both alice devices agree', () => ok(a1) && ok(a2), all(a1.client, a2.client), 10_000);
  });

  it('[CONN-4] a kicked device stops reconnecting and reports sessionInvalid', async () => {
    const w = world();
    const { a1, a2 } = await threeDevices(w);
    let reported = '';
    a2.client.events.on('sessionInvalid', (e) => {
      reported = e.reason;
    });
    await a1.client.revokeDevice(a2.client.session?.deviceId ?? '');
    await until('a2 told', () => reported !== '', all(a2.client), 10_000);
    expect(a2.client.connection.state).toBe('offline');
    // Still usable offline: the history is there, the app decides to log in again.
    expect(a2.client.conversations().length).toBe(1);
  });

  it('[CONN-6] after a kick, logging in again as the same account keeps the history and sends what was unsent', async () => {
    const w = world();
    const { a1, a2, b, convId, alice } = await threeDevices(w);
    const cb = await b.client.conversation(convId);
    let kicked = false;
    a2.client.events.on('sessionInvalid', () => {
      kicked = true;
    });
    await a1.client.revokeDevice(a2.client.session?.deviceId ?? '');
    await until('a2 kicked', () => kicked, all(a2.client), 10_000);
    const c2 = await a2.client.conversation(convId);
    const unsent = await c2.send('written after the kick');
    expect(c2.message(unsent.id)?.status).toBe('sending');

    await a2.client.login(alice, `password-${alice}`);
    await a2.waitOnline();
    const again = await a2.client.conversation(convId);
    expect(again.message(unsent.id)?.body).toBe('written after the kick');
    await until('bob gets the message written while kicked', () => cb.message(unsent.id) !== null, [convEvents(cb)], 10_000);
  });

  it('[CONN-6] after a kick, registering a new account replaces the dead session and shows none of the old data', async () => {
    const w = world();
    const { a1, a2, convId } = await threeDevices(w);
    let kicked = false;
    a2.client.events.on('sessionInvalid', () => {
      kicked = true;
    });
    await a1.client.revokeDevice(a2.client.session?.deviceId ?? '');
    await until('a2 kicked', () => kicked, all(a2.client), 10_000);
    expect(a2.client.conversations().some((c) => c.id === convId)).toBe(true);
    const fresh = uniqueName('dora');
    const s = await a2.client.register(fresh, `password-${fresh}`);
    await a2.waitOnline();
    expect(a2.client.session?.userId).toBe(s.userId);
    expect(a2.client.conversations()).toEqual([]);
    expect(await a2.storage.listDocs('conv:')).toEqual([]);
  });

  it('[CLIENTID-1] a restarted client uses a new Yjs client id for its writes', async () => {
    const w = world();
    const { a1, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const m1 = await c1.send('before restart');
    await a1.restart();
    const again = await a1.client.conversation(convId);
    const m2 = await again.send('after restart');
    const clients = a1.storage === undefined ? [] : [m1.id, m2.id];
    expect(clients).toHaveLength(2);
    const { readMessages } = await import('../../src/conversation/model.js');
    const history = (again as unknown as { history: import('../../src/history/convHistory.js').ConvHistory }).history;
    const h = history.segment(history.head)?.handle.doc;
    if (h === undefined) throw new Error('head segment not loaded');
    const items = readMessages(h);
    const c = (id: string): number | undefined => items.find((x) => x.entry.id === id)?.item?.client;
    expect(c(m1.id)).toBeDefined();
    expect(c(m2.id)).not.toBe(c(m1.id));
    expect(h.clientID).toBe(c(m2.id));
  });

  it('[TYPING-1] typing and presence travel through awareness', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    const aliceId = a1.client.session?.userId ?? '';
    await until('presence', () => cb.presence().includes(aliceId), all(cb, c1), 10_000);
    c1.setTyping(true);
    await until('bob sees alice typing', () => cb.typing().includes(aliceId), all(cb), 10_000);
    c1.setTyping(false);
    await until('alice stopped', () => !cb.typing().includes(aliceId), all(cb), 10_000);
  });
}
