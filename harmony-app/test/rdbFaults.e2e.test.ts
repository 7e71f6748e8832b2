/*
 * HAPP-RDB-1: what the app does when the account's RDB store misbehaves as a loaded board's can: async calls that
 * settle late, batchInsertSync returning -1, 14800047 (the WAL file over its limit) and 14800015 (the database not
 * responding). Passing faults are retried by the RDB adapter and a message written through them is stored (it is
 * there after a restart, still pending, and goes out once online); faults past the retries are surfaced to the
 * page (`storageTrouble`) and the message still goes out once online: nothing the user sent is lost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { RdbErrorCode } from '@concord/storage-adapters/rdb';
import { StorageBusyError, StorageQuotaError } from '@concord/storage-adapters';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import type { ChatSession } from '../entry/src/main/ets/facade/chatSession';
import { boardDevice, lit, waitFor } from './boardDevice';

let srv: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const uniq = (s: string) => `${s}${Date.now() % 1e7}${Math.floor(Math.random() * 1e3)}`;
const texts = (chat: ChatSession) => chat.rows.all().map((r) => r.text);

describe('HAPP-RDB-1 the account store under board faults', () => {
  it('HAPP-RDB-1 -1, 14800047 and 14800015 on the next writes: the send is stored anyway (there after a restart, pending) and goes out once online', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const a = await boardDevice(srv.url, cleanups, { asyncDelayMs: 2 });
    const b = await boardDevice(srv.url, cleanups, { asyncDelayMs: 2 });
    await a.app.register(alice, `password-${alice}`, 'Alice');
    await b.app.register(bob, `password-${bob}`, 'Bob');
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(convId) >= 0);
    const chatA = await a.app.openChat(convId);
    a.offline = true;
    a.app.client.dropConnection();
    await waitFor('alice offline', () => !lit(a.app));

    const store = a.accountStore();
    store.batchInsertReturnsMinusOne(1);
    store.injectError(RdbErrorCode.WAL_SIZE_OVER_LIMIT, 2, 'write');
    store.injectError(RdbErrorCode.NOT_RESPONDING, 1, 'any');
    await chatA.send('written through the faults');
    expect(store.faultsLeft).toBe(0);
    expect(a.app.storageTrouble).toBeNull();
    chatA.close();
    await a.close();

    // The same install restarted, still offline: the message is in its RDB file, pending.
    const again = await boardDevice(srv.url, cleanups, { dir: a.dir, asyncDelayMs: 2 });
    cleanups.push(() => rmSync(a.dir, { recursive: true, force: true }));
    again.offline = true;
    expect(await again.app.restore()).toBe(true);
    const chatA2 = await again.app.openChat(convId);
    await waitFor('the stored message', () => texts(chatA2).includes('written through the faults'));
    expect(chatA2.rows.all().find((r) => r.text === 'written through the faults')?.status).toBe('sending');

    const chatB = await b.app.openChat(convId);
    again.online();
    await waitFor('bob gets it', () => texts(chatB).includes('written through the faults'));
  }, 60_000);

  it('HAPP-RDB-1 14800047 and 14800015 past the retries: the failure reaches the page as storageTrouble, and the message still goes out once online', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const a = await boardDevice(srv.url, cleanups);
    const b = await boardDevice(srv.url, cleanups);
    await a.app.register(alice, `password-${alice}`, 'Alice');
    await b.app.register(bob, `password-${bob}`, 'Bob');
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(convId) >= 0);
    const chatA = await a.app.openChat(convId);
    const chatB = await b.app.openChat(convId);
    a.offline = true;
    a.app.client.dropConnection();
    await waitFor('alice offline', () => !lit(a.app));

    const store = a.accountStore();
    for (const [code, type, text] of [
      [RdbErrorCode.WAL_SIZE_OVER_LIMIT, StorageQuotaError, 'the WAL stays over its limit'],
      [RdbErrorCode.NOT_RESPONDING, StorageBusyError, 'the database does not respond'],
    ] as const) {
      let changes = 0;
      const off = a.app.onChange(() => changes++);
      store.injectError(code, 1000, 'write');
      await chatA.send(text);
      await waitFor(`${code} surfaced`, () => a.app.storageTrouble instanceof type, 10_000);
      expect(changes).toBeGreaterThan(0);
      off();
      store.clearFaults();
      // Shown at once, like any send (OFFLINE-1).
      expect(texts(chatA)).toContain(text);
    }
    a.online();
    await waitFor('bob gets both', () => texts(chatB).includes('the WAL stays over its limit') && texts(chatB).includes('the database does not respond'));
  }, 60_000);
});
