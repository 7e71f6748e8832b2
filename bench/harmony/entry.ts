/*
 * Device budgets for the harmony app, measured in Node on the OpenHarmony stand-ins with the app's own bundle
 * configuration (bench/harmony.mjs builds this file with harmony-app/scripts/bundle.mjs's options: client-core,
 * yjs, lib0 and y-protocols inlined, lib0/webcrypto aliased to the cryptoFramework shim).
 *
 * 1. N conversations (default 1,000), each with one message, created through the real server;
 * 2. cold start: a fresh ConcordApp over the RDB stand-in files restores the session OFFLINE and fills the
 *    conversation list: time to first full list, heap after it;
 * 3. one chat with M messages (default 10,000: client-core has no history segments yet, so a 100k chat is one
 *    100k-message doc; see the report) opened from RDB: time and heap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '../../storage-adapters/src/rdb/standin/index';
import { startServer } from '../../sync-server/test/helpers/server';
import { AppPlatform, ConcordApp } from '../../harmony-app/entry/src/main/ets/facade/ConcordApp';
import { ohosWebSocketCtor } from '../../harmony-app/entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../../harmony-app/entry/src/main/ets/platform/httpFetch';
import { CryptoFrameworkRandom, installGlobalCrypto } from '../../harmony-app/entry/src/main/ets/platform/cryptoRandom';
import { AccountRoutedStorage, type RelationalStoreModule } from '../../harmony-app/entry/src/main/ets/platform/accountStorage';
import { StandinWebSocketModule } from '../../harmony-app/test/standins/nativeWebSocket';
import { StandinHttpModule } from '../../harmony-app/test/standins/http';
import { StandinCryptoFramework } from '../../harmony-app/test/standins/cryptoFramework';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const CONVS = arg('--convs', 1000);
const MESSAGES = arg('--messages', 10000);

declare const gc: () => void;
function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}
async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const random = new CryptoFrameworkRandom(new StandinCryptoFramework());
// As on the device: no WebCrypto unless the shim installs it (run with --no-experimental-global-webcrypto).
installGlobalCrypto(random);

async function makeApp(dir: string, serverUrl: string, offline: boolean): Promise<{ app: ConcordApp; close: () => Promise<void> }> {
  const storage = await AccountRoutedStorage.open(new StandInRelationalStore(dir) as unknown as RelationalStoreModule<object>, {});
  const sockets = new StandinWebSocketModule();
  // Offline cold start: every connect fails like a board without network (native error, no close).
  const url = offline ? 'http://127.0.0.1:9' : serverUrl;
  const platform = new AppPlatform(
    ohosWebSocketCtor(sockets),
    storage,
    ohosFetch(new StandinHttpModule()),
    (n) => random.bytes(n),
    () => () => undefined,
    null,
    null,
    'bench',
    10000,
  );
  const app = ConcordApp.create(platform, url);
  return {
    app,
    close: async () => {
      await app.client.close();
      await storage.close();
    },
  };
}

const out: Record<string, number | string> = {};
const srv = await startServer();
const dirs: string[] = [];
const tempDir = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

/** Registers an account on a fresh device dir, lets `fill` create its data online, then closes the device. */
function progress(msg: string): void {
  process.stderr.write(`[bench/harmony] ${msg}\n`);
}

async function prepare(label: string, fill: (app: ConcordApp, peer: string) => Promise<void>): Promise<string> {
  const peer = await makeApp(tempDir('concord-bench-p-'), srv.url, false);
  await peer.app.register(`${label}peer${Date.now() % 1e6}`, 'password-peer-1', 'Peer');
  const dir = tempDir('concord-bench-h-');
  const a = await makeApp(dir, srv.url, false);
  await a.app.register(`${label}${Date.now() % 1e6}`, 'password-user-1', label);
  progress(`${label}: filling`);
  await fill(a.app, peer.app.userId);
  progress(`${label}: filled`);
  await a.app.client.dropConnection();
  await a.close();
  await peer.close();
  return dir;
}

/** Cold start offline from the RDB files: restore, wait for the full list; returns the running app. */
async function coldStart(dir: string, expect: number, label: string): Promise<{ app: ConcordApp; close: () => Promise<void> }> {
  const heap0 = heapMB();
  const t = performance.now();
  const b = await makeApp(dir, srv.url, true);
  if (!(await b.app.restore())) throw new Error('no session to restore');
  await waitFor(() => b.app.conversations.count() >= expect, 30000, 'cold list');
  out[`${label}: cold start to full list (ms)`] = Math.round(performance.now() - t);
  out[`${label}: heap after cold start (MB)`] = (heapMB() - heap0).toFixed(1);
  return b;
}

try {
  let t = performance.now();
  let bigId = '';
  const chatDir = await prepare('chat', async (app, peer) => {
    bigId = await app.client.createConversation({ kind: 'direct', members: [peer] });
    await waitFor(() => app.conversations.count() >= 1, 30000, 'chat listed');
    const c = await app.client.conversation(bigId);
    for (let i = 0; i < MESSAGES; i++) await c.send(`message ${i} ${'lorem ipsum dolor sit amet '.repeat(3)}`);
  });
  out[`setup: ${MESSAGES} sends (s)`] = ((performance.now() - t) / 1000).toFixed(1);

  t = performance.now();
  const ids: string[] = [];
  const listDir = await prepare('list', async (app, peer) => {
    for (let i = 0; i < CONVS; i++) ids.push(await app.client.createConversation({ kind: 'group', members: [peer], title: `Group ${i}` }));
    await waitFor(() => app.conversations.count() >= CONVS, 120000, 'list filled');
    for (const id of ids) await (await app.client.conversation(id)).send(`first message in ${id}`);
  });
  out[`setup: ${CONVS} conversations + 1 message each (s)`] = ((performance.now() - t) / 1000).toFixed(1);

  const list = await coldStart(listDir, CONVS, `${CONVS} conversations`);
  await list.close();

  const chatApp = await coldStart(chatDir, 1, `1 chat of ${MESSAGES} messages`);
  const heap1 = heapMB();
  t = performance.now();
  const chat = await chatApp.app.openChat(bigId);
  out[`open that chat (ms)`] = Math.round(performance.now() - t);
  out['chat rows rendered (newest page)'] = chat.rows.count();
  t = performance.now();
  chat.loadOlder();
  out['one older page (ms)'] = (performance.now() - t).toFixed(1);
  out[`heap: open chat on top of cold start (MB)`] = (heapMB() - heap1).toFixed(1);
  chat.close();
  await chatApp.close();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await srv.stop();
}
console.log(JSON.stringify(out));
