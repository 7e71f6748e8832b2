import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { FakeBackend } from './helpers/fakeBackend.js';
import { account, all, ids, threeDevices, uniqueName, type World } from './helpers/scenarios.js';
import { TestDevice } from './helpers/devices.js';
import { clientEvents, until } from './helpers/wait.js';
import { FrameKind } from '@concord/protocol';
import { backoffDelay } from '../src/connection/backoff.js';
import { Concord } from '../src/client/concord.js';
import type { NetworkSource } from '../src/platform.js';

let w: World & { be: FakeBackend };
const fresh = (): World & { be: FakeBackend } => (w = { be: new FakeBackend(), devices: [] });
afterEach(async () => {
  for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
});

describe('engine rules (in-process server)', () => {
  it('[FAIL-1] a REJECTed update marks the messages in it failed with the reason; retry sends a new entry', async () => {
    fresh();
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    w.be.server.rejectUpdate = (_doc, _user, update) => (new TextDecoder().decode(update).includes('forbidden words') ? 'CONV-OWN-9 no' : null);
    const bad = await c1.send('forbidden words');
    await until('failed', () => c1.message(bad.id)?.status === 'failed', all(c1));
    expect(c1.message(bad.id)?.failureReason).toContain('CONV-OWN-9');
    // Later messages are not held back by the refused one.
    const good = await c1.send('fine words');
    await until('good delivered', () => c1.message(good.id)?.status === 'delivered', all(c1));
    expect(cb.message(bad.id)).toBeNull();
    w.be.server.rejectUpdate = null;
    const again = await c1.retry(bad.id);
    expect(again.id).not.toBe(bad.id);
    expect(c1.message(bad.id)).toBeNull();
    await until('retried one arrives', () => cb.message(again.id)?.body === 'forbidden words', all(cb));
    // A failed entry stays failed across a restart and is not offered again.
    await a1.restart();
    const c1b = await a1.client.conversation(convId);
    await a1.waitOnline();
    expect(c1b.message(bad.id)).toBeNull();
    expect(ids(cb)).toHaveLength(2);
  });

  it('[CONN-5] a server of another protocol version stops the client with a version error', async () => {
    fresh();
    const d = await account(w, 'v', uniqueName('v'), 'register');
    w.be.server.version = 99;
    let reason = '';
    d.client.events.on('versionMismatch', (e) => (reason = e.reason));
    d.client.dropConnection();
    await until('version error', () => reason !== '', [clientEvents(d.client)]);
    expect(d.client.connection.state).toBe('offline');
  });

  it('[CLOSE-1] a 4403 close stops reconnecting with the reason shown; a 4408 close reconnects', async () => {
    fresh();
    const d = await account(w, 'fb', uniqueName('fb'), 'register');
    const states: string[] = [];
    d.client.events.on('connection', (s) => states.push(`${s.state}:${s.reason ?? ''}`));
    const serverSide = (): { close(code: number, reason?: string): void } => {
      const conn = [...w.be.server.conns].at(-1);
      if (conn === undefined) throw new Error('no connection on the server');
      return conn.side;
    };
    // The control: a code that is not terminal is answered by reconnecting.
    serverSide().close(4408, 'no heartbeat');
    await until('offline after 4408', () => states.some((s) => s.startsWith('offline:')), [clientEvents(d.client)]);
    await d.waitOnline();
    const connsBefore = w.be.server.conns.size;
    serverSide().close(4403, '');
    await until('offline after 4403', () => d.client.connection.state === 'offline' && states.at(-1) === 'offline:closed 4403: forbidden', [clientEvents(d.client)]);
    const seen = states.length;
    // Nothing to await for an absence: wait well past the test backoff's cap (200 ms) and look again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(d.client.connection.state).toBe('offline');
    expect(states.slice(seen)).toEqual([]);
    expect(w.be.server.conns.size).toBe(connsBefore - 1);
  });

  it('[CONN-3] the heartbeat notices a link that went silent and reconnects', async () => {
    fresh();
    const d = await account(w, 'hb', uniqueName('hb'), 'register');
    const link = w.be.links.get(d);
    const sock = [...(link?.sockets ?? [])][0];
    if (sock === undefined) throw new Error('no socket');
    // Black-hole the socket: nothing arrives, nothing closes.
    sock.onmessage = null;
    (sock as unknown as { deliver: () => void }).deliver = () => undefined;
    const states: string[] = [];
    d.client.events.on('connection', (s) => states.push(`${s.state}:${s.reason ?? ''}`));
    await until('offline after missed beats', () => states.some((s) => s.includes('heartbeat')), [clientEvents(d.client)], 5000);
    await d.waitOnline();
  });

  it('[CONN-1] connection states go connecting -> online, and offline with a reason on loss', async () => {
    fresh();
    const d = new TestDevice('st', w.be);
    w.devices.push(d);
    await d.boot();
    const states: string[] = [];
    d.client.events.on('connection', (s) => states.push(s.state));
    await d.client.register(uniqueName('st'), 'password-st');
    await d.waitOnline();
    w.be.offline(d);
    await until('offline', () => d.client.connection.state === 'offline', [clientEvents(d.client)]);
    expect(d.client.connection.reason).toMatch(/1006/);
    expect(states.slice(0, 2)).toEqual(['connecting', 'online']);
  });

  it('[CONN-2] backoff is exponential with full jitter, capped; a network-online signal reconnects at once', async () => {
    const opts = { baseMs: 500, capMs: 30_000 };
    expect(backoffDelay(0, opts, () => 0.999)).toBeLessThan(500);
    expect(backoffDelay(3, opts, () => 0.999)).toBe(3996);
    expect(backoffDelay(20, opts, () => 0.999)).toBe(29_970);
    expect(backoffDelay(20, opts, () => 0.5)).toBe(15_000);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
    fresh();
    let online: (() => void) | null = null;
    const network: NetworkSource = { onOnline: (cb) => ((online = cb), () => (online = null)) };
    const storage = new MemoryStorageAdapter();
    const client = new Concord({
      serverUrl: w.be.serverUrl,
      openSocket: w.be.server.socketFactory(),
      fetch: w.be.fetch,
      storage,
      network,
      // A huge backoff: only the online signal can bring it back within the test's deadline.
      backoff: { baseMs: 60_000, capMs: 60_000 },
      random: (n) => new Uint8Array(n).fill(255),
    });
    try {
      w.be.server.stop();
      await expect(client.register(uniqueName('n'), 'password-n')).rejects.toMatchObject({ status: 0, code: 'network' });
      w.be.server.start();
      await client.register(uniqueName('n'), 'password-n');
      await until('online', () => client.connection.state === 'online', [clientEvents(client)]);
      w.be.server.stop();
      await until('offline', () => client.connection.state === 'offline', [clientEvents(client)]);
      w.be.server.start();
      expect(online).not.toBeNull();
      (online as unknown as () => void)();
      await until('back online at once', () => client.connection.state === 'online', [clientEvents(client)], 2000);
    } finally {
      await client.close();
      await storage.close();
    }
  });

  it('[MUX-1] after a reconnect only changed docs, unacknowledged docs and open docs run the handshake', async () => {
    fresh();
    const alice = await account(w, 'alice', uniqueName('alice'), 'register');
    const bob = await account(w, 'bob', uniqueName('bob'), 'register');
    const bobId = bob.client.session?.userId ?? '';
    const convIds: string[] = [];
    for (let i = 0; i < 6; i++) convIds.push(await alice.client.createConversation({ kind: 'group', members: [bobId], title: `g${i}` }));
    await until('bob has 6, synced', () => bob.client.conversations().length === 6 && bob.client.isIdle, [clientEvents(bob.client)]);
    w.be.offline(bob);
    await until('bob offline', () => bob.client.connection.state !== 'online', [clientEvents(bob.client)]);
    const c = await alice.client.conversation(convIds[2] ?? '');
    await c.send('only this one changed');
    const from = w.be.server.log.length;
    w.be.online(bob);
    await bob.waitOnline();
    const bobDevice = bob.client.session?.deviceId;
    const step1Docs = w.be.server.log
      .slice(from)
      .filter((e) => e.device === bobDevice && e.frame.kind === FrameKind.Sync && e.frame.payload[0] === 0)
      .map((e) => (e.frame.kind === FrameKind.Sync ? e.frame.doc : ''));
    expect(new Set(step1Docs)).toEqual(new Set([`user:${bobId}`, `conv:${convIds[2]}`]));
  });

  it('[CORRUPT-1] a doc whose stored bytes are corrupt is reported and what can be read is kept', async () => {
    fresh();
    const { a1, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    await c1.send('kept');
    await a1.client.close();
    await a1.storage.appendUpdate(`conv:${convId}`, new Uint8Array([0, 1, 2, 255, 255, 255, 9]));
    await a1.storage.setKv(`docmeta:conv:${convId}`, new Uint8Array([123, 0]));
    await a1.storage.close();
    await a1.boot();
    const errors: string[] = [];
    a1.client.events.on('storageError', (e) => errors.push(`${e.doc}: ${e.error.message}`));
    await a1.client.restore();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const again = await a1.client.conversation(convId);
    expect(again.messages().map((m) => m.body)).toEqual(['kept']);
    await again.send('still works');
    expect(again.messages()).toHaveLength(2);
  });

  it('[SESSION-1] restore() resumes offline from storage; logout erases local data', async () => {
    fresh();
    const { a1, convId } = await threeDevices(w);
    const session = a1.client.session;
    w.be.offline(a1);
    await a1.restart();
    expect(a1.client.session).toEqual(session);
    expect(a1.client.conversations().map((c) => c.id)).toEqual([convId]);
    w.be.online(a1);
    await a1.waitOnline();
    await a1.client.logout();
    expect(a1.client.session).toBeNull();
    expect(await a1.storage.listDocs()).toEqual([]);
    await a1.restart();
    expect(a1.client.session).toBeNull();
  });
});
