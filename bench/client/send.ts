/**
 * client-core bench: N sends into one conversation (the per-send cost must not grow with the history). Alice sends
 * N messages one after another (each `send` resolves once the entry is in local storage, OFFLINE-1) while bob's
 * device is online in the same process; both have the conversation open with a `messages` listener and a
 * `conversations` listener, as an app showing the chat and the list would. Real sync-server on loopback (SQLite
 * in a temp dir), memory storage on the clients.
 */
import WebSocket from 'ws';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { startBenchServer } from '../lib/server.js';
import { until } from '../lib/client.js';
import { Concord } from '../../client-core/src/client/concord.js';
import { w3cSocketFactory } from '../../client-core/src/platform.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SENDS = arg('sends', 1000);
const openSocket = w3cSocketFactory(WebSocket);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const srv = await startBenchServer();
const make = () => new Concord({ serverUrl: srv.url, openSocket, storage: new MemoryStorageAdapter() });
try {
  const a = make();
  const b = make();
  await a.register(`alice${Date.now()}`, 'bench-password-a');
  const bob = await b.register(`bob${Date.now()}`, 'bench-password-b');
  await until(a, () => a.isIdle, 600_000);
  await until(b, () => b.isIdle, 600_000);
  const convId = await a.createConversation({ kind: 'direct', members: [bob.userId] });
  await until(b, () => b.conversations().some((c) => c.id === convId), 600_000);
  const ca = await a.conversation(convId);
  const cb = await b.conversation(convId);
  let pageA = 0;
  let pageB = 0;
  ca.events.on('messages', () => pageA++);
  cb.events.on('messages', () => pageB++);
  a.events.on('conversations', () => undefined);
  b.events.on('conversations', () => undefined);

  const per: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) {
    const t = performance.now();
    await ca.send(`message ${i} ${'x'.repeat(90)}`);
    per.push(performance.now() - t);
  }
  const tSent = performance.now();
  const tenth = Math.max(1, Math.floor(SENDS / 10));
  const ms = (x: number): string => `${x.toFixed(2)} ms`;
  console.log(
    `send x${SENDS}: total ${((tSent - t0) / 1000).toFixed(1)} s, mean ${ms((tSent - t0) / SENDS)}/send; ` +
      `median per send: first 10% ${ms(median(per.slice(0, tenth)))}, last 10% ${ms(median(per.slice(-tenth)))}`,
  );
  const caughtUp = (): boolean => b.conversations().find((c) => c.id === convId)?.lastMessage?.body.startsWith(`message ${SENDS - 1} `) === true;
  await until(b, caughtUp, 120_000).catch(() => undefined);
  const tSeen = performance.now();
  console.log(
    caughtUp()
      ? `bob's list shows the last message ${((tSeen - tSent) / 1000).toFixed(1)} s after the last send (${pageA} / ${pageB} page events)`
      : `bob's list did not show the last message within 120 s after the last send`,
  );
  await a.close();
  await b.close();
} finally {
  await srv.stop();
}
