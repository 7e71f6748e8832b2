#!/usr/bin/env node
/**
 * Crash soak (issue 21, "keep it from coming back"; not part of `npm test`): the real server in its own process,
 * chat load from raw protocol clients, SIGKILL of the server every few seconds (20 times by default) and, with
 * --disk-full, a data directory on a small tmpfs that fills up and is freed again. At the end every message the
 * server acknowledged must be stored, and both devices of every conversation must hold what the server holds.
 *
 *   node bench/soak/run.mjs [--kills 20] [--pairs 20] [--rate 200] [--disk-full]
 *
 * Prints counts (sent, acknowledged, acknowledged and lost, unacknowledged at the end, refusals by code) and exits 1
 * if anything acknowledged was lost or the copies disagree.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle } from '../lib/bundle.mjs';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    pairs: { type: 'string', default: '20' },
    rate: { type: 'string', default: '200' },
    'disk-full': { type: 'boolean', default: false },
  },
});
const KILLS = Number(a.kills);
const PAIRS = Number(a.pairs);
const RATE = Number(a.rate);
const log = (s) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- build the server and the protocol module from the TypeScript sources ---------------------------------------
const serverFile = await bundle(join(root, 'bench/load/server.mjs'), 'soak-server');
const { FrameKind, PROTOCOL_VERSION, decodeFrame, encodeFrame } = await import(await bundle(join(root, 'protocol/src/index.ts'), 'soak-protocol'));

// ---- the data directory (on a small tmpfs with --disk-full) --------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'concord-soak-'));
let tmpfs = false;
if (a['disk-full']) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', dataDir]);
    tmpfs = true;
  } catch (err) {
    log(`--disk-full needs a tmpfs mount (root): ${err.message.split('\n')[0]}; running without the disk-full phase`);
  }
}

let server = null;
async function startServer() {
  const child = spawn(process.execPath, [serverFile, '--data', dataDir, '--scrypt-n', '1024'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const port = await new Promise((resolvePort, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /"ready":true,"port":(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  server = { child, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

async function api(path, body, token) {
  const res = await fetch(`${server.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function syncMessage(type, data) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

// ---- one device: a Y.Doc that survives server restarts, a socket that does not ---------------------------------------
const refusals = new Map();
class Device {
  constructor(account, conv) {
    this.account = account;
    this.conv = conv;
    this.doc = new Y.Doc();
    this.acked = new Map();
    /** message id -> [client, clock] of its struct. */
    this.mine = new Map();
    this.ws = null;
    this.ready = false;
    this.doc.on('update', (u, origin) => {
      if (origin !== 'remote' && this.ready) this.send(syncMessage(2, u));
    });
  }
  send(payload) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: this.conv, payload }));
  }
  connect() {
    this.ready = false;
    const ws = new WebSocket(`${server.ws}/v1/sync`);
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => ws.send(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: this.account.token, cursor: 0 })));
    ws.on('error', () => undefined);
    ws.on('message', (raw) => this.onFrame(decodeFrame(new Uint8Array(raw))));
  }
  onFrame(f) {
    if (f.kind === FrameKind.Welcome) {
      this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: this.conv, payload: syncMessage(0, Y.encodeStateVector(this.doc)) }));
    } else if (f.kind === FrameKind.Sync && f.doc === this.conv) {
      const d = decoding.createDecoder(f.payload);
      const type = decoding.readVarUint(d);
      const data = decoding.readVarUint8Array(d);
      if (type === 0) {
        // The server's state vector: answer with everything it lacks (what a crash lost is sent again here).
        this.send(syncMessage(1, Y.encodeStateAsUpdate(this.doc, data)));
        this.ready = true;
      } else {
        Y.applyUpdate(this.doc, data, 'remote');
      }
    } else if (f.kind === FrameKind.Ack) {
      for (const { client, clock } of f.clocks) this.acked.set(client, Math.max(this.acked.get(client) ?? 0, clock));
    } else if (f.kind === FrameKind.Reject) {
      const key = `${f.code}: ${f.message.slice(0, 40)}`;
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
      // "Not now" (a full disk, a rate limit): offer everything again a little later, as client-core does (SYNC-9).
      setTimeout(() => this.ready && this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: this.conv, payload: syncMessage(0, Y.encodeStateVector(this.doc)) })), 500);
    }
  }
  sendMessage(n) {
    const id = `${this.account.userId}.s${n}`;
    const before = Y.getState(this.doc.store, this.doc.clientID);
    const hlc = Date.now().toString(36).padStart(9, '0') + (n % 1_000_000).toString(36).padStart(4, '0').slice(-4);
    this.doc.getMap('messages').set(id, { id, author: this.account.userId, hlc, type: 'text', body: `soak ${n} `.padEnd(100, '.') });
    this.mine.set(id, [this.doc.clientID, before]);
  }
  isAcked(id) {
    const [client, clock] = this.mine.get(id);
    return (this.acked.get(client) ?? 0) > clock;
  }
}

// ---- run ---------------------------------------------------------------------------------------------------------
await startServer();
log(`server up, ${PAIRS} conversations, ${RATE} msgs/s, ${KILLS} kills${tmpfs ? ', disk-full phase on a 48 MiB tmpfs' : ''}`);
const tag = Date.now().toString(36);
const devices = [];
for (let i = 0; i < PAIRS; i++) {
  const x = await api('/v1/accounts', { username: `s${tag}a${i}`, password: 'soak bench password' });
  const y = await api('/v1/accounts', { username: `s${tag}b${i}`, password: 'soak bench password' });
  const { conversationId } = await api('/v1/conversations', { kind: 'direct', members: [y.userId] }, x.token);
  devices.push(new Device(x, `conv:${conversationId}`), new Device(y, `conv:${conversationId}`));
}
for (const d of devices) d.connect();
await sleep(1000);

let n = 0;
let sending = true;
const pump = (async () => {
  const gap = 1000 / RATE;
  while (sending) {
    const d = devices[n % devices.length];
    if (d.ready) d.sendMessage(n++);
    await sleep(gap);
  }
})();

const reconnectAll = () => {
  for (const d of devices) d.connect();
};
for (let k = 1; k <= KILLS; k++) {
  await sleep(1000 + Math.random() * 2000);
  server.child.kill('SIGKILL');
  await new Promise((r) => server.child.once('exit', r));
  await startServer();
  reconnectAll();
  log(`kill ${k}/${KILLS}: restarted`);
}
if (tmpfs) {
  // Fill the disk to a few MiB short, let the load run into ENOSPC, then free it: nothing acknowledged may be lost
  // and the server must recover without a restart.
  const filler = join(dataDir, 'filler.bin');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (let i = 0; i < 64; i++) writeFileSync(filler, chunk, { flag: 'a' });
  } catch {
    // ENOSPC: full.
  }
  log('disk full for 5 s');
  await sleep(5000);
  rmSync(filler, { force: true });
  log('disk freed');
  await sleep(3000);
}
sending = false;
await pump;

// Drain: every device offers what the server lacks until everything sent is acknowledged (at most 60 s).
const deadline = Date.now() + 60_000;
const unacked = () => devices.reduce((s, d) => s + [...d.mine.keys()].filter((id) => !d.isAcked(id)).length, 0);
while (unacked() > 0 && Date.now() < deadline) {
  for (const d of devices) if (d.ready) d.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: d.conv, payload: syncMessage(0, Y.encodeStateVector(d.doc)) }));
  await sleep(1000);
}
// Verify on a freshly restarted server: what it stored, against what it acknowledged and what each device holds.
server.child.kill('SIGKILL');
await new Promise((r) => server.child.once('exit', r));
await startServer();
reconnectAll();
await sleep(3000);
let sent = 0;
let acked = 0;
let lost = 0;
let disagree = 0;
for (let i = 0; i < devices.length; i += 2) {
  const [x, y] = [devices[i], devices[i + 1]];
  const probe = new Device(x.account, x.conv);
  probe.connect();
  const until = Date.now() + 10_000;
  while (!probe.ready && Date.now() < until) await sleep(50);
  await sleep(200);
  const stored = probe.doc.getMap('messages');
  for (const d of [x, y]) {
    for (const id of d.mine.keys()) {
      sent++;
      if (!d.isAcked(id)) continue;
      acked++;
      if (!stored.has(id)) lost++;
    }
  }
  const keys = (doc) => JSON.stringify([...doc.getMap('messages').keys()].sort());
  if (keys(x.doc) !== keys(probe.doc) || keys(y.doc) !== keys(probe.doc)) disagree++;
  probe.ws.close();
}
for (const d of devices) d.ws?.close();
server.child.kill('SIGTERM');
await new Promise((r) => server.child.once('exit', r));
if (tmpfs) execFileSync('umount', [dataDir]);
rmSync(dataDir, { recursive: true, force: true });

const report = { kills: KILLS, diskFull: tmpfs, sent, acknowledged: acked, acknowledgedLost: lost, unacknowledgedAtEnd: sent - acked, conversationsDisagreeing: disagree, refusals: Object.fromEntries(refusals) };
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(lost === 0 && disagree === 0 ? 0 : 1);
