/**
 * client-core bench (issue 4): send-to-render latency between two devices, resync after being offline while a few
 * of 1,000 conversations changed, and the memory of a client holding 1,000 conversations. Real sync-server on
 * loopback (SQLite in a temp dir), memory storage on the clients.
 */
import WebSocket from 'ws';
import { MemoryStorageAdapter, MemoryStore } from '@concord/storage-adapters/memory';
import { startBenchServer } from '../lib/server.js';
import { until } from '../lib/client.js';
import { Concord } from '../../client-core/src/client/concord.js';
import { w3cSocketFactory } from '../../client-core/src/platform.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CONVS = arg('convs', 1000);
const CHANGED = arg('changed', 10);
const MESSAGES = arg('messages', 300);

const traffic = { sent: 0, received: 0 };
class CountingSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('message', (data: Buffer) => (traffic.received += data.byteLength));
  }
  override send(data: Uint8Array): void {
    traffic.sent += data.byteLength;
    super.send(data);
  }
}
const openSocket = w3cSocketFactory(CountingSocket);


const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const srv = await startBenchServer();
const make = (store = new MemoryStore()) => {
  const storage = new MemoryStorageAdapter({ store });
  return { store, storage, client: new Concord({ serverUrl: srv.url, openSocket, storage }) };
};

try {
  // 1. Send-to-render latency.
  const a = make();
  const b = make();
  await a.client.register(`alice${Date.now()}`, 'bench-password-a');
  const bob = await b.client.register(`bob${Date.now()}`, 'bench-password-b');
  await until(a.client, () => a.client.isIdle);
  await until(b.client, () => b.client.isIdle);
  const convId = await a.client.createConversation({ kind: 'direct', members: [bob.userId] });
  await until(b.client, () => b.client.conversations().some((c) => c.id === convId));
  const ca = await a.client.conversation(convId);
  const cb = await b.client.conversation(convId);
  const lat: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const t0 = performance.now();
    const seen = new Promise<void>((resolve) => {
      const off = cb.events.on('messages', (page) => {
        if (page.at(-1)?.body === `m${i}`) (off(), resolve());
      });
    });
    await ca.send(`m${i}`);
    await seen;
    lat.push(performance.now() - t0);
  }
  console.log(`latency send->render over ${MESSAGES} msgs: p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms`);

  // 2. Bob in CONVS conversations.
  const ids: string[] = [convId];
  const t1 = performance.now();
  while (ids.length < CONVS) ids.push(await a.client.createConversation({ kind: 'group', members: [bob.userId], title: `g${ids.length}` }));
  await until(b.client, () => b.client.conversations().length === CONVS && b.client.isIdle, 300_000);
  for (let i = 0; i < CONVS; i += 50) {
    const c = await a.client.conversation(ids[i] ?? '');
    await c.send(`hello ${i}`);
  }
  await until(b.client, () => b.client.conversations().filter((c) => c.lastMessage !== null).length >= CONVS / 50 && b.client.isIdle, 120_000);
  console.log(`setup: ${CONVS} conversations in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  // 3. Memory of bob's client holding CONVS conversations: restore from storage into a fresh client.
  await b.client.close();
  await b.storage.close();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const b2 = make(b.store);
  await b2.client.restore();
  await until(b2.client, () => b2.client.isIdle, 120_000);
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  console.log(`memory: client holding ${CONVS} conversations: +${mb(heap1 - heap0)} heap (${((heap1 - heap0) / CONVS / 1024).toFixed(1)} KB per conversation)`);

  // 4. Resync after being offline while CHANGED conversations changed (and, for comparison, none).
  for (const changed of [0, CHANGED, CHANGED * 10]) {
    await b2.client.close();
    await b2.storage.close();
    const store = b2.store;
    for (let i = 0; i < changed; i++) {
      const c = await a.client.conversation(ids[(i * 7) % CONVS] ?? '');
      await c.send(`while bob was away ${i}`);
    }
    await until(a.client, () => a.client.isIdle);
    const b3 = make(store);
    traffic.sent = 0;
    traffic.received = 0;
    const t = performance.now();
    await b3.client.restore();
    const tLoaded = performance.now();
    await until(b3.client, () => b3.client.isIdle, 120_000);
    const tDone = performance.now();
    console.log(
      `resync, ${changed} of ${CONVS} changed: ${(tDone - tLoaded).toFixed(1)} ms from local load to synced ` +
        `(local load ${(tLoaded - t).toFixed(0)} ms), ${traffic.received} B received, ${traffic.sent} B sent`,
    );
    Object.assign(b2, b3);
  }
  await b2.client.close();
  await a.client.close();
} finally {
  await srv.stop();
}
