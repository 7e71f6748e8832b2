#!/usr/bin/env node
/**
 * What presence costs the server (issue 20, SPEC PRES-4): C devices, each its own account, in direct chats with
 * their two ring neighbours (every device has partners to hear of), plus one "hub" account in a direct chat with
 * F of them. Measured with presence on and off, same build, one after the other:
 * - RSS per connected idle device (each device said HELLO and subscribed to its user doc, as the load bench's idle);
 * - server CPU per hub change: the hub connects and disconnects K times; with presence on each change fans out one
 *   PRESENCE frame to each of its F partners' sockets (the offline grace is 0 here, so every change is announced).
 *
 * Usage: node bench/presence/run.mjs [--clients 5000] [--fanout 1000] [--changes 200] [--runs 3]
 * Prints one JSON line per run and a Markdown table of medians.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    fanout: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
  },
});
const C = Number(a.clients);
const F = Math.min(Number(a.fanout), C);
const K = Number(a.changes);
const RUNS = Number(a.runs);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const r1 = (x) => Math.round(x * 10) / 10;

// The server is the load bench's (bench/load/server.mjs), bundled from the TypeScript sources.
const buildDir = join(root, 'node_modules/.cache/concord-bench-presence');
mkdirSync(buildDir, { recursive: true });
await build({
  entryPoints: [join(root, 'bench/load/server.mjs')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  outfile: join(buildDir, 'server.mjs'),
  external: ['better-sqlite3', 'pino', 'ws', 'yjs', 'lib0', 'lib0/*', 'y-protocols', 'y-protocols/*'],
  logLevel: 'warning',
});
// The frames, from the protocol package's sources (bundled like the server: Node 20 does not import TypeScript).
await build({
  entryPoints: [join(root, 'protocol/src/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(buildDir, 'protocol.mjs'),
  external: ['lib0', 'lib0/*'],
  logLevel: 'warning',
});
const { decodeFrame, encodeFrame, FrameKind, PROTOCOL_VERSION } = await import(join(buildDir, 'protocol.mjs'));

function procStat(pid) {
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKB, cpuSec: (Number(f[11]) + Number(f[12])) / 100 };
}

async function startServer(presence) {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-presence-'));
  const env = { ...process.env, CONCORD_BENCH_PRESENCE: presence ? 'on' : 'off', CONCORD_BENCH_PRESENCE_GRACE_MS: '0' };
  const child = spawn(process.execPath, [join(buildDir, 'server.mjs'), '--data', dataDir, '--scrypt-n', '1024'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line).port);
    });
    child.once('exit', () => reject(new Error('server exited')));
  });
  return {
    pid: child.pid,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/v1/sync`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post(srv, path, body, token) {
  const res = await fetch(`${srv.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function pool(n, width, f) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await f(i);
    }
  }));
  return out;
}

/** HELLO, WELCOME, then SyncStep1 of the user doc; resolves with the socket and a count of PRESENCE frames. */
function connect(srv, user) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(srv.ws);
    const state = { ws, presence: 0 };
    ws.binaryType = 'nodebuffer';
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: user.token, cursor: 0 })));
    ws.on('message', (data) => {
      const f = decodeFrame(new Uint8Array(data));
      if (f.kind === FrameKind.Welcome) {
        // SyncStep1 with an empty state vector: [messageYjsSyncStep1 = 0, varUint8Array [0]].
        ws.send(encodeFrame({ kind: FrameKind.Sync, doc: `user:${user.userId}`, payload: new Uint8Array([0, 1, 0]) }));
        resolve(state);
      } else if (f.kind === FrameKind.Presence) state.presence++;
    });
  });
}

async function run(presence, rep) {
  const srv = await startServer(presence);
  try {
    const users = await pool(C + 1, 8, (i) => post(srv, '/v1/accounts', { username: `p${rep}x${i}`, password: 'correct horse battery staple' }));
    const hub = users[C];
    // Ring: i with i+1 (so each has two partners); the hub with the first F.
    await pool(C, 8, (i) => post(srv, '/v1/conversations', { kind: 'direct', members: [users[(i + 1) % C].userId] }, users[i].token));
    await pool(F, 8, (i) => post(srv, '/v1/conversations', { kind: 'direct', members: [users[i].userId] }, hub.token));
    await sleep(2000);
    const base = procStat(srv.pid);
    const sockets = await pool(C, 32, (i) => connect(srv, users[i]));
    await sleep(3000);
    const connected = procStat(srv.pid);
    // Fan-out: the hub comes and goes K times; each change is announced to F partners (presence on).
    const before = procStat(srv.pid);
    const heardBefore = sockets.reduce((s, x) => s + x.presence, 0);
    for (let k = 0; k < K; k++) {
      const h = await connect(srv, hub);
      await new Promise((r) => {
        h.ws.once('close', r);
        h.ws.close();
      });
    }
    await sleep(1000);
    const after = procStat(srv.pid);
    const heard = sockets.reduce((s, x) => s + x.presence, 0) - heardBefore;
    for (const s of sockets) s.ws.terminate();
    const res = {
      presence,
      rep,
      clients: C,
      fanout: F,
      changes: 2 * K,
      rssPerDeviceKB: r1((connected.rssKB - base.rssKB) / C),
      cpuMsPerChange: r1((1000 * (after.cpuSec - before.cpuSec)) / (2 * K)),
      framesHeard: heard,
    };
    console.log(JSON.stringify(res));
    return res;
  } finally {
    await srv.stop();
  }
}

const results = [];
for (let rep = 0; rep < RUNS; rep++) {
  for (const presence of [true, false]) results.push(await run(presence, rep));
}
const on = results.filter((r) => r.presence);
const off = results.filter((r) => !r.presence);
console.log(`\n| presence | runs | KB RSS per idle device | server CPU ms per hub change (F=${F}) | PRESENCE frames heard |`);
console.log('| --- | --- | --- | --- | --- |');
for (const [name, rs] of [['on', on], ['off', off]]) {
  console.log(`| ${name} | ${rs.length} | ${median(rs.map((r) => r.rssPerDeviceKB))} | ${median(rs.map((r) => r.cpuMsPerChange))} | ${median(rs.map((r) => r.framesHeard))} |`);
}
