/**
 * Message actions end to end against the real sync-server on port 0 (SPEC ACT-*): a group of alice (two devices),
 * bob and carol. Each action is done on one device and checked where a user would see it: the other members'
 * devices and the actor's own second device.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MAX_REACTIONS_PER_USER, type ConversationId } from '@concord/protocol';
import type { Conversation, Message } from '../src/conversation/conversation.js';
import { ClientErrorCode, InvalidInputError } from '../src/errors.js';
import type { FetchLike } from '../src/platform.js';
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

/** Shifts a device's wall clock after its WELCOME: its estimate of the server's time moves with it (HLC-2). */
interface Skew {
  ms: number;
}

async function device(label: string, username: string, mode: 'register' | 'login', extra: { skew?: Skew; fetch?: FetchLike; segmentMessages?: number } = {}): Promise<TestDevice> {
  const d = new TestDevice(label, be, storageFactory('memory'), {
    ...(extra.skew !== undefined ? { now: () => Date.now() + (extra.skew?.ms ?? 0) } : {}),
    ...(extra.fetch !== undefined ? { fetch: extra.fetch } : {}),
    ...(extra.segmentMessages !== undefined ? { history: { segmentMessages: extra.segmentMessages } } : {}),
  });
  devices.push(d);
  await d.boot();
  if (mode === 'register') await d.client.register(username, `password-${username}`);
  else await d.client.login(username, `password-${username}`);
  await d.waitOnline();
  return d;
}

const uid = (d: TestDevice): string => d.client.session?.userId ?? '';

interface Group {
  alice1: TestDevice;
  alice2: TestDevice;
  bob: TestDevice;
  carol: TestDevice;
  conv: ConversationId;
  views: Map<TestDevice, Conversation>;
}

async function group(opts: { skew?: Skew; fetch?: FetchLike; segmentMessages?: number } = {}): Promise<Group> {
  const aliceName = uniq('alice');
  const alice1 = await device('alice-1', aliceName, 'register', opts);
  const alice2 = await device('alice-2', aliceName, 'login');
  const bob = await device('bob', uniq('bob'), 'register');
  const carol = await device('carol', uniq('carol'), 'register');
  const conv = (await alice1.client.createConversation({ kind: 'group', members: [uid(bob), uid(carol)], title: 'team' })) as ConversationId;
  const views = new Map<TestDevice, Conversation>();
  for (const d of [alice1, alice2, bob, carol]) {
    await until(`${d.label} sees the group`, () => d.client.conversations().some((c) => c.id === conv), [clientEvents(d.client)]);
    views.set(d, await d.client.conversation(conv));
  }
  return { alice1, alice2, bob, carol, conv, views };
}

function view(g: Group, d: TestDevice): Conversation {
  const v = g.views.get(d);
  if (v === undefined) throw new Error(`no view on ${d.label}`);
  return v;
}

/** Waits until `d` shows message `id` as `check` wants it (null: gone from its pages). */
async function shows(g: Group, d: TestDevice, id: string, what: string, check: (m: Message | null) => boolean): Promise<void> {
  const c = view(g, d);
  await until(`${d.label}: ${what}`, () => check(c.messages().find((m) => m.id === id) ?? null), [convEvents(c)], 8000);
}

async function expectRefused(p: Promise<unknown>, code: string): Promise<void> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).code).toBe(code);
}

describe('message actions against the real sync-server', () => {
  it("[ACT-1] an edit by the author shows the new text and `edited` on every member's devices; nobody else may edit", async () => {
    const g = await group();
    const sent = await view(g, g.alice1).send('helo team');
    const edited = await view(g, g.alice1).edit(sent.id, 'hello team');
    expect(edited).toMatchObject({ body: 'hello team', edited: true, recalled: false });
    for (const d of [g.alice2, g.bob, g.carol]) await shows(g, d, sent.id, 'the edited text', (m) => m?.body === 'hello team' && m.edited);
    await expectRefused(view(g, g.bob).edit(sent.id, 'pwned'), ClientErrorCode.NotOwnMessage);
    await expectRefused(view(g, g.alice1).edit(sent.id, '   '), ClientErrorCode.EmptyMessage);
    expect(view(g, g.carol).message(sent.id)?.body).toBe('hello team');
  });

  it('[ACT-2] a recall within the window empties the message for everyone, who see who recalled it; late or foreign recalls are refused', async () => {
    const skew: Skew = { ms: 0 };
    const g = await group({ skew });
    const a = view(g, g.alice1);
    const gone = await a.send('oops, wrong chat');
    const kept = await a.send('this one stays');
    await shows(g, g.bob, gone.id, 'it arrives', (m) => m !== null);
    const reply = await view(g, g.bob).send('bob answers', { replyTo: gone.id });
    await shows(g, g.alice1, reply.id, 'bob replied', (m) => m !== null);
    await expectRefused(view(g, g.bob).recall(gone.id), ClientErrorCode.NotOwnMessage);
    const r = await a.recall(gone.id);
    expect(r).toMatchObject({ recalled: true, deleted: true, body: '', author: uid(g.alice1) });
    for (const d of [g.alice2, g.bob, g.carol]) {
      await shows(g, d, gone.id, 'the recall', (m) => m !== null && m.recalled && m.body === '' && m.author === uid(g.alice1) && !m.edited);
    }
    // The reply's quote no longer shows the text either.
    await shows(g, g.carol, reply.id, 'the quote emptied', (m) => m?.quote?.loaded === true && m.quote.recalled && m.quote.preview === '');
    await expectRefused(a.recall(gone.id), ClientErrorCode.MessageRecalled);
    await expectRefused(a.edit(gone.id, 'back'), ClientErrorCode.MessageRecalled);
    // Three minutes later (by the device's estimate of the server's clock) the window has passed.
    await until('kept is acknowledged', () => a.message(kept.id)?.status !== 'sending', [convEvents(a)]);
    skew.ms = 3 * 60_000;
    await expectRefused(a.recall(kept.id), ClientErrorCode.RecallWindowPassed);
    expect(view(g, g.bob).message(kept.id)?.recalled).toBe(false);
  });

  it('[ACT-4] delete for me hides a message on every device of the account only', async () => {
    const g = await group();
    const m = await view(g, g.bob).send('a message alice does not want to see');
    await shows(g, g.alice2, m.id, 'it arrives', (x) => x !== null);
    await shows(g, g.alice1, m.id, 'it arrives', (x) => x !== null);
    await view(g, g.alice1).hide(m.id);
    expect(view(g, g.alice1).message(m.id)).toBeNull();
    await shows(g, g.alice2, m.id, 'hidden on her other device', (x) => x === null);
    expect(view(g, g.bob).message(m.id)?.body).toBe('a message alice does not want to see');
    expect(view(g, g.carol).messages().some((x) => x.id === m.id)).toBe(true);
  });

  it('[ACT-6] reactions toggle, count and name who reacted on every device; at most MAX_REACTIONS_PER_USER per user', async () => {
    const g = await group();
    const m = await view(g, g.carol).send('lunch?');
    await shows(g, g.bob, m.id, 'it arrives', (x) => x !== null);
    await shows(g, g.alice1, m.id, 'it arrives', (x) => x !== null);
    await view(g, g.bob).react(m.id, '👍');
    await view(g, g.alice1).react(m.id, '👍');
    await view(g, g.alice1).react(m.id, '🍕');
    const a = uid(g.alice1);
    const b = uid(g.bob);
    await shows(g, g.carol, m.id, 'two 👍 and one 🍕', (x) =>
      JSON.stringify(x?.reactions.map((r) => [r.emoji, r.count, r.users.join(','), r.mine])) ===
      JSON.stringify(a < b ? [['👍', 2, `${a},${b}`, false], ['🍕', 1, a, false]] : [['👍', 2, `${b},${a}`, false], ['🍕', 1, a, false]]),
    );
    await shows(g, g.alice2, m.id, 'her own reactions are mine', (x) => x?.reactions.length === 2 && x.reactions.every((r) => r.mine));
    // Toggle off on her other device: everyone sees one 👍 less.
    await view(g, g.alice2).react(m.id, '👍');
    await shows(g, g.carol, m.id, 'one 👍 left', (x) => x?.reactions.find((r) => r.emoji === '👍')?.count === 1);
    const c = view(g, g.carol);
    for (const e of ['1', '2', '3'].slice(0, MAX_REACTIONS_PER_USER)) await c.react(m.id, e);
    await expectRefused(c.react(m.id, '4'), ClientErrorCode.TooManyReactions);
    await expectRefused(c.react(m.id, ''), ClientErrorCode.InvalidArgument);
  });

  it('[ACT-7] a mention is flagged for the mentioned user, counts and notifies even in a muted chat', async () => {
    const g = await group();
    const summary = (d: TestDevice) => d.client.conversations().find((c) => c.id === g.conv);
    await g.bob.client.setMuted(g.conv, true);
    await view(g, g.alice1).send('no mention');
    await until('bob has one unread, muted, no notification', () => summary(g.bob)?.unread === 1 && summary(g.bob)?.muted === true && summary(g.bob)?.notify === false, [clientEvents(g.bob.client)], 8000);
    const m = await view(g, g.alice1).send('@bob look', { mentions: [uid(g.bob)] });
    await shows(g, g.bob, m.id, 'mentions me', (x) => x?.mentionsMe === true && x.mentions?.[0] === uid(g.bob));
    await shows(g, g.carol, m.id, 'mentions bob, not me', (x) => x?.mentionsMe === false);
    expect(view(g, g.alice1).message(m.id)?.mentionsMe).toBe(false);
    await until('bob: a mention notifies in the muted chat', () => summary(g.bob)?.unreadMentions === 1 && summary(g.bob)?.unread === 2 && summary(g.bob)?.notify === true, [clientEvents(g.bob.client)], 8000);
    await view(g, g.bob).markRead();
    await until('read: nothing to notify', () => summary(g.bob)?.unreadMentions === 0 && summary(g.bob)?.notify === false, [clientEvents(g.bob.client)], 8000);
    await expectRefused(view(g, g.alice1).send('x', { mentions: ['not an id!'] }), ClientErrorCode.InvalidArgument);
  });

  it('[ACT-5] a reply carries its quoted original; on a device that has not loaded it, locate() pages back to it', async () => {
    // alice writes 3-message segments: the original ends up many segments behind the newest screen.
    const g = await group({ segmentMessages: 3 });
    const a = view(g, g.alice1);
    const original = await a.send('the original question, quite long '.repeat(5));
    for (let i = 0; i < 60; i++) await a.send(`filler ${i}`);
    // (alice answers herself: her head is the newest segment, so the reply is on carol-2's first screen.)
    const reply = await a.send('the answer', { replyTo: original.id });
    expect(reply.quote).toMatchObject({ id: original.id, loaded: true, author: uid(g.alice1), type: 'text', recalled: false });
    expect(reply.quote?.loaded === true && reply.quote.preview.length).toBe(101);
    // carol's new device opens the chat with the newest screen (50 messages) only.
    const carolName = (await g.carol.client.account()).username;
    const c2 = await device('carol-2', carolName, 'login');
    const cv = await c2.client.conversation(g.conv);
    await until('carol-2 has the reply', () => cv.message(reply.id) !== null, [convEvents(cv)], 8000);
    expect(cv.message(original.id)).toBeNull();
    expect(cv.message(reply.id)?.quote).toEqual({ id: original.id, loaded: false });
    const found = await cv.locate(original.id);
    expect(found?.body).toBe(original.body);
    expect(cv.message(reply.id)?.quote).toMatchObject({ loaded: true, author: uid(g.alice1) });
    expect(await cv.locate(`${uid(g.alice1)}.nosuchmessage`, { maxSegments: 2 })).toBeNull();
  });

  it('[ACT-8] forward: text as a new message; an attachment by reference, no bytes uploaded again, readable by the receivers', async () => {
    const calls: string[] = [];
    const counting: FetchLike = (url, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      return be.fetch(url, init);
    };
    const g = await group({ fetch: counting });
    const direct = (await g.alice1.client.createConversation({ kind: 'direct', members: [uid(g.carol)] })) as ConversationId;
    await until('carol sees the direct chat', () => g.carol.client.conversations().some((c) => c.id === direct), [clientEvents(g.carol.client)]);
    const bytes = new Uint8Array(randomBytes(3000));
    const image = await view(g, g.bob).sendAttachment(bytes, { type: 'file', name: 'report.bin', mime: 'application/octet-stream' });
    const text = await view(g, g.bob).send('forward me');
    await shows(g, g.alice1, image.id, 'the file arrives', (x) => x !== null);
    await shows(g, g.alice1, text.id, 'the text arrives', (x) => x !== null);
    // The server holds the blob once bob's upload went through: alice can read it in the group.
    const arrived = view(g, g.alice1).message(image.id);
    if (arrived === null) throw new Error('unreachable');
    for (let i = 0; ; i++) {
      const ok = await g.alice1.client.attachmentBytes(arrived).then(() => true, () => false);
      if (ok) break;
      if (i > 100) throw new Error('bob never uploaded');
      await new Promise((r) => setTimeout(r, 50));
    }
    const fwdText = await g.alice1.client.forward(view(g, g.alice1).message(text.id) as Message, direct);
    const fwdFile = await g.alice1.client.forward(arrived, direct);
    expect(calls.filter((c) => c.startsWith('PUT '))).toEqual([]);
    expect(calls).toContain(`POST /v1/conversations/${direct}/blobs/${arrived.attachment?.url.split('/').pop() ?? ''}/link`);
    const cd = await g.carol.client.conversation(direct);
    await until('carol gets both', () => cd.message(fwdText) !== null && cd.message(fwdFile) !== null, [convEvents(cd)], 8000);
    expect(cd.message(fwdText)).toMatchObject({ body: 'forward me', author: uid(g.alice1), type: 'text' });
    const got = cd.message(fwdFile);
    expect(got?.attachment?.url).toBe(`/v1/conversations/${direct}/blobs/${arrived.attachment?.url.split('/').pop() ?? ''}`);
    expect(Buffer.from(await g.carol.client.attachmentBytes(got as Message)).equals(Buffer.from(bytes))).toBe(true);
    // A recalled message is not forwarded.
    const mine = await view(g, g.alice1).send('gone soon');
    const recalled = await view(g, g.alice1).recall(mine.id);
    await expectRefused(g.alice1.client.forward(recalled, direct), ClientErrorCode.MessageRecalled);
  });
});
