#!/usr/bin/env node
/**
 * Upload bench (issue 19, UPLOAD-1..4): one 25 MiB attachment uploaded by client-core over a simulated 1 Mbit/s
 * uplink to the real server in its own process, with two disconnects mid-chunk. Reports the time, how far each
 * resume was from the bytes sent before the cut (at most one chunk is lost), and the server's RSS (sampled from
 * /proc every 250 ms, and its peak VmHWM). Not part of npm test: at 1 Mbit/s it takes about 3.5 minutes.
 *
 *   node bench/upload/run.mjs [--mib 25] [--mbit 1] [--cuts 0.31,0.667] [--out bench/results/upload.json]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    mib: { type: 'string', default: '25' },
    mbit: { type: 'string', default: '1' },
    // Mid-chunk (256 KiB chunks): a cut at a chunk boundary would lose nothing and show nothing.
    cuts: { type: 'string', default: '0.31,0.667' },
    out: { type: 'string', default: join(root, 'bench/results/upload.json') },
  },
});
const size = Math.round(Number(a.mib) * 1024 * 1024);
const bytesPerSecond = (Number(a.mbit) * 1_000_000) / 8;
const cutFractions = a.cuts.split(',').filter(Boolean).map(Number);

// ---- build: TypeScript sources bundled (packages external), like bench/load -----------------------------------------
const buildDir = join(root, 'node_modules/.cache/concord-bench-upload');
mkdirSync(buildDir, { recursive: true });
const external = ['better-sqlite3', 'pino', 'ws', 'yjs', 'lib0', 'lib0/*', 'y-protocols', 'y-protocols/*', 'dexie'];
for (const name of ['server', 'client']) {
  await build({ entryPoints: [join(here, `${name}.mjs`)], bundle: true, platform: 'node', format: 'esm', target: 'node20', conditions: ['source'], outfile: join(buildDir, `${name}.mjs`), external, logLevel: 'warning' });
}
const client = await import(join(buildDir, 'client.mjs'));

// ---- server process ----------------------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'concord-upload-bench-'));
const child = spawn(process.execPath, [join(buildDir, 'server.mjs'), '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await new Promise((res, rej) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const line = out.split('\n').find((l) => l.includes('"ready"'));
    if (line !== undefined) res(JSON.parse(line));
  });
  child.on('exit', (code) => rej(new Error(`server exited ${code}`)));
});
const base = `http://127.0.0.1:${ready.port}`;
const procStatus = (field) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${ready.pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
};
const rss = { idle: procStatus('VmRSS'), samples: [] };
const sampler = setInterval(() => rss.samples.push(procStatus('VmRSS')), 250);

async function json(method, path, token, body) {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

try {
  const alice = await json('POST', '/v1/accounts', null, { username: 'bench-alice', password: 'bench-password-alice-1' });
  const bob = await json('POST', '/v1/accounts', null, { username: 'bench-bob', password: 'bench-password-bob-1' });
  const { conversationId } = await json('POST', '/v1/conversations', alice.token, { kind: 'direct', members: [bob.userId] });

  // The attachment, stored as the sending device stores it (ATTACH-3 parts), pending upload.
  const bytes = new Uint8Array(client.randomBytes(size));
  const blobId = createHash('sha256').update(bytes).digest('hex');
  const store = new client.AttachmentStore(new client.MemoryStorageAdapter());

  // Two disconnects: the first chunk PUT that would carry the byte at each cut fraction is cut half-way.
  const cuts = cutFractions.map((f) => Math.floor(f * size));
  const events = [];
  let currentOffset = 0;
  const shouldCut = (sent) => {
    const at = currentOffset + sent;
    const i = cuts.findIndex((c) => c !== null && at >= c);
    if (i < 0) return false;
    events.push({ cut: i, bytesSentBeforeCut: at, t: Date.now() });
    cuts[i] = null;
    return true;
  };
  const slow = client.throttledFetch(bytesPerSecond, shouldCut);
  const fetchLike = (url, init) => {
    const m = /[?&]offset=(\d+)/.exec(url);
    if (m !== null) {
      currentOffset = Number(m[1]);
      const last = events.at(-1);
      if (last !== undefined && last.resumedAt === undefined) last.resumedAt = currentOffset;
    }
    return slow(url, init);
  };
  let lastProgress = null;
  const t = new client.AttachmentTransfer(store, {
    baseUrl: base,
    token: alice.token,
    fetch: fetchLike,
    isOnline: () => true,
    refused: (r) => console.error('refused', r),
    storageError: (e) => console.error('storage error', e),
    random: (n) => new Uint8Array(client.randomBytes(n)),
    timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h) },
    progress: (p) => {
      lastProgress = p;
    },
  });
  const ingestStarted = Date.now();
  const id = await t.ingest(conversationId, { size, read: async (o, l) => bytes.subarray(o, o + l) });
  if (id !== blobId) throw new Error('ingest hash differs');
  await t.store.markPending(conversationId, blobId, 'video/mp4', size);
  const started = Date.now();
  t.kick();
  // The transfer retries by itself after a cut (backoff from 1 s); wait until the record is gone.
  while ((await t.store.pending()).length > 0) await new Promise((r) => setTimeout(r, 200));
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);

  const got = Buffer.from(await (await fetch(`${base}/v1/conversations/${conversationId}/blobs/${blobId}`, { headers: { authorization: `Bearer ${bob.token}` } })).arrayBuffer());
  const intact = createHash('sha256').update(got).digest('hex') === blobId;
  const chunkBytes = 256 * 1024;
  const result = {
    bench: 'upload',
    when: new Date().toISOString(),
    node: process.version,
    sizeBytes: size,
    linkMbit: Number(a.mbit),
    ingestSeconds: (started - ingestStarted) / 1000,
    uploadSeconds: seconds,
    idealSeconds: (size * 8) / (Number(a.mbit) * 1_000_000),
    effectiveMbit: (size * 8) / seconds / 1_000_000,
    disconnects: events.map((e) => ({ bytesSentBeforeCut: e.bytesSentBeforeCut, resumedAt: e.resumedAt, lostBytes: e.bytesSentBeforeCut - e.resumedAt, withinOneChunk: e.bytesSentBeforeCut - e.resumedAt <= chunkBytes })),
    finalState: lastProgress?.state,
    downloadedIntact: intact,
    serverRss: { idleMiB: rss.idle / 2 ** 20, maxSampledMiB: Math.max(...rss.samples) / 2 ** 20, peakHwmMiB: procStatus('VmHWM') / 2 ** 20 },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(a.out, `${JSON.stringify(result, null, 2)}\n`);
  t.dispose();
} finally {
  clearInterval(sampler);
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
