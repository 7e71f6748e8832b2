import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './helpers/fakeBackend.js';
import { TestDevice } from './helpers/devices.js';
import { clientEvents, convEvents, until } from './helpers/wait.js';
import { ClientClosedError, InvalidInputError } from '../src/errors.js';
import type { Conversation } from '../src/conversation/conversation.js';
import { CONV_MESSAGES, MAX_MESSAGE_LENGTH, MAX_HLC_SKEW_MS, decodeHlc, type Hlc } from '@concord/protocol';

const devices: TestDevice[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) await d.shutdown().catch(() => undefined);
});

async function setup(): Promise<{ be: FakeBackend; a: TestDevice; b: TestDevice; convId: string }> {
  const be = new FakeBackend();
  const a = new TestDevice('alice', be);
  const b = new TestDevice('bob', be);
  devices.push(a, b);
  await a.boot();
  await b.boot();
  await a.client.register('alice', 'password-a');
  const bob = await b.client.register('bob', 'password-b');
  await a.waitOnline();
  await b.waitOnline();
  const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
  await until('bob sees the conversation', () => b.client.conversations().some((c) => c.id === convId), [clientEvents(b.client)]);
  return { be, a, b, convId };
}

const bodies = (c: Conversation): string[] => c.messages({ limit: 1000 }).map((m) => m.body);

describe('client basics (in-process server)', () => {
  it('[MSG-1] a message sent by one user appears on the other device, in order', async () => {
    const { a, b, convId } = await setup();
    const ca = await a.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    await ca.send('hello');
    await ca.send('how are you? 🙂');
    await until('bob has 2 messages', () => bodies(cb).length === 2, [convEvents(cb)]);
    expect(bodies(cb)).toEqual(['hello', 'how are you? 🙂']);
  });

  it('[STATUS-1] own message goes sending -> sent -> delivered -> read', async () => {
    const { be, a, b, convId } = await setup();
    const ca = await a.client.conversation(convId);
    be.offline(b);
    await until('bob offline', () => b.client.connection.state !== 'online', [clientEvents(b.client)]);
    be.offline(a);
    await until('alice offline', () => a.client.connection.state !== 'online', [clientEvents(a.client)]);
    const m = await ca.send('status check');
    expect(m.status).toBe('sending');
    be.online(a);
    await until('sent', () => ca.message(m.id)?.status === 'sent', [convEvents(ca)]);
    be.online(b);
    await until('delivered', () => ca.message(m.id)?.status === 'delivered', [convEvents(ca)]);
    const cb = await b.client.conversation(convId);
    await until('bob has it', () => cb.message(m.id) !== null, [convEvents(cb)]);
    await cb.markRead();
    await until('read', () => ca.message(m.id)?.status === 'read', [convEvents(ca)]);
  });

  it('[HLC-2] a far-future stamp from the other side does not stop this device from sending, in that chat or any other', async () => {
    const { be, a, b, convId } = await setup();
    const ca = await a.client.conversation(convId);
    const bobId = b.client.session?.userId ?? '';
    const hostileId = `${bobId}.zzzz`;
    be.server.inject(`conv:${convId}`, (d) =>
      d.getMap(CONV_MESSAGES).set(hostileId, { id: hostileId, author: bobId, hlc: 'zzzzzzzzzzzzz', type: 'text', body: 'from the year 5188' }),
    );
    await until('alice has the stamped message', () => ca.message(hostileId) !== null, [convEvents(ca)]);
    const before = Date.now();
    const mine = await ca.send('still here');
    expect(decodeHlc(mine.hlc as Hlc).ms).toBeLessThanOrEqual(before + MAX_HLC_SKEW_MS + 60_000);
    const carol = await a.client.createConversation({ kind: 'group', members: [bobId] });
    const other = await (await a.client.conversation(carol)).send('and here');
    expect(decodeHlc(other.hlc as Hlc).ms).toBeLessThanOrEqual(before + MAX_HLC_SKEW_MS + 60_000);
  });

  it('[HLC-2] a device whose clock is hours behind stamps by the server clock: its answer sorts after the question it saw', async () => {
    const { be, a, b, convId } = await setup();
    // A second device of Alice's account, its clock three hours behind (no RTC battery, no NTP).
    const slow = new TestDevice('alice-slow', be, undefined, { now: () => Date.now() - 3 * 60 * 60 * 1000 });
    devices.push(slow);
    await slow.boot();
    await slow.client.login('alice', 'password-a');
    await slow.waitOnline();
    const cb = await b.client.conversation(convId);
    const question = await cb.send('are you there?');
    const cs = await slow.client.conversation(convId);
    await until('the slow device has the question', () => cs.message(question.id) !== null, [convEvents(cs)]);
    const answer = await cs.send('yes');
    expect(answer.hlc > question.hlc).toBe(true);
    const ca = await a.client.conversation(convId);
    await until('alice sees both', () => bodies(ca).includes('yes'), [convEvents(ca)]);
    expect(bodies(ca).slice(-2)).toEqual(['are you there?', 'yes']);
  });

  it('[INPUT-1] empty and oversized messages are refused with typed errors and nothing is stored', async () => {
    const { a, convId } = await setup();
    const ca = await a.client.conversation(convId);
    await expect(ca.send('   ')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(ca.send('x'.repeat(MAX_MESSAGE_LENGTH + 1))).rejects.toMatchObject({ code: 'message_too_long' });
    await expect(ca.send('')).rejects.toMatchObject({ code: 'empty_message' });
    expect(ca.messages()).toHaveLength(0);
    const ok = await ca.send('x'.repeat(MAX_MESSAGE_LENGTH));
    expect(ok.body.length).toBe(MAX_MESSAGE_LENGTH);
  });

  it('[INPUT-2] calls on a closed client reject with ClientClosedError', async () => {
    const { a, convId } = await setup();
    const ca = await a.client.conversation(convId);
    await a.client.close();
    expect(() => a.client.conversations()).toThrow(ClientClosedError);
    await expect(a.client.conversation(convId)).rejects.toBeInstanceOf(ClientClosedError);
    await expect(ca.send('late')).rejects.toBeInstanceOf(ClientClosedError);
    await expect(a.client.login('alice', 'password-a')).rejects.toMatchObject({ code: 'client_closed' });
  });
});
