#!/usr/bin/env node
/**
 * Concord's load bench (see bench/HISTORY.md, "Load"). Starts the real server in its own process (durable SQLite,
 * authenticated sockets), registers accounts and conversations over the HTTP API, forks load-generator workers
 * (separate processes, loopback only), and measures.
 *
 *   node bench/load/run.mjs --workload chat --rates 2000,4000 --runs 2 [--pairs 100] [--warmup 5] [--duration 20]
 *   node bench/load/run.mjs --workload idle --clients 5000 --runs 1 [--duration 20]
 *
 * chat: P conversations with two devices each (two users, one device each, in different workers); together the
 *   devices send R messages/s of 100 characters (open loop, evenly spread); W s warm-up, then a D s window, then
 *   2 s grace. Reports delivered msgs/s, send-to-receipt latency on the other device (p50/p95/p99/max, ms), the
 *   send-to-ACK latency (`sent`), server CPU per delivered message (µs, /proc utime+stime over window + grace)
 *   and lost messages.
 * idle: C devices, each its own account and session, connected and subscribed to its user doc, then held for D s;
 *   reports (server RSS at the end - RSS before connecting) / connected devices.
 *
 * Results: one JSON line per run appended to bench/results/load.jsonl (not committed), a median table on stdout.
 */
import { fork, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDir, bundle } from '../lib/bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    workload: { type: 'string', default: 'chat' },
    rates: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '1' },
    pairs: { type: 'string', default: '100' },
    clients: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '20' },
    grace: { type: 'string', default: '2' },
    body: { type: 'string', default: '100' },
    procs: { type: 'string', default: '2' },
    'scrypt-n': { type: 'string', default: '1024' },
    out: { type: 'string', default: join(root, 'bench/results/load.jsonl') },
    // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server (space-separated node options).
    'server-node-args': { type: 'string', default: '' },
  },
});
const num = (k) => {
  const v = Number(a[k]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number`);
  return v;
};
const P = { rates: a.rates.split(',').map(Number), runs: num('runs'), pairs: num('pairs'), clients: num('clients'), warmup: num('warmup'), duration: num('duration'), grace: num('grace'), body: num('body'), procs: num('procs'), scryptN: num('scrypt-n') };
if (P.rates.some((r) => !(r > 0 && r <= 50_000)) || P.duration > 600 || P.clients > 50_000 || P.pairs > 10_000 || P.procs > 8 || P.runs > 10) {
  throw new Error('parameters outside the bounded range');
}
const log = (s) => process.stderr.write(`[load ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- build: the server and the worker import TypeScript sources; bundle them (packages stay external) ----------
for (const name of ['server', 'worker']) await bundle(join(here, `${name}.mjs`), name);

// ---- /proc sampling (Linux) ----------------------------------------------------------------------------------------
const CLK_TCK = 100;
function procStat(pid) {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKB, cpuSec: (Number(f[11]) + Number(f[12])) / CLK_TCK, sysSec: Number(f[12]) / CLK_TCK, t: Date.now() };
}
/** Whole-machine busy CPU seconds (other sessions on a shared box skew every figure: the result records them). */
function machineBusySec() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0)) / CLK_TCK;
}
const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] : null);
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

// ---- server ------------------------------------------------------------------------------------------------------
async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-load-'));
  const child = spawn(process.execPath, [...a['server-node-args'].split(' ').filter(Boolean), join(buildDir, 'server.mjs'), '--data', dataDir, '--scrypt-n', String(P.scryptN)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const lines = [];
  child.stdout.on('data', (d) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop();
    for (const l of parts) lines.push(JSON.parse(l));
  });
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 20_000;
  while (!lines.some((l) => l.ready) && Date.now() < deadline) await sleep(50);
  const ready = lines.find((l) => l.ready);
  if (!ready) throw new Error('server did not start');
  return {
    pid: child.pid,
    http: `http://127.0.0.1:${ready.port}`,
    ws: `ws://127.0.0.1:${ready.port}`,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
      rmSync(dataDir, { recursive: true, force: true });
      return lines.find((l) => l.metrics)?.metrics ?? null;
    },
  };
}

async function api(base, path, body, token) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}

const runTag = Date.now().toString(36);
const register = (srv, i) => api(srv.http, '/v1/accounts', { username: `b${runTag}u${i}`, password: 'load bench password' });

// ---- workers -----------------------------------------------------------------------------------------------------
async function startWorkers(url, specsPerWorker) {
  const workers = specsPerWorker.map((devices) => {
    const child = fork(join(buildDir, 'worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const inbox = [];
    const waiters = [];
    child.on('message', (m) => {
      inbox.push(m);
      for (const w of waiters.splice(0)) w();
    });
    child.send({ url, devices, connectConcurrency: 50, connectTimeoutMs: 180_000 });
    return {
      child,
      async next(type, ms) {
        const deadline = Date.now() + ms;
        for (;;) {
          const i = inbox.findIndex((m) => m.type === type);
          if (i >= 0) return inbox.splice(i, 1)[0];
          if (Date.now() > deadline) throw new Error(`worker: no ${type} in time`);
          await Promise.race([new Promise((r) => waiters.push(r)), sleep(500)]);
        }
      },
    };
  });
  const ready = await Promise.all(workers.map((w) => w.next('ready', 200_000)));
  return { workers, ready };
}

async function stopWorkers(workers) {
  for (const w of workers) w.child.send({ type: 'close' });
  await Promise.race([Promise.all(workers.map((w) => w.next('closed', 10_000).catch(() => null))), sleep(10_000)]);
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
}

// ---- chat --------------------------------------------------------------------------------------------------------
async function chatRun(rate, rep) {
  const srv = await startServer();
  try {
    const users = await pool(P.pairs * 2, 8, (i) => register(srv, i));
    const convs = await pool(P.pairs, 8, (i) => api(srv.http, '/v1/conversations', { kind: 'direct', members: [users[2 * i + 1].userId] }, users[2 * i].token));
    const specs = Array.from({ length: P.procs }, () => []);
    for (let i = 0; i < P.pairs; i++) {
      const doc = `conv:${convs[i].conversationId}`;
      for (const side of [0, 1]) {
        const u = users[2 * i + side];
        // The two devices of a conversation live in different workers.
        specs[(i + side) % P.procs].push({ index: 2 * i + side, userId: u.userId, token: u.token, doc, observe: true, send: true });
      }
    }
    const { workers, ready } = await startWorkers(srv.ws, specs);
    const connected = ready.reduce((s, r) => s + r.ok, 0);
    log(`chat R=${rate} rep${rep}: ${connected}/${P.pairs * 2} devices synced`);
    const startAt = Date.now() + 500;
    const measureStart = startAt + P.warmup * 1000;
    const warmupDone = sleep(measureStart - Date.now());
    for (const w of workers) w.child.send({ type: 'start', rate: rate / P.procs, startAt, warmupMs: P.warmup * 1000, durationMs: P.duration * 1000, graceMs: P.grace * 1000, body: P.body });
    await warmupDone;
    const before = procStat(srv.pid);
    const busy0 = machineBusySec();
    const dones = await Promise.all(workers.map((w) => w.next('chatDone', (P.duration + P.grace + 30) * 1000)));
    const after = procStat(srv.pid);
    const busy = machineBusySec() - busy0;
    await stopWorkers(workers);
    const metrics = await srv.stop();
    const lat = dones.flatMap((d) => d.lat).sort((x, y) => x - y);
    const ackLat = dones.flatMap((d) => d.ackLat).sort((x, y) => x - y);
    const sent = dones.reduce((s, d) => s + d.sent, 0);
    const delivered = dones.reduce((s, d) => s + d.received, 0);
    const cpuSec = after.cpuSec - before.cpuSec;
    const res = {
      target: 'concord',
      workload: 'chat',
      rate,
      repeat: rep,
      pairs: P.pairs,
      sent,
      delivered,
      lost: sent - delivered,
      deliveredPerSec: r1(delivered / P.duration),
      latencyMs: { p50: r1(pct(lat, 0.5)), p95: r1(pct(lat, 0.95)), p99: r1(pct(lat, 0.99)), max: r1(lat[lat.length - 1] ?? null) },
      ackLatencyMs: { p50: r1(pct(ackLat, 0.5)), p99: r1(pct(ackLat, 0.99)) },
      server: { cpuSec: r1(cpuSec), cpuPctOfCore: r1((100 * cpuSec) / ((after.t - before.t) / 1000)), cpuUsPerMsg: delivered ? Math.round((1e6 * cpuSec) / delivered) : null, sysUsPerMsg: delivered ? Math.round((1e6 * (after.sysSec - before.sysSec)) / delivered) : null, rssEndKB: after.rssKB, metrics },
      generator: { cpuSec: r1(dones.reduce((s, d) => s + (d.cpu.user + d.cpu.system) / 1e6, 0)), eldP99Ms: dones.map((d) => r1(d.eldP99Ms)) },
      // CPU (in cores) used during the window by processes other than this bench's server and generator.
      otherCores: r1((busy - cpuSec - dones.reduce((s, d) => s + (d.cpu.user + d.cpu.system) / 1e6, 0)) / ((after.t - before.t) / 1000)),
      loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      disconnects: dones.reduce((s, d) => s + d.disconnects, 0),
      errors: dones.flatMap((d) => d.errors).slice(0, 10),
      at: new Date().toISOString(),
    };
    log(`chat R=${rate} rep${rep}: delivered ${res.deliveredPerSec}/s lost ${res.lost} | p50 ${res.latencyMs.p50} p99 ${res.latencyMs.p99} max ${res.latencyMs.max} ms | ack p99 ${res.ackLatencyMs.p99} ms | server ${res.server.cpuUsPerMsg} µs/msg (sys ${res.server.sysUsPerMsg}), ${res.server.cpuPctOfCore}% core | commits ${metrics?.commits} compactions ${metrics?.compactions} maxFlush ${r1(metrics?.maxFlushMs)} ms | other load ${res.otherCores} cores`);
    return res;
  } catch (err) {
    await srv.stop();
    throw err;
  }
}

// ---- idle --------------------------------------------------------------------------------------------------------
async function idleRun(rep) {
  const srv = await startServer();
  try {
    const users = await pool(P.clients, 8, (i) => register(srv, i));
    const specs = Array.from({ length: P.procs }, () => []);
    users.forEach((u, i) => specs[i % P.procs].push({ index: i, userId: u.userId, token: u.token, doc: `user:${u.userId}`, observe: false, send: false }));
    // Let the registration burst's garbage settle before the baseline.
    await sleep(3000);
    const base = procStat(srv.pid);
    const { workers, ready } = await startWorkers(srv.ws, specs);
    const connected = ready.reduce((s, r) => s + r.ok, 0);
    const connectedAt = procStat(srv.pid);
    await sleep(P.duration * 1000);
    for (const w of workers) w.child.send({ type: 'report' });
    const reports = await Promise.all(workers.map((w) => w.next('report', 10_000)));
    const end = procStat(srv.pid);
    await stopWorkers(workers);
    const metrics = await srv.stop();
    const res = {
      target: 'concord',
      workload: 'idle',
      clients: P.clients,
      repeat: rep,
      connected,
      stillSynced: reports.reduce((s, r) => s + r.synced, 0),
      disconnects: reports.reduce((s, r) => s + r.disconnects, 0),
      connectMs: Math.max(...ready.map((r) => r.connectMs)),
      server: { rssBaseKB: base.rssKB, rssConnectedKB: connectedAt.rssKB, rssEndKB: end.rssKB, rssPerDeviceKB: connected ? r1((end.rssKB - base.rssKB) / connected) : null, cpuSecHold: r1(end.cpuSec - connectedAt.cpuSec), metrics },
      errors: reports.flatMap((r) => r.errors).slice(0, 10),
      at: new Date().toISOString(),
    };
    log(`idle C=${P.clients} rep${rep}: ${connected} connected, RSS ${Math.round(base.rssKB / 1024)} -> ${Math.round(end.rssKB / 1024)} MB, ${res.server.rssPerDeviceKB} KB/device`);
    return res;
  } catch (err) {
    await srv.stop();
    throw err;
  }
}

// ---- main --------------------------------------------------------------------------------------------------------
mkdirSync(dirname(a.out), { recursive: true });
const results = [];
for (let rep = 1; rep <= P.runs; rep++) {
  const done = results.length;
  if (a.workload === 'chat') for (const rate of P.rates) results.push(await chatRun(rate, rep));
  else if (a.workload === 'idle') results.push(await idleRun(rep));
  else throw new Error('--workload must be chat or idle');
  // Every result of this repetition (one per rate), not only the last.
  for (const r of results.slice(done)) appendFileSync(a.out, `${JSON.stringify(r)}\n`);
}
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};
if (a.workload === 'chat') {
  console.log('| rate | runs | delivered/s | p50 ms | p99 ms | max ms | ack p99 ms | lost | server µs/msg | server % core |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const rate of P.rates) {
    const rs = results.filter((r) => r.rate === rate);
    const m = (f) => r1(median(rs.map(f)));
    console.log(`| ${rate} | ${rs.length} | ${m((r) => r.deliveredPerSec)} | ${m((r) => r.latencyMs.p50)} | ${m((r) => r.latencyMs.p99)} | ${m((r) => r.latencyMs.max)} | ${m((r) => r.ackLatencyMs.p99)} | ${rs.reduce((s, r) => s + r.lost, 0)} | ${m((r) => r.server.cpuUsPerMsg)} | ${m((r) => r.server.cpuPctOfCore)} |`);
  }
} else {
  console.log(`| devices | runs | connected | KB RSS per device |\n| --- | --- | --- | --- |\n| ${P.clients} | ${results.length} | ${median(results.map((r) => r.connected))} | ${r1(median(results.map((r) => r.server.rssPerDeviceKB)))} |`);
}
