// Storage adapter benchmark (issue 3). Build first: npm run build -w @concord/storage-adapters
// Run: node bench/storage.mjs [--runs 5] [--messages 10000] [--burst 100]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import * as Y from 'yjs';
import { CompactingStorage, compactNow } from '../storage-adapters/dist/index.js';
import { IndexedDbStorageAdapter } from '../storage-adapters/dist/indexeddb/index.js';
import { MemoryStorageAdapter, MemoryStore } from '../storage-adapters/dist/memory/index.js';
import { RdbStorageAdapter } from '../storage-adapters/dist/rdb/index.js';
import { StandInRdbStore } from '../storage-adapters/dist/rdb/standin/index.js';
import { SqliteStorageAdapter } from '../storage-adapters/dist/sqlite/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 5);
const N = arg('messages', 10_000);
const BURST = arg('burst', 100);
const DOC = 'conv:bench';

/** N real message updates: one flat-map entry per message, ~100 characters of text, as client-core writes them. */
function makeMessages() {
  const doc = new Y.Doc();
  const updates = [];
  doc.on('update', (u) => updates.push(u));
  const messages = doc.getMap('messages');
  let rawJsonBytes = 0;
  for (let i = 0; i < N; i++) {
    const author = i % 3 === 0 ? 'bob' : 'alice';
    const id = `${author}:${i.toString(36).padStart(6, '0')}`;
    const text = `message ${i} `.padEnd(100, 'lorem ipsum dolor sit amet ').slice(0, 100);
    const json = JSON.stringify({ id, author, hlc: `${1_700_000_000_000 + i * 1000}:0`, text });
    rawJsonBytes += Buffer.byteLength(json);
    messages.set(id, json);
  }
  return { updates, rawJsonBytes, expected: messages.size };
}

/** Each kind opens a fresh store; `bytes()` is what it holds after compaction, file size for SQLite. */
const kinds = {
  memory: async () => {
    const store = new MemoryStore();
    const adapter = new MemoryStorageAdapter({ store });
    return { adapter, bytes: async () => store.storedBytes(), done: async () => {} };
  },
  indexeddb: async () => {
    const adapter = new IndexedDbStorageAdapter({ name: 'bench', indexedDB: new IDBFactory(), IDBKeyRange });
    const bytes = async () => {
      // fake-indexeddb keeps structured clones in memory; the stored bytes are the values themselves.
      const d = await adapter.loadDoc(DOC);
      return (d.snapshot?.byteLength ?? 0) + d.updates.reduce((n, u) => n + u.data.byteLength, 0);
    };
    return { adapter, bytes, done: async () => {} };
  },
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
    const adapter = SqliteStorageAdapter.open(join(dir, 's.db'));
    return { adapter, bytes: async () => fileBytes(adapter.db), done: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  'rdb-standin': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-rdb-'));
    const store = StandInRdbStore.open(join(dir, 'r.db'));
    const adapter = await RdbStorageAdapter.open(store);
    return { adapter, bytes: async () => fileBytes(store.db), done: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

function fileBytes(db) {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  return db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true });
}

async function appendAll(adapter, updates) {
  for (let i = 0; i < updates.length; i += BURST) {
    await Promise.all(updates.slice(i, i + BURST).map((u) => adapter.appendUpdate(DOC, u)));
  }
}

/** Load to a usable Y.Doc: what opening a conversation costs. */
async function loadToDoc(adapter, expected) {
  const t = performance.now();
  const stored = await adapter.loadDoc(DOC);
  const doc = new Y.Doc();
  Y.transact(doc, () => {
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const u of stored.updates) Y.applyUpdate(doc, u.data);
  });
  const ms = performance.now() - t;
  if (doc.getMap('messages').size !== expected) throw new Error(`loaded ${doc.getMap('messages').size} of ${expected}`);
  return { ms, tail: stored.updates.length };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function runOnce(kind, msgs) {
  const r = {};
  // 1. Plain adapter: append everything, then compact once and load.
  {
    const k = await kinds[kind]();
    let t = performance.now();
    await appendAll(k.adapter, msgs.updates);
    r.appendMs = performance.now() - t;
    r.txPer1000 = (k.adapter.transactions / msgs.updates.length) * 1000;
    t = performance.now();
    await compactNow(k.adapter, DOC);
    r.compactMs = performance.now() - t;
    r.loadCompactedMs = (await loadToDoc(k.adapter, msgs.expected)).ms;
    r.bytesPerMsg = (await k.bytes()) / msgs.expected;
    await k.adapter.close();
    await k.done();
  }
  // 2. With the policy (maxTail 200): appends compact in the background; a load sees snapshot + short tail.
  {
    const k = await kinds[kind]();
    const store = new CompactingStorage(k.adapter, { maxTail: 200 });
    const t = performance.now();
    await appendAll(store, msgs.updates);
    await store.idle();
    r.appendPolicyMs = performance.now() - t;
    const load = await loadToDoc(store, msgs.expected);
    r.loadPolicyMs = load.ms;
    r.policyTail = load.tail;
    await store.close();
    await k.done();
  }
  return r;
}

const msgs = makeMessages();
const rawPerMsg = msgs.rawJsonBytes / msgs.expected;
console.log(`storage bench: ${N} messages (${rawPerMsg.toFixed(1)} B raw JSON each), bursts of ${BURST}, median of ${RUNS} runs, node ${process.version}`);
const rows = [];
for (const kind of Object.keys(kinds)) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(kind, msgs));
  const m = (key) => median(runs.map((x) => x[key]));
  rows.push({
    adapter: kind,
    'append 10k (ms)': m('appendMs').toFixed(0),
    'tx per 1k appends': m('txPer1000').toFixed(1),
    'compact (ms)': m('compactMs').toFixed(0),
    'load compacted (ms)': m('loadCompactedMs').toFixed(1),
    'append 10k + policy (ms)': m('appendPolicyMs').toFixed(0),
    'load with policy (ms)': m('loadPolicyMs').toFixed(1),
    'tail at load': m('policyTail'),
    'bytes/msg': m('bytesPerMsg').toFixed(1),
    'vs raw JSON': (m('bytesPerMsg') / rawPerMsg).toFixed(2) + 'x',
  });
}
console.table(rows);
