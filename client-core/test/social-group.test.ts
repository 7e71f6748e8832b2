/**
 * Group read state, the server's system events in the timeline, and deleting a conversation for one account, end to
 * end against the real sync-server on port 0 (SPEC READ-GROUP-1, READ-GROUP-2, GROUP-5, CLEAR-1).
 */
import { describe, expect, it } from 'vitest';
import type { Concord } from '../src/client/concord.js';
import type { Conversation } from '../src/conversation/conversation.js';
import { useRealBackend } from './helpers/realBackend.js';
import { TestDevice } from './helpers/devices.js';
import { clientEvents, convEvents, until } from './helpers/wait.js';

const real = useRealBackend();

async function device(label: string, username: string, mode: 'register' | 'login'): Promise<TestDevice> {
  const d = new TestDevice(label, real.be);
  real.devices.push(d);
  await d.boot();
  if (mode === 'register') await d.client.register(username, `password-${username}`);
  else await d.client.login(username, `password-${username}`);
  await d.waitOnline();
  return d;
}

const idOf = (c: Concord): string => c.session?.userId ?? '';

async function opened(d: TestDevice, conv: string): Promise<Conversation> {
  await until(`${d.label} lists ${conv}`, () => d.client.conversations().some((c) => c.id === conv), [clientEvents(d.client)]);
  return d.client.conversation(conv);
}

async function trio(): Promise<{ a: TestDevice; b: TestDevice; c: TestDevice; conv: string }> {
  const [a, b, c] = [await device('ann', real.uniq('ann'), 'register'), await device('bob', real.uniq('bob'), 'register'), await device('cid', real.uniq('cid'), 'register')];
  const conv = await a.client.createConversation({ kind: 'group', members: [idOf(b.client), idOf(c.client)], title: 'Three' });
  return { a, b, c, conv };
}

describe('groups in client-core against the real sync-server', () => {
  it('[READ-GROUP-1] the tick turns read only when every other member has read; readState counts who has', async () => {
    const { a, b, c, conv } = await trio();
    const ca = await opened(a, conv);
    const sent = await ca.send('who reads this?');
    const cb = await opened(b, conv);
    const cc = await opened(c, conv);
    await until('bob has it', () => cb.messages().length === 1, [convEvents(cb)]);
    await until('cid has it', () => cc.messages().length === 1, [convEvents(cc)]);
    await until('delivered to both', () => ca.message(sent.id)?.status === 'delivered', [convEvents(ca)]);
    await cb.markRead();
    await until('ann sees bob read it', () => (ca.readState(sent.id)?.readBy.length ?? 0) === 1, [convEvents(ca)]);
    expect(ca.readState(sent.id)).toEqual({ audience: expect.arrayContaining([idOf(b.client), idOf(c.client)]), deliveredTo: expect.any(Array), readBy: [idOf(b.client)] });
    expect(ca.readState(sent.id)?.audience).toHaveLength(2);
    // One of two has read: not yet the blue tick.
    expect(ca.message(sent.id)?.status).toBe('delivered');
    await cc.markRead();
    await until('read by everyone', () => ca.message(sent.id)?.status === 'read', [convEvents(ca)]);
    expect(ca.readState(sent.id)?.readBy).toHaveLength(2);
    expect(ca.readState('nope.x')).toBeNull();
  });

  it('[GROUP-5] [READ-GROUP-2] system events sit in the timeline by HLC and never count as unread', async () => {
    const { a, b, c, conv } = await trio();
    const ca = await opened(a, conv);
    await ca.send('first');
    await a.client.social.renameGroup(conv, 'Renamed');
    await ca.send('second');
    const cb = await opened(b, conv);
    await until('bob has both messages and the rename', () => cb.messages().length === 2 && cb.systemEvents().length === 2, [convEvents(cb)]);
    expect(cb.timeline().map((t) => (t.kind === 'message' ? `m:${t.message.body}` : `s:${t.event.kind}`))).toEqual(['s:created', 'm:first', 's:renamed', 'm:second']);
    expect(b.client.conversations().find((x) => x.id === conv)?.unread).toBe(2);
    await cb.markRead();
    await until('bob has read all', () => b.client.conversations().find((x) => x.id === conv)?.unread === 0, [clientEvents(b.client)]);
    // A removal writes one more event; it is not unread.
    await a.client.removeMember(conv, idOf(c.client));
    await until('bob sees the removal', () => cb.systemEvents().some((e) => e.kind === 'removed'), [convEvents(cb)]);
    expect(b.client.totalUnread()).toBe(0);
    expect(cb.systemEvents().at(-1)).toMatchObject({ kind: 'removed', actor: idOf(a.client), targets: [idOf(c.client)] });
  });

  it('[CLEAR-1] deleting a conversation for an account hides it on every device of it until a newer message; the others keep it', async () => {
    const ann = await device('ann', real.uniq('ann'), 'register');
    const bobName = real.uniq('bob');
    const bob1 = await device('bob-1', bobName, 'register');
    const bob2 = await device('bob-2', bobName, 'login');
    const conv = await ann.client.createConversation({ kind: 'direct', members: [idOf(bob1.client)] });
    const ca = await opened(ann, conv);
    await ca.send('old news');
    const c1 = await opened(bob1, conv);
    await until('bob-1 has it', () => c1.messages().length === 1, [convEvents(c1)]);
    await bob1.client.deleteConversation(conv);
    for (const d of [bob1, bob2]) {
      await until(`${d.label} no longer lists it`, () => !d.client.conversations().some((c) => c.id === conv), [clientEvents(d.client)]);
    }
    expect(c1.messages()).toEqual([]);
    expect(bob1.client.totalUnread()).toBe(0);
    expect(ann.client.conversations().some((c) => c.id === conv)).toBe(true);
    await ca.send('new news');
    for (const d of [bob1, bob2]) {
      await until(`${d.label} lists it again`, () => d.client.conversations().find((c) => c.id === conv)?.lastMessage?.body === 'new news', [clientEvents(d.client)]);
    }
    const c2 = await bob2.client.conversation(conv);
    await until('bob-2 shows only the new message', () => c2.messages().length === 1, [convEvents(c2)]);
    expect(c2.messages().map((m) => m.body)).toEqual(['new news']);
    expect(bob2.client.conversations().find((c) => c.id === conv)?.unread).toBe(1);
  });
});
