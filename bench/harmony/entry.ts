/*
 * Device budgets for the harmony app, measured in Node on the OpenHarmony stand-ins with the app's own bundle
 * configuration (bench/harmony.mjs builds this file with harmony-app/scripts/bundle.mjs's options: client-core,
 * yjs, lib0 and y-protocols inlined, lib0/webcrypto aliased to the cryptoFramework shim).
 *
 * 1. N conversations (default 1,000), each with one message, created through the real server;
 * 2. cold start: a fresh ConcordApp over the RDB stand-in files restores the session OFFLINE and fills the
 *    conversation list: time to first full list, heap after it;
 * 3. one chat with M messages (default 10,000), sent through `send()`, opened from RDB: time and heap.
 *
 * Phases of the 100k-message chat (bench/harmony.mjs runs each in its own fresh Node process; the server is its
 * own process, seeded through the real protocol by bench/history/seed.ts):
 *   --phase big-seed    --http URL --messages N                  seed the conversation, print the accounts
 *   --phase big-online  --http URL --job JSON --dir D             a device logs in, opens the chat (first screen from
 *                                                                 the server), pages back 1,000, then to the start
 *   --phase big-cold    --job JSON --dir D                        offline from that RDB file: cold start, open,
 *                                                                 one older page, page back 1,000, leave the chat
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '../../storage-adapters/src/rdb/standin/index';
import { startBenchServer } from '../lib/server';
import { AppPlatform, ChatSession, ConcordApp } from '../../harmony-app/entry/src/main/ets/facade/ConcordApp';
import { ohosSocketFactory } from '../../harmony-app/entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../../harmony-app/entry/src/main/ets/platform/httpFetch';
import { CryptoFrameworkRandom } from '../../harmony-app/entry/src/main/ets/platform/cryptoRandom';
// `@concord/runtime` on a device (libs/runtime); from its source here, like the app's tsconfig paths resolve it.
import { installGlobalCrypto } from '../../harmony-app/bundle-runtime/globals';
import { Utf8Codec } from '../../harmony-app/entry/src/main/ets/platform/textCodecs';
import { standinUtil } from '@concord/harmony-app/standins/util';
import { AccountRoutedStorage, type RelationalStoreModule } from '../../harmony-app/entry/src/main/ets/platform/accountStorage';
import { StandinWebSocketModule } from '@concord/harmony-app/standins/nativeWebSocket';
import { StandinHttpModule } from '@concord/harmony-app/standins/http';
import { StandinCryptoFramework } from '@concord/harmony-app/standins/cryptoFramework';
import { seed } from '../history/seed';
import { cryptoFrameworkSha256 } from '../../harmony-app/entry/src/main/ets/platform/nativeDigest';
import { StandinCryptoMd } from '@concord/harmony-app/standins/cryptoFramework';
import { AttachmentMeta } from '../../harmony-app/entry/src/main/ets/facade/ConcordApp';
import { bytesSource, MAX_ATTACHMENT_BYTES, type DigestFactory } from '@concord/client-core';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const CONVS = arg('--convs', 1000);
const MESSAGES = arg('--messages', 10000);
const sarg = (name: string): string => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};
const FACADE_DEPTH = 10000;
const PHASE = process.argv.includes('--phase') ? sarg('--phase') : 'main';

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
/** `@ohos.util`'s UTF-8 codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

async function makeApp(dir: string, serverUrl: string, offline: boolean, digest: DigestFactory | null = null): Promise<{ app: ConcordApp; close: () => Promise<void> }> {
  const storage = await AccountRoutedStorage.open(new StandInRelationalStore(dir) as unknown as RelationalStoreModule<object>, {}, codec);
  const sockets = new StandinWebSocketModule();
  // Offline cold start: every connect fails like a board without network (native error, no close).
  const url = offline ? 'http://127.0.0.1:9' : serverUrl;
  const platform = new AppPlatform(
    ohosSocketFactory(sockets),
    storage,
    ohosFetch(new StandinHttpModule(), (b: Uint8Array) => codec.decode(b)),
    (n) => random.bytes(n),
    () => () => undefined,
    null,
    null,
    'bench',
    10000,
    null,
    digest,
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

const out: Record<string, number | string | boolean | number[]> = {};
const srv = PHASE === 'main' ? await startBenchServer() : null;
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
  const url = (srv as NonNullable<typeof srv>).url;
  const peer = await makeApp(tempDir('concord-bench-p-'), url, false);
  await peer.app.register(`${label}peer${Date.now() % 1e6}`, 'password-peer-1', 'Peer');
  const dir = tempDir('concord-bench-h-');
  const a = await makeApp(dir, url, false);
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
  const b = await makeApp(dir, '', true);
  if (!(await b.app.restore())) throw new Error('no session to restore');
  await waitFor(() => b.app.conversations.count() >= expect, 30000, 'cold list');
  out[`${label}: cold start to full list (ms)`] = Math.round(performance.now() - t);
  out[`${label}: heap after cold start (MB)`] = (heapMB() - heap0).toFixed(1);
  return b;
}

async function main(): Promise<void> {
  if (MESSAGES > 0) {
    let t = performance.now();
    let chatId = '';
    const chatDir = await prepare('chat', async (app, peer) => {
      chatId = await app.client.createConversation({ kind: 'direct', members: [peer] });
      await waitFor(() => app.conversations.count() >= 1, 30000, 'chat listed');
      const c = await app.client.conversation(chatId);
      for (let i = 0; i < MESSAGES; i++) await c.send(`message ${i} ${'lorem ipsum dolor sit amet '.repeat(3)}`);
    });
    out[`setup: ${MESSAGES} sends (s)`] = ((performance.now() - t) / 1000).toFixed(1);

    const chatApp = await coldStart(chatDir, 1, `1 chat of ${MESSAGES} messages`);
    const heap1 = heapMB();
    t = performance.now();
    const chat = await chatApp.app.openChat(chatId);
    out[`open that chat (ms)`] = Math.round(performance.now() - t);
    out['chat rows rendered (newest page)'] = chat.rows.count();
    t = performance.now();
    // ChatSession.loadOlder is async (it may fetch an older segment): awaited, not just started.
    if (!(await chat.loadOlder())) throw new Error('no older page');
    out['one older page (ms)'] = (performance.now() - t).toFixed(1);
    out[`heap: open chat on top of cold start (MB)`] = (heapMB() - heap1).toFixed(1);
    chat.close();
    await chatApp.close();
  }

  if (CONVS > 0) {
    const t = performance.now();
    const ids: string[] = [];
    const listDir = await prepare('list', async (app, peer) => {
      for (let i = 0; i < CONVS; i++) ids.push(await app.client.createConversation({ kind: 'group', members: [peer], title: `Group ${i}` }));
      await waitFor(() => app.conversations.count() >= CONVS, 120000, 'list filled');
      for (const id of ids) await (await app.client.conversation(id)).send(`first message in ${id}`);
    });
    out[`setup: ${CONVS} conversations + 1 message each (s)`] = ((performance.now() - t) / 1000).toFixed(1);
    const list = await coldStart(listDir, CONVS, `${CONVS} conversations`);
    await list.close();
  }
}

// ---- the 100k-message chat (history segments, SPEC 3.5) -----------------------------------------------------------

/** What the seeding phase hands to the device phases. */
interface BigJob {
  username: string;
  password: string;
  convId: string;
  newestId: string;
  oldestId: string;
  messages: number;
  segments: number;
  rawJsonBytes: number;
  seedMs: number;
}

async function bigSeed(): Promise<void> {
  const messages = arg('--messages', 100000);
  const s = await seed({ http: sarg('--http'), messages, segmentMessages: 1000, tag: `hm${Date.now().toString(36).slice(-6)}`, log: progress });
  const a = s.users[0];
  const job: BigJob = { username: a.username, password: a.password, convId: s.convId, newestId: s.newestId, oldestId: s.oldestId, messages, segments: s.segments, rawJsonBytes: s.rawJsonBytes, seedMs: s.seedMs };
  console.log(JSON.stringify(job));
}

/** Segment docs of the conversation in the account's RDB file. */
async function heldSegments(app: ConcordApp, convId: string): Promise<number> {
  const storage = (app as unknown as { platform: AppPlatform }).platform.storage;
  return (await storage.listDocs(`conv:${convId}`)).length;
}

/** Segment numbers of the conversation loaded in memory (client-core internals, read for the report only). */
function loadedSegments(app: ConcordApp, convId: string): number[] {
  const rt = (app.client as unknown as { runtime: { histories: { get(id: string): { segments(): Iterable<{ n: number }> } } } }).runtime;
  return [...rt.histories.get(convId).segments()].map((x) => x.n).sort((x, y) => x - y);
}

/** The account's RDB file (+ WAL) in the device dir, in bytes. */
function accountFileBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) if (f.startsWith('concord_u_')) n += statSync(join(dir, f)).size;
  return n;
}

/** Page back `count` messages through the facade, a page of 50 per scroll as the chat page does. */
async function pageBack(chat: ChatSession, count: number): Promise<{ ms: number; rows: number }> {
  const start = chat.rows.count();
  const t = performance.now();
  while (chat.rows.count() - start < count) {
    if (!(await chat.loadOlder())) {
      if (!chat.hasOlder) break;
      throw new Error('an older page did not come');
    }
  }
  return { ms: performance.now() - t, rows: chat.rows.count() - start };
}

async function bigOnline(): Promise<void> {
  const job = JSON.parse(sarg('--job')) as BigJob;
  const dir = sarg('--dir');
  const d = await makeApp(dir, sarg('--http'), false);
  const t0 = performance.now();
  await d.app.login(job.username, job.password);
  const tLogin = performance.now();
  await waitFor(() => d.app.client.conversations().some((c) => c.id === job.convId), 30000, 'the chat in the list');
  const tList = performance.now();
  const chat = await d.app.openChat(job.convId);
  await waitFor(() => chat.rows.count() >= 50 && chat.rows.at(chat.rows.count() - 1)?.key === job.newestId, 30000, 'newest 50 rows');
  const tShown = performance.now();
  out['firstScreenMs'] = tShown - t0;
  out['loginMs'] = tLogin - t0;
  out['listMs'] = tList - tLogin;
  out['openMs'] = tShown - tList;
  out['segmentsAtFirstScreen'] = await heldSegments(d.app, job.convId);
  out['heapAtFirstScreenMB'] = heapMB();
  await waitFor(() => d.app.client.isIdle, 60000, 'idle');
  await new Promise((r) => setTimeout(r, 1500));
  out['segmentsAfterSettle'] = await heldSegments(d.app, job.convId);
  const back = await pageBack(chat, 1000);
  out['pageBack1000Ms'] = back.ms;
  progress(`online: first screen ${out['firstScreenMs']} ms, page back 1,000 from the server ${back.ms.toFixed(0)} ms`);
  // The facade re-renders every row it holds on each page (ChatSession.render), so a page costs more the deeper the
  // user is: pages of 50 on to 10,000 rows, with the last page timed; the rest (to fill the RDB file with every
  // segment) through client-core's loadOlder in pages of 1,000, as bench/history's full device does.
  const deep = await pageBack(chat, FACADE_DEPTH - chat.rows.count());
  out['pageTo10kMs'] = deep.ms;
  let t = performance.now();
  await pageBack(chat, 50);
  out['pageAt10kMs'] = performance.now() - t;
  out['rowsInFacade'] = chat.rows.count();
  const conv = await d.app.client.conversation(job.convId);
  let first = chat.rows.at(0)?.key ?? '';
  t = performance.now();
  for (;;) {
    const older = await conv.loadOlder(first, 1000);
    if (older.length === 0) break;
    first = older[0]?.id ?? '';
  }
  out['pageRestMs'] = performance.now() - t;
  out['reachedStart'] = conv.reachedStart && first === job.oldestId;
  out['heapAllSegmentsMB'] = heapMB(); // every segment paged into the view, 10,050 facade rows
  chat.close();
  await waitFor(() => d.app.client.isIdle, 120000, 'idle');
  await new Promise((r) => setTimeout(r, 1000));
  out['segmentsHeld'] = await heldSegments(d.app, job.convId);
  await d.app.client.dropConnection();
  await d.close();
  out['fileBytes'] = accountFileBytes(dir);
  // The same file checkpointed and vacuumed (the app never vacuums; this is the floor).
  for (const f of readdirSync(dir)) {
    if (!f.startsWith('concord_u_') || !f.endsWith('.db')) continue;
    const db = new Database(join(dir, f));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    out['fileBytesVacuumed'] = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    db.close();
  }
}

async function bigCold(): Promise<void> {
  const job = JSON.parse(sarg('--job')) as BigJob;
  const dir = sarg('--dir');
  const h0 = heapMB();
  const t0 = performance.now();
  const b = await makeApp(dir, '', true);
  if (!(await b.app.restore())) throw new Error('no session to restore');
  await waitFor(() => b.app.conversations.count() >= 1 && b.app.conversations.at(0)?.preview !== '', 30000, 'cold list');
  out['coldStartMs'] = performance.now() - t0;
  const h1 = heapMB();
  out['heapColdMB'] = h1 - h0;
  let t = performance.now();
  let chat: ChatSession | null = await b.app.openChat(job.convId);
  out['openMs'] = performance.now() - t;
  out['loadedAtOpen'] = loadedSegments(b.app, job.convId);
  if (chat.rows.count() !== 50 || chat.rows.at(49)?.key !== job.newestId) throw new Error(`open: ${chat.rows.count()} rows`);
  const h2 = heapMB();
  out['heapOpenMB'] = h2 - h1;
  t = performance.now();
  if (!(await chat.loadOlder())) throw new Error('no older page');
  out['olderPageMs'] = performance.now() - t;
  // Send offline (what the user waits on: written to RDB and the row shown; the upload waits for a network).
  const rowsBefore = chat.rows.count();
  t = performance.now();
  await chat.send(`cold-run message ${Date.now()}`);
  out['sendMs'] = performance.now() - t;
  if (chat.rows.count() !== rowsBefore + 1) throw new Error(`send: ${chat.rows.count()} rows after sending, ${rowsBefore} before`);
  const back = await pageBack(chat, 950);
  out['pageBack1000Ms'] = out['olderPageMs'] + back.ms;
  out['rowsAfterPaging'] = chat.rows.count();
  out['heapAfterPagingMB'] = heapMB() - h1;
  out['loadedAfterPaging'] = loadedSegments(b.app, job.convId);
  chat.close();
  // The page is gone with its rows (the app drops its ChatSession when the page is left).
  chat = null;
  await new Promise((r) => setTimeout(r, 50));
  out['loadedAfterLeave'] = loadedSegments(b.app, job.convId);
  out['heapAfterLeaveMB'] = heapMB() - h1;
  out['openViews'] = b.app.openViews;
  await b.close();
}

/**
 * A 25 MiB attachment sent offline into the big chat (HAPP-ATTACH-2): time until sendAttachment resolves (read in
 * chunks, hashed, stored in parts, message written) and the longest the event loop waited meanwhile, hashed by
 * the app's digest (--digest md: cryptoFramework's Md, native; its stand-in is node:crypto) or client-core's
 * pure-JS fallback (--digest js).
 */
async function bigAttach(): Promise<void> {
  const job = JSON.parse(sarg('--job')) as BigJob;
  const native = sarg('--digest') === 'md';
  const b = await makeApp(sarg('--dir'), '', true, native ? cryptoFrameworkSha256(new StandinCryptoMd()) : null);
  if (!(await b.app.restore())) throw new Error('no session to restore');
  const chat = await b.app.openChat(job.convId);
  const bytes = new Uint8Array(MAX_ATTACHMENT_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >>> 16)) & 0xff;
  let longest = 0;
  let last = performance.now();
  let on = true;
  const tick = (): void => {
    if (!on) return;
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const t = performance.now();
  await chat.sendAttachment(bytesSource(bytes), new AttachmentMeta('file', 'big.bin', 'application/octet-stream'));
  out['attachMs'] = performance.now() - t;
  on = false;
  out['attachLongestGapMs'] = Math.max(longest, performance.now() - last);
  chat.close();
  await b.close();
}

try {
  if (PHASE === 'main') await main();
  else if (PHASE === 'big-attach') await bigAttach();
  else if (PHASE === 'big-seed') await bigSeed();
  else if (PHASE === 'big-online') await bigOnline();
  else if (PHASE === 'big-cold') await bigCold();
  else throw new Error(`unknown phase ${PHASE}`);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await srv?.stop();
}
if (PHASE !== 'big-seed') console.log(JSON.stringify(out));
