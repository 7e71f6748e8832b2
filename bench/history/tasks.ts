/**
 * The measured parts of the history bench (issue 6), each run by run.mjs in a fresh Node process
 * (`node --expose-gc <bundle> <task> '<json args>'`), so JIT and heap state of one run never help the next.
 * Each task prints one line `RESULT <json>` on stdout; progress goes to stderr.
 *
 *   seed        register two users, create the conversation, send every segment (seed.ts)
 *   newdevice   login on a fresh SQLite file, time to the newest 50, segments downloaded, page back from the server
 *   fulldevice  login on a fresh file, page to the start (every segment), wait until synced; compact + size the file
 *   reopen      restore() offline from that file: list, first screen, heap, page back locally, evict
 *   baseline-build / baseline-load   the single-doc baseline: one Y.Doc with every message
 *   serverdb    the server's SQLite file after it stopped: bytes of conversation data, vacuumed file size
 *
 * HISTORY_TRACE=1 logs the new device's first socket frames (kind, size, time) to stderr.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { SqliteStorageAdapter } from '@concord/storage-adapters/sqlite';
import { compactNow } from '@concord/storage-adapters';
import { Concord } from '../../client-core/src/client/concord.ts';
import type { Conversation } from '../../client-core/src/conversation/conversation.ts';
import type { Runtime } from '../../client-core/src/client/runtime.ts';
import { w3cSocketFactory } from '../../client-core/src/platform.ts';
import { parseDocName, type ConversationId } from '../../protocol/src/ids.ts';
import { CONV_MESSAGES, CONV_RECEIPTS, compareMessages, parseMessageEntry, receiptKey, type MessageEntry } from '../../protocol/src/conv.ts';
import { encodeClockVector } from '../../protocol/src/coverage.ts';
import { chat, jsonBytes } from './gen.ts';
import { seed } from './seed.ts';

const log = (s: string): void => void process.stderr.write(`  [${process.argv[2]}] ${s}\n`);
const now = (): number => performance.now();
const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  g();
  g();
};
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Socket traffic of this process: bytes in/out and when the first socket opened and got its first frame. */
const traffic = { bytesIn: 0, bytesOut: 0, framesIn: 0, openAt: null as number | null, firstFrameAt: null as number | null };

/** `ws` with a no-op error listener (client-core listens through the W3C interface) that counts traffic. */
class Socket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => undefined);
    this.on('open', () => void (traffic.openAt ??= now()));
    this.on('message', (d: Buffer) => {
      traffic.firstFrameAt ??= now();
      traffic.framesIn++;
      if (process.env['HISTORY_TRACE'] && traffic.framesIn < 15) log(`frame ${traffic.framesIn} kind ${d[0]} ${d.byteLength} B at ${now().toFixed(0)}`);
      traffic.bytesIn += d.byteLength;
    });
  }
  override send(data: Uint8Array): void {
    traffic.bytesOut += data.byteLength;
    super.send(data);
  }
}
const openSocket = w3cSocketFactory(Socket);

/** Resolves when `check()` holds, re-checking on client/conversation events and every 2 ms. */
async function until(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function runtime(client: Concord): Runtime {
  const rt = (client as unknown as { runtime: Runtime | null }).runtime;
  if (rt === null) throw new Error('no runtime');
  return rt;
}

/** Segment numbers of the conversation loaded in memory. */
function loadedSegments(client: Concord, conv: string): number[] {
  return [...runtime(client).histories.get(conv as ConversationId).segments()].map((s) => s.n).sort((a, b) => a - b);
}

/** Segment numbers of the conversation in local storage. */
async function heldSegments(storage: SqliteStorageAdapter, conv: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await storage.listDocs('conv:')) {
    const p = parseDocName(name);
    if (p?.kind === 'conv' && p.conversationId === conv) out.push(p.segment);
  }
  return out.sort((a, b) => a - b);
}

/** Page back `count` messages in pages of `page` (as a scrolling UI does), returns the time and what came. */
async function pageBack(c: Conversation, count: number, page = 50): Promise<{ ms: number; got: number; oldestShown: string }> {
  let first = c.messages()[0];
  if (first === undefined) throw new Error('empty conversation');
  let got = 0;
  const t = now();
  while (got < count) {
    const older = await c.loadOlder(first.id, Math.min(page, count - got));
    if (older.length === 0) break;
    got += older.length;
    first = older[0] as NonNullable<typeof first>;
  }
  return { ms: now() - t, got, oldestShown: first.id };
}

const summarize = (ns: number[]): string => (ns.length <= 6 ? ns.join(',') : `${ns.slice(0, 3).join(',')}..${ns.slice(-3).join(',')} (${ns.length})`);

interface DeviceArgs {
  http: string;
  username: string;
  password: string;
  convId: string;
  newestId: string;
  file: string;
  pageBack?: number;
  settleMs?: number;
}

/** (1) and (2a): a new device. */
async function newDevice(a: DeviceArgs): Promise<unknown> {
  const storage = SqliteStorageAdapter.open(a.file);
  const client = new Concord({ serverUrl: a.http, openSocket, storage, deviceName: 'history-bench-new' });
  const seen: Record<string, number> = {};
  client.events.on('connection', (st) => void (seen[st.state] ??= now()));
  const t0 = now();
  await client.login(a.username, a.password);
  const tLogin = now();
  await until('the conversation in the list', () => client.conversations().some((c) => c.id === a.convId));
  const tList = now();
  if (process.env['HISTORY_TRACE']) log(`t0 ${t0.toFixed(0)} login ${tLogin.toFixed(0)} list ${tList.toFixed(0)}`);
  const c = await client.conversation(a.convId);
  const tOpen = now();
  const atOpen = c.messages();
  const openCorrect = atOpen.length === 50 && atOpen.at(-1)?.id === a.newestId;
  await until('the newest 50 on screen', () => {
    const m = c.messages();
    return m.length === 50 && m.at(-1)?.id === a.newestId;
  });
  const tShown = now();
  const trafficAtShown = { ...traffic };
  const heldAtShown = await heldSegments(storage, a.convId);
  const loadedAtShown = loadedSegments(client, a.convId);
  // What a new device goes on downloading in the background once the screen is up.
  await until('idle', () => client.isIdle, 60_000);
  await sleep(a.settleMs ?? 1500);
  await until('idle', () => client.isIdle, 60_000);
  const heldAfterSettle = await heldSegments(storage, a.convId);
  let back: Awaited<ReturnType<typeof pageBack>> | null = null;
  let heldAfterPaging: number[] = [];
  if ((a.pageBack ?? 0) > 0) {
    back = await pageBack(c, a.pageBack ?? 0);
    heldAfterPaging = await heldSegments(storage, a.convId);
  }
  await client.close();
  await storage.close();
  log(
    `first screen ${(tShown - t0).toFixed(0)} ms (login ${(tLogin - t0).toFixed(0)}, connecting at ${seen['connecting']! - t0 | 0}, socket open ${(trafficAtShown.openAt ?? NaN) - t0 | 0}, first frame ${(trafficAtShown.firstFrameAt ?? NaN) - t0 | 0}, online at ${seen['online']! - t0 | 0}, ${trafficAtShown.bytesIn} B in, list ${(tList - tLogin).toFixed(0)}, open ${(tOpen - tList).toFixed(0)}, ` +
      `then ${(tShown - tOpen).toFixed(0)}); held ${summarize(heldAtShown)} -> ${summarize(heldAfterSettle)}` +
      (back ? `; page back ${back.got} in ${back.ms.toFixed(0)} ms` : ''),
  );
  return {
    firstScreenMs: tShown - t0,
    loginMs: tLogin - t0,
    listMs: tList - tLogin,
    connectingAtMs: seen['connecting'] === undefined ? null : seen['connecting'] - t0,
    onlineAtMs: seen['online'] === undefined ? null : seen['online'] - t0,
    openMs: tOpen - tList,
    afterOpenMs: tShown - tOpen,
    openCorrect,
    socketOpenAtMs: trafficAtShown.openAt === null ? null : trafficAtShown.openAt - t0,
    firstFrameAtMs: trafficAtShown.firstFrameAt === null ? null : trafficAtShown.firstFrameAt - t0,
    bytesInAtFirstScreen: trafficAtShown.bytesIn,
    bytesOutAtFirstScreen: trafficAtShown.bytesOut,
    segmentsAtFirstScreen: heldAtShown.length,
    heldAtFirstScreen: heldAtShown,
    loadedAtFirstScreen: loadedAtShown,
    segmentsAfterSettle: heldAfterSettle.length,
    heldAfterSettle,
    pageBackMs: back?.ms ?? null,
    pageBackGot: back?.got ?? null,
    segmentsAfterPaging: heldAfterPaging.length,
  };
}

/** A device that holds everything: page to the start once (every segment from the server), then size its file. */
async function fullDevice(a: DeviceArgs & { messages: number }): Promise<unknown> {
  const storage = SqliteStorageAdapter.open(a.file);
  const client = new Concord({ serverUrl: a.http, openSocket, storage, deviceName: 'history-bench-full' });
  await client.login(a.username, a.password);
  await until('the conversation in the list', () => client.conversations().some((c) => c.id === a.convId));
  const c = await client.conversation(a.convId);
  await until('the newest 50', () => c.messages().at(-1)?.id === a.newestId);
  const t = now();
  const back = await pageBack(c, a.messages, 1000);
  const pageAllMs = now() - t;
  const reached = c.reachedStart;
  await until('idle', () => client.isIdle, 120_000);
  await sleep(1000);
  await until('idle', () => client.isIdle, 120_000);
  const held = await heldSegments(storage, a.convId);
  await client.close();
  await storage.close();
  // Bytes on disk: every doc compacted into one snapshot (compactNow), then the file checkpointed and vacuumed.
  const before = fileBytes(a.file);
  const s2 = SqliteStorageAdapter.open(a.file);
  const tc = now();
  let compacted = 0;
  for (const doc of await s2.listDocs()) if ((await compactNow(s2, doc)) !== null) compacted++;
  const compactMs = now() - tc;
  await s2.close();
  const sized = vacuumedSize(a.file, "doc LIKE 'conv:%'", 'updates', 'snapshots');
  log(`paged ${back.got + 50} messages to the start in ${(pageAllMs / 1000).toFixed(1)} s, held ${summarize(held)}; file ${sized.fileBytes} B`);
  return { pageAllMs, messagesShown: back.got + 50, reachedStart: reached, segmentsHeld: held.length, fileBytesBefore: before, compacted, compactMs, ...sized };
}

function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      n += statSync(f).size;
    } catch {
      // absent
    }
  }
  return n;
}

/** Checkpoint, VACUUM, then page_count * page_size; and the bytes of conversation rows in the given tables. */
function vacuumedSize(file: string, convWhere: string, ...tables: string[]): { fileBytes: number; convDataBytes: number; convRows: number } {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    let convDataBytes = 0;
    let convRows = 0;
    for (const t of tables) {
      const r = db.prepare(`SELECT COALESCE(SUM(LENGTH(data)), 0) AS b, COUNT(*) AS n FROM ${t} WHERE ${convWhere}`).get() as { b: number; n: number };
      convDataBytes += r.b;
      convRows += r.n;
    }
    return { fileBytes: pages * size, convDataBytes, convRows };
  } finally {
    db.close();
  }
}

/** (3), (4), (2b): the device that holds everything, reopened offline. */
async function reopen(a: { file: string; convId: string; newestId: string; pageBack: number }): Promise<unknown> {
  const h0 = heap();
  const t0 = now();
  const storage = SqliteStorageAdapter.open(a.file);
  // Offline: port 1 refuses at once, as a device without network.
  const client = new Concord({ serverUrl: 'http://127.0.0.1:1', openSocket, storage });
  const tFile = now();
  const s = await client.restore();
  if (s === null) throw new Error('no stored session');
  const tRestored = now();
  await until('the list', () => client.conversations().some((c) => c.id === a.convId && c.lastMessage?.id === a.newestId), 30_000);
  const tList = now();
  const loadedAtList = loadedSegments(client, a.convId);
  const h1 = heap();
  const t2 = now();
  const c = await client.conversation(a.convId);
  const first = c.messages();
  const tFirst = now();
  const firstOk = first.length === 50 && first.at(-1)?.id === a.newestId;
  const loadedOpen = loadedSegments(client, a.convId);
  const h2 = heap();
  const back = await pageBack(c, a.pageBack);
  const loadedPaged = loadedSegments(client, a.convId);
  const h3 = heap();
  c.evict();
  await until('older segments let go', () => loadedSegments(client, a.convId).length <= loadedOpen.length, 5_000).catch(() => undefined);
  await sleep(50);
  const loadedEvicted = loadedSegments(client, a.convId);
  const h4 = heap();
  const list = client.conversations().find((x) => x.id === a.convId);
  await client.close();
  await storage.close();
  const r = {
    openFileMs: tFile - t0,
    restoreMs: tRestored - tFile,
    restoreToListMs: tList - tFile,
    firstScreenMs: tFirst - t2,
    firstScreenOk: firstOk,
    unread: list?.unread ?? null,
    loadedAtList,
    loadedOpen,
    heapClientMB: (h1 - h0) / 2 ** 20,
    heapOpenMB: (h2 - h1) / 2 ** 20,
    pageBackMs: back.ms,
    pageBackGot: back.got,
    loadedPaged,
    heapAfterPagingMB: (h3 - h1) / 2 ** 20,
    loadedEvicted,
    heapAfterEvictMB: (h4 - h1) / 2 ** 20,
  };
  log(
    `restore->list ${r.restoreToListMs.toFixed(1)} ms, first screen ${r.firstScreenMs.toFixed(1)} ms (${firstOk ? 'ok' : 'WRONG'}), ` +
      `heap open ${r.heapOpenMB.toFixed(2)} MB, page back ${back.got} ${back.ms.toFixed(0)} ms (+${r.heapAfterPagingMB.toFixed(2)} MB), ` +
      `evict -> ${r.heapAfterEvictMB.toFixed(2)} MB, loaded ${summarize(loadedOpen)} / ${summarize(loadedPaged)} / ${summarize(loadedEvicted)}`,
  );
  return r;
}

/** (6) The single-doc baseline: one Y.Doc with every message (two writers' client ids, their read marks). */
function baselineBuild(a: { file: string; messages: number; users: [string, string]; devices: [string, string] }): unknown {
  const gen = chat(a.users, 6);
  const docs = [new Y.Doc(), new Y.Doc()];
  let raw = 0;
  let newest: MessageEntry | null = null;
  const counts = [0, 0];
  (docs[0] as Y.Doc).transact(() =>
    (docs[1] as Y.Doc).transact(() => {
      for (let i = 0; i < a.messages; i++) {
        const m = gen.next();
        raw += jsonBytes(m);
        const u = m.author === a.users[0] ? 0 : 1;
        counts[u] = (counts[u] ?? 0) + 1;
        (docs[u] as Y.Doc).getMap<unknown>(CONV_MESSAGES).set(m.id, m);
        newest = m;
      }
    }),
  );
  for (const u of [0, 1]) {
    const other = docs[1 - u] as Y.Doc;
    const rsv = encodeClockVector(new Map([[other.clientID, counts[1 - u] as number]]));
    (docs[u] as Y.Doc).getMap<unknown>(CONV_RECEIPTS).set(receiptKey(a.users[u] as string, a.devices[u] as string), { dsv: rsv, rsv, rhlc: (newest as MessageEntry | null)?.hlc });
  }
  const one = new Y.Doc();
  for (const d of docs) Y.applyUpdate(one, Y.encodeStateAsUpdate(d));
  const snap = Y.encodeStateAsUpdate(one);
  writeFileSync(a.file, snap);
  return { snapshotBytes: snap.byteLength, rawJsonBytes: raw, messages: a.messages };
}

function baselineLoad(a: { file: string; newestId: string }): unknown {
  const snap = new Uint8Array(readFileSync(a.file));
  const h0 = heap();
  const t0 = now();
  const doc = new Y.Doc();
  Y.applyUpdate(doc, snap);
  const tLoad = now();
  // First screen: read every entry, keep the well-formed ones, sort by ORDER-1, take the newest 50.
  const all: MessageEntry[] = [];
  doc.getMap<unknown>(CONV_MESSAGES).forEach((v, k) => {
    const m = parseMessageEntry(k, v);
    if (m !== null) all.push(m);
  });
  all.sort(compareMessages);
  const screen = all.slice(-50);
  const tScreen = now();
  const ok = screen.length === 50 && screen.at(-1)?.id === a.newestId;
  all.length = 0;
  const h1 = heap();
  const r = { loadMs: tLoad - t0, firstScreenMs: tScreen - t0, firstScreenOk: ok, heapMB: (h1 - h0) / 2 ** 20, messages: doc.getMap(CONV_MESSAGES).size };
  log(`load ${r.loadMs.toFixed(0)} ms, first screen ${r.firstScreenMs.toFixed(0)} ms, heap ${r.heapMB.toFixed(1)} MB`);
  doc.destroy();
  return r;
}

function serverDb(a: { file: string }): unknown {
  return vacuumedSize(a.file, "doc LIKE 'conv:%'", 'doc_updates', 'doc_snapshots');
}

const [task, json] = [process.argv[2], process.argv[3] ?? '{}'];
const args = JSON.parse(json) as never;
const tasks: Record<string, (a: never) => unknown> = {
  seed: (a: { http: string; messages: number; segmentMessages: number; tag: string; marks: boolean }) => seed({ ...a, log }),
  newdevice: newDevice,
  fulldevice: fullDevice,
  reopen,
  'baseline-build': baselineBuild,
  'baseline-load': baselineLoad,
  serverdb: serverDb,
};
const fn = task === undefined ? undefined : tasks[task];
if (fn === undefined) throw new Error(`unknown task ${task}`);
const result = await fn(args);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
