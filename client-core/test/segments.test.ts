/**
 * Bounded history (SPEC 3.5, SEG-*), end to end against the real sync-server on port 0. Devices use small
 * segments (`history.segmentMessages`) so a few dozen messages span many segment docs; SEG-2 does not need devices
 * to agree on the threshold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConcordOptions } from '../src/client/options.js';
import type { Runtime } from '../src/client/runtime.js';
import type { Conversation, Message } from '../src/conversation/conversation.js';
import { parseDocName, type ConversationId } from '@concord/protocol';
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

function device(label: string, history: ConcordOptions['history']): TestDevice {
  const d = new TestDevice(label, be, storageFactory('memory'), { history });
  devices.push(d);
  return d;
}

function runtime(d: TestDevice): Runtime {
  const rt = (d.client as unknown as { runtime: Runtime | null }).runtime;
  if (rt === null) throw new Error('no runtime');
  return rt;
}

/** Segment numbers of a conversation loaded in memory. */
function loaded(d: TestDevice, conv: string): number[] {
  return [...runtime(d).histories.get(conv as ConversationId).segments()].map((s) => s.n).sort((a, b) => a - b);
}

/** Segment numbers of a conversation in the device's local storage. */
async function held(d: TestDevice, conv: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await d.storage.listDocs('conv:')) {
    const p = parseDocName(name);
    if (p?.kind === 'conv' && p.conversationId === conv) out.push(p.segment);
  }
  return out.sort((a, b) => a - b);
}

/** Which segment holds message `id` on this device (loaded segments only). */
function segmentOf(d: TestDevice, conv: string, id: string): number | undefined {
  for (const s of runtime(d).histories.get(conv as ConversationId).segments()) if (s.index.get(id) !== undefined) return s.n;
  return undefined;
}

async function pair(history: ConcordOptions['history']): Promise<{ a: TestDevice; b: TestDevice; conv: string; aliceName: string }> {
  const a = device('alice', history);
  const b = device('bob', history);
  await a.boot();
  await b.boot();
  const aliceName = uniq('alice');
  await a.client.register(aliceName, 'password-alice-1');
  const bob = await b.client.register(uniq('bob'), 'password-bob-1');
  await a.waitOnline();
  await b.waitOnline();
  const conv = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
  await until('bob sees the conversation', () => b.client.conversations().some((c) => c.id === conv), [clientEvents(b.client)]);
  return { a, b, conv, aliceName };
}

async function sendMany(c: Conversation, count: number, prefix: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < count; i++) out.push(await c.send(`${prefix} ${i}`));
  return out;
}

async function idle(d: TestDevice, ms = 10_000): Promise<void> {
  await until(`${d.label} idle`, () => d.client.isIdle, [clientEvents(d.client)], ms);
}

/** Page back from the newest screen to the start of the conversation; returns every message id, oldest first. */
async function pageToStart(c: Conversation): Promise<string[]> {
  let all = c.messages();
  for (let guard = 0; guard < 1000; guard++) {
    const first = all[0];
    if (first === undefined) break;
    const older = await c.loadOlder(first.id, 50);
    if (older.length === 0) break;
    all = [...older, ...all];
  }
  return all.map((m) => m.id);
}

describe('segmented history against the real sync-server', () => {
  it('[SEG-2] a writer starts a new segment after segmentMessages; the other member sees one history in ORDER-1', async () => {
    const { a, b, conv } = await pair({ segmentMessages: 5 });
    const ca = await a.client.conversation(conv);
    const cb = await b.client.conversation(conv);
    const sent = await sendMany(ca, 12, 'hello');
    expect(await held(a, conv)).toEqual([0, 1, 2]);
    expect(sent.map((m) => segmentOf(a, conv, m.id))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
    await until('bob has all 12', () => cb.messages({ limit: 100 }).length === 12, [convEvents(cb)]);
    expect(cb.messages({ limit: 100 }).map((m) => m.id)).toEqual(sent.map((m) => m.id));
    // Bob's head is segment 2 (3 messages): his next message goes there.
    const reply = await cb.send('reply');
    expect(segmentOf(b, conv, reply.id)).toBe(2);
    await until('all sent', () => ca.messages({ limit: 100 }).every((m) => m.status !== 'sending'), [convEvents(ca)]);
  });

  it('[SEG-2][SEG-3] an offline writer that has not seen newer segments writes into its old head; nothing conflicts or is lost', async () => {
    const { a, b, conv } = await pair({ segmentMessages: 3 });
    const ca = await a.client.conversation(conv);
    const cb = await b.client.conversation(conv);
    be.offline(a);
    await until('alice offline', () => a.client.connection.state !== 'online', [clientEvents(a.client)]);
    const fromBob = await sendMany(cb, 7, 'bob');
    const fromAlice = await sendMany(ca, 2, 'alice offline');
    // Alice's copy of the head (segment 0) was empty: her offline messages stay in segment 0.
    expect(fromAlice.map((m) => segmentOf(a, conv, m.id))).toEqual([0, 0]);
    be.online(a);
    await a.waitOnline(10_000);
    await until('both hold all 9', () => ca.messages({ limit: 100 }).length === 9 && cb.messages({ limit: 100 }).length === 9, [
      convEvents(ca),
      convEvents(cb),
    ]);
    expect(ca.messages({ limit: 100 }).map((m) => m.id)).toEqual(cb.messages({ limit: 100 }).map((m) => m.id));
    expect(fromAlice.map((m) => segmentOf(b, conv, m.id))).toEqual([0, 0]);
    expect(fromBob.map((m) => segmentOf(b, conv, m.id))).toEqual([0, 0, 0, 1, 1, 1, 2]);
    await until('alice acknowledged', () => fromAlice.every((m) => ca.message(m.id)?.status !== 'sending'), [convEvents(ca)]);
    expect(fromAlice.map((m) => ca.message(m.id)?.status)).not.toContain('failed');
  });

  it('[SEG-3] a device that filled several segments offline sends lower segments first: every message is acknowledged', async () => {
    const { a, b, conv } = await pair({ segmentMessages: 4 });
    const ca = await a.client.conversation(conv);
    await b.client.conversation(conv);
    be.offline(a);
    await until('alice offline', () => a.client.connection.state !== 'online', [clientEvents(a.client)]);
    const sent = await sendMany(ca, 14, 'offline burst');
    await a.restart();
    be.online(a);
    await a.waitOnline(10_000);
    const again = await a.client.conversation(conv);
    await until('all sent', () => sent.every((m) => again.message(m.id)?.status !== 'sending'), [convEvents(again)], 10_000);
    expect(sent.map((m) => again.message(m.id)?.status)).not.toContain('failed');
  });

  it('[SEG-5] a new device shows the newest screen from the head segments only, then pages older segments from the server', async () => {
    const { a, conv, aliceName } = await pair({ segmentMessages: 10 });
    const ca = await a.client.conversation(conv);
    const sent = await sendMany(ca, 120, 'history');
    await idle(a);
    const a2 = device('alice-new', { segmentMessages: 10 });
    await a2.boot();
    await a2.client.login(aliceName, 'password-alice-1');
    await a2.waitOnline(10_000);
    const c2 = await a2.client.conversation(conv);
    expect(c2.messages().map((m) => m.id)).toEqual(sent.slice(-50).map((m) => m.id));
    // Only what the first screen needs came down.
    expect(await held(a2, conv)).toEqual([7, 8, 9, 10, 11]);
    expect(c2.reachedStart).toBe(false);
    expect(await pageToStart(c2)).toEqual(sent.map((m) => m.id));
    expect(c2.reachedStart).toBe(true);
    expect(await held(a2, conv)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('[SEG-5][SEG-6] after a restart, offline, only the head is loaded; the first screen and older pages come from local storage', async () => {
    const { a, conv } = await pair({ segmentMessages: 10 });
    const ca = await a.client.conversation(conv);
    const sent = await sendMany(ca, 75, 'local');
    await idle(a);
    await until('all sent', () => sent.every((m) => ca.message(m.id)?.status !== 'sending'), [convEvents(ca)]);
    be.offline(a);
    await a.restart();
    expect(a.client.conversations().find((c) => c.id === conv)?.lastMessage?.id).toBe(sent.at(-1)?.id);
    expect(loaded(a, conv)).toEqual([7]);
    const c = await a.client.conversation(conv);
    expect(c.messages().map((m) => m.id)).toEqual(sent.slice(-50).map((m) => m.id));
    expect(loaded(a, conv)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(await pageToStart(c)).toEqual(sent.map((m) => m.id));
    expect(c.reachedStart).toBe(true);
  });

  it('[SEG-6][SEG-4] unread counts span unloaded segments, agree on a new device, and one markRead clears them on every device', async () => {
    const { a, b, conv, aliceName } = await pair({ segmentMessages: 10 });
    const cb = await b.client.conversation(conv);
    await sendMany(cb, 65, 'unread');
    await idle(b);
    const unreadOf = (d: TestDevice): number | undefined => d.client.conversations().find((c) => c.id === conv)?.unread;
    await until('alice counts 65 unread', () => unreadOf(a) === 65, [clientEvents(a.client)], 10_000);
    // Alice never opened the chat: the older segments were synced, counted and let go.
    await until('alice keeps only the head loaded', () => loaded(a, conv).join() === '6', [clientEvents(a.client)]);
    await a.restart();
    expect(unreadOf(a)).toBe(65);
    expect(loaded(a, conv)).toEqual([6]);
    const a2 = device('alice-new', { segmentMessages: 10 });
    await a2.boot();
    await a2.client.login(aliceName, 'password-alice-1');
    await until('the new device agrees', () => unreadOf(a2) === 65, [clientEvents(a2.client)], 10_000);
    await a.waitOnline();
    const ca = await a.client.conversation(conv);
    // 5 + 4 x 10 messages in segments 6..2, so the first screen of 50 needs segment 1 too; 0 stays on disk.
    expect(loaded(a, conv)).toEqual([1, 2, 3, 4, 5, 6]);
    await ca.markRead();
    expect(unreadOf(a)).toBe(0);
    await until('cleared on the other device', () => unreadOf(a2) === 0, [clientEvents(a2.client)], 10_000);
    await until('bob sees his oldest message read', () => cb.messages({ limit: 1 })[0]?.status === 'read', [convEvents(cb)]);
  });

  it('[SEG-4] delivered and read statuses hold for messages in older segments', async () => {
    const { a, b, conv } = await pair({ segmentMessages: 5 });
    const ca = await a.client.conversation(conv);
    const cb = await b.client.conversation(conv);
    const sent = await sendMany(ca, 13, 'status');
    await until('bob has all', () => cb.messages({ limit: 100 }).length === 13, [convEvents(cb)]);
    await until('all delivered', () => sent.every((m) => ca.message(m.id)?.status === 'delivered'), [convEvents(ca)]);
    await cb.markRead();
    await until('all read', () => sent.every((m) => ca.message(m.id)?.status === 'read'), [convEvents(ca)]);
  });

  it('[SEG-7] evict lets older segments go; with keepLocalSegments they leave storage and page back in from the server', async () => {
    const { b, conv, aliceName } = await pair({ segmentMessages: 10 });
    const cb = await b.client.conversation(conv);
    const sent = await sendMany(cb, 70, 'evict');
    await idle(b);
    // The same account on a device that keeps only the two newest segments locally.
    const a2 = device('alice-small', { segmentMessages: 10, keepLocalSegments: 2 });
    await a2.boot();
    await a2.client.login(aliceName, 'password-alice-1');
    await a2.waitOnline(10_000);
    const c = await a2.client.conversation(conv);
    expect(await pageToStart(c)).toEqual(sent.map((m) => m.id));
    expect(loaded(a2, conv)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await c.markRead();
    await idle(a2);
    c.evict();
    // The newest 50 messages live in segments 2..6; 0 and 1 leave memory, and (read, older than the newest two) storage.
    await until('older segments let go', () => loaded(a2, conv).join() === '2,3,4,5,6', [clientEvents(a2.client)]);
    for (let i = 0; i < 100 && (await held(a2, conv)).join() !== '2,3,4,5,6'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await held(a2, conv)).toEqual([2, 3, 4, 5, 6]);
    expect(c.reachedStart).toBe(false);
    expect(await pageToStart(c)).toEqual(sent.map((m) => m.id));
    expect(c.reachedStart).toBe(true);
  });

  it('[SEG-7] disposing the view lets every segment but the head go; reopening gives a fresh view with the newest screen', async () => {
    const { a, conv } = await pair({ segmentMessages: 10 });
    const ca = await a.client.conversation(conv);
    const sent = await sendMany(ca, 64, 'dispose');
    await until('all sent', () => sent.every((m) => ca.message(m.id)?.status !== 'sending'), [convEvents(ca)]);
    expect(loaded(a, conv)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    ca.dispose();
    await until('only the head stays', () => loaded(a, conv).join() === '6', [clientEvents(a.client)]);
    const again = await a.client.conversation(conv);
    expect(again).not.toBe(ca);
    expect(again.messages().map((m) => m.id)).toEqual(sent.slice(-50).map((m) => m.id));
    expect(loaded(a, conv)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
