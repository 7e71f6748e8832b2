#!/usr/bin/env node
/**
 * History bench (issue 6, SPEC 3.5): a 100,000-message conversation in segments of SEGMENT_MESSAGES, on the real
 * server (its own process, SQLite, auth, trust rules) and real client-core devices (SQLite storage adapter, `ws`),
 * against the single-doc baseline; then the server with a 1,000,000-message conversation. See bench/HISTORY.md "History".
 *
 *   node bench/history/run.mjs [--messages 100000] [--server-messages 1000000] [--runs 5] [--page 1000]
 *                              [--segment 1000] [--skip-big] [--out bench/results/history.json]
 *
 * Every measured part runs in a fresh Node process (tasks.ts, bundled with esbuild like bench/load and
 * bench/client: TypeScript sources with the `source` condition, packages external). Medians over --runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENT_EXTERNALS, buildDir, bundle } from '../lib/bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    'server-messages': { type: 'string', default: '1000000' },
    segment: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    page: { type: 'string', default: '1000' },
    'skip-big': { type: 'boolean', default: false },
    // Seed without read marks: every message of the other member is unread on a new device (SEG-6 then fetches
    // older segments while they hold unread messages).
    'no-marks': { type: 'boolean', default: false },
    // Seconds to wait after seeding the big server before sampling its RSS (DUR-4 unloads idle docs after 60 s).
    'unload-wait': { type: 'string', default: '65' },
    'scrypt-n': { type: 'string', default: String(1 << 14) },
    out: { type: 'string', default: join(root, 'bench/results/history.json') },
    // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node options for the measuring task processes (not the seeder).
    'task-node-args': { type: 'string', default: '' },
  },
});
const num = (k) => {
  const v = Number(a[k]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${k} must be a positive integer`);
  return v;
};
const P = { marks: !a['no-marks'], unloadWait: Number(a['unload-wait']), messages: num('messages'), bigMessages: num('server-messages'), segment: num('segment'), runs: num('runs'), page: num('page'), scryptN: num('scrypt-n') };
if (P.messages > 2_000_000 || P.bigMessages > 5_000_000 || P.runs > 20 || P.segment > 1000) throw new Error('parameters outside the bounded range');

const log = (s) => process.stderr.write(`[history ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((x, y) => x - y);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load1 = () => loadavg()[0];

// ---- build -------------------------------------------------------------------------------------------------------
// The server process is bench/load's (createServer with the registration limiter lifted; scrypt at the product's N).
await bundle(join(root, 'bench/load/server.mjs'), 'history-server', { external: CLIENT_EXTERNALS });
await bundle(join(here, 'tasks.ts'), 'history-tasks', { external: CLIENT_EXTERNALS });

// ---- processes ---------------------------------------------------------------------------------------------------
function task(name, args, { gc = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(gc ? ['--expose-gc', ...a['task-node-args'].split(' ').filter(Boolean)] : []), join(buildDir, 'history-tasks.mjs'), name, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`task ${name} exited ${code}: ${out.slice(-2000)}`));
      else resolvePromise(JSON.parse(line.slice(7)));
    });
  });
}

function procStatus(pid) {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMB: Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]) / 1024, hwmMB: Number(/VmHWM:\s+(\d+)/.exec(st)?.[1]) / 1024 };
}

async function startServer(dataDir) {
  const child = spawn(process.execPath, [join(buildDir, 'history-server.mjs'), '--data', dataDir, '--scrypt-n', String(P.scryptN)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready = null;
  child.stdout.on('data', (d) => {
    out += d;
    for (const l of out.split('\n')) if (l.includes('"ready"')) ready = JSON.parse(l);
  });
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 20_000;
  while (ready === null && Date.now() < deadline) await sleep(20);
  if (ready === null) throw new Error('server did not start');
  return {
    pid: child.pid,
    http: `http://127.0.0.1:${ready.port}`,
    status: () => procStatus(child.pid),
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

// ---- one conversation on one server --------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'concord-history-'));
const tag = Date.now().toString(36).slice(-6);

/** Seed a server with `messages`, restart it (history at rest), then measure new devices (and, when `full`, the rest). */
async function conversationOnServer(label, messages, { full }) {
  const dataDir = join(tmp, `server-${label}`);
  let srv = await startServer(dataDir);
  log(`${label}: seeding ${messages.toLocaleString('en')} messages in segments of ${P.segment} (load ${load1().toFixed(1)})`);
  const seeded = await task('seed', { http: srv.http, messages, segmentMessages: P.segment, tag: `${tag}${label}`, marks: P.marks }, { gc: false });
  const seedStatus = srv.status();
  log(`${label}: seeded in ${(seeded.seedMs / 1000).toFixed(1)} s (${seeded.updates} updates, largest ${seeded.maxUpdateBytes} B, retries ${seeded.retries}); server RSS ${seedStatus.rssMB.toFixed(0)} MB, peak ${seedStatus.hwmMB.toFixed(0)} MB`);
  let unloadedStatus = null;
  if (!full && P.unloadWait > 0) {
    log(`${label}: waiting ${P.unloadWait} s for the server to unload idle docs (DUR-4)`);
    await sleep(P.unloadWait * 1000);
    unloadedStatus = srv.status();
  }
  await srv.stop();
  srv = await startServer(dataDir);
  await sleep(500);
  const idleStatus = srv.status();
  const alice = seeded.users[0];
  const dev = { http: srv.http, username: alice.username, password: alice.password, convId: seeded.convId, newestId: seeded.newestId };
  const out = { label, messages, segments: seeded.segments, seeded, server: { afterSeed: seedStatus, afterUnloadWait: unloadedStatus, restartedIdle: idleStatus }, newDevice: [], load: [] };
  for (let r = 0; r < P.runs; r++) {
    out.load.push(load1());
    out.newDevice.push(await task('newdevice', { ...dev, file: join(tmp, `${label}-new-${r}.db`), pageBack: full ? P.page : 0 }));
  }
  out.server.afterNewDevices = srv.status();
  if (full) {
    const file = join(tmp, `${label}-full.db`);
    log(`${label}: a device pages to the start (downloads every segment)`);
    out.fullDevice = await task('fulldevice', { ...dev, file, messages });
    out.server.afterFullDevice = srv.status();
    await srv.stop();
    out.reopen = [];
    for (let r = 0; r < P.runs; r++) {
      out.load.push(load1());
      out.reopen.push(await task('reopen', { file, convId: seeded.convId, newestId: seeded.newestId, pageBack: P.page }));
    }
  } else await srv.stop();
  out.serverDb = await task('serverdb', { file: join(dataDir, 'concord.db') }, { gc: false });
  rmSync(dataDir, { recursive: true, force: true });
  return out;
}

const started = Date.now();
const result = { date: new Date().toISOString(), node: process.version, params: P, loadStart: loadavg() };
try {
  const main = await conversationOnServer('100k', P.messages, { full: true });
  result.main = main;

  log(`baseline: one Y.Doc with all ${P.messages.toLocaleString('en')} messages`);
  const snapFile = join(tmp, 'baseline.bin');
  const users = main.seeded.users;
  result.baselineBuild = await task('baseline-build', { file: snapFile, messages: P.messages, users: [users[0].userId, users[1].userId], devices: [users[0].deviceId, users[1].deviceId] });
  result.baseline = [];
  for (let r = 0; r < P.runs; r++) result.baseline.push(await task('baseline-load', { file: snapFile, newestId: main.seeded.newestId }));

  if (!a['skip-big']) result.big = await conversationOnServer('big', P.bigMessages, { full: false });
} finally {
  result.loadEnd = loadavg();
  result.totalSec = (Date.now() - started) / 1000;
  rmSync(tmp, { recursive: true, force: true });
}

// ---- report ------------------------------------------------------------------------------------------------------
const m = result.main;
const col = (xs, k) => median(xs.map((x) => x[k]));
const range = (xs, k, d = 0) => {
  const v = xs.map((x) => x[k]).filter((x) => typeof x === 'number');
  return v.length > 1 ? ` (${f(Math.min(...v), d)}–${f(Math.max(...v), d)})` : '';
};
const f = (x, d = 1) => (x === null || x === undefined ? 'n/a' : Number(x).toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d }));
const perMsg = (bytes, n) => bytes / n;
const rawPerMsg = m.seeded.rawJsonBytes / m.messages;
const rows = [
  ['new device: login() to newest 50 shown (goal < 300 ms)', `${f(col(m.newDevice, 'firstScreenMs'), 0)} ms${range(m.newDevice, 'firstScreenMs')}`],
  ['  of which login (HTTP, scrypt) / list (WELCOME, user doc) / open', `${f(col(m.newDevice, 'loginMs'), 0)} / ${f(col(m.newDevice, 'listMs'), 0)} / ${f(col(m.newDevice, 'openMs') + col(m.newDevice, 'afterOpenMs'), 0)} ms`],
  ['  segment docs downloaded at first screen / after settling', `${f(col(m.newDevice, 'segmentsAtFirstScreen'), 0)} / ${f(col(m.newDevice, 'segmentsAfterSettle'), 0)} of ${m.segments}`],
  [`page back ${P.page} from the server (new device, pages of 50)`, `${f(col(m.newDevice, 'pageBackMs'), 0)} ms${range(m.newDevice, 'pageBackMs')}`],
  [`page back ${P.page} from local storage (offline, pages of 50)`, `${f(col(m.reopen, 'pageBackMs'), 0)} ms${range(m.reopen, 'pageBackMs')}`],
  ['local: restore() to conversation list (offline)', `${f(col(m.reopen, 'restoreToListMs'), 0)} ms${range(m.reopen, 'restoreToListMs')}`],
  ['local: conversation(id) to 50 messages (goal < 50 ms)', `${f(col(m.reopen, 'firstScreenMs'), 1)} ms${range(m.reopen, 'firstScreenMs', 1)}`],
  ['heap: open conversation, after gc, minus before opening (goal < 20 MB)', `${f(col(m.reopen, 'heapOpenMB'), 2)} MB`],
  ['heap: whole client after restore() (user doc + head segment, loaded for the list)', `${f(col(m.reopen, 'heapClientMB'), 2)} MB`],
  [`heap after paging back ${P.page} / after evict()`, `${f(col(m.reopen, 'heapAfterPagingMB'), 2)} / ${f(col(m.reopen, 'heapAfterEvictMB'), 2)} MB`],
  ['full device: page to the start from the server (once)', `${f(m.fullDevice.pageAllMs / 1000, 1)} s`],
  ['client bytes/msg (SQLite file, compacted, vacuumed)', `${f(perMsg(m.fullDevice.fileBytes, m.messages), 1)} (${f(perMsg(m.fullDevice.fileBytes, m.messages) / rawPerMsg, 2)}x raw JSON)`],
  ['server bytes/msg (SQLite file, vacuumed) / conv rows only', `${f(perMsg(m.serverDb.fileBytes, m.messages), 1)} / ${f(perMsg(m.serverDb.convDataBytes, m.messages), 1)} (${f(perMsg(m.serverDb.convDataBytes, m.messages) / rawPerMsg, 2)}x raw)`],
  ['raw message JSON bytes/msg', f(rawPerMsg, 1)],
  ['seeding (HTTP + one update per user per segment)', `${f(m.seeded.seedMs / 1000, 1)} s`],
];
const b = result.baseline;
const bRows = [
  ['baseline: snapshot bytes (bytes/msg)', `${f(result.baselineBuild.snapshotBytes / 2 ** 20, 1)} MB (${f(result.baselineBuild.snapshotBytes / P.messages, 1)})`],
  ['baseline: load (applyUpdate into a fresh doc)', `${f(col(b, 'loadMs'), 0)} ms`],
  ['baseline: first screen (load + read, sort, newest 50)', `${f(col(b, 'firstScreenMs'), 0)} ms`],
  ['baseline: heap of the loaded doc', `${f(col(b, 'heapMB'), 1)} MB`],
];
const g = result.big;
const gRows = g
  ? [
      [`server with ${g.messages.toLocaleString('en')} messages (${g.segments} segments): new device to newest 50`, `${f(col(g.newDevice, 'firstScreenMs'), 0)} ms${range(g.newDevice, 'firstScreenMs')}`],
      ['  segment docs downloaded at first screen / after settling', `${f(col(g.newDevice, 'segmentsAtFirstScreen'), 0)} / ${f(col(g.newDevice, 'segmentsAfterSettle'), 0)}`],
      ['  server RSS: end of seeding / +unload wait / restarted idle / after the new devices', `${f(g.server.afterSeed.rssMB, 0)} / ${f(g.server.afterUnloadWait?.rssMB, 0)} / ${f(g.server.restartedIdle.rssMB, 0)} / ${f(g.server.afterNewDevices.rssMB, 0)} MB`],
      ['  server bytes/msg (file, vacuumed) / conv rows only', `${f(g.serverDb.fileBytes / g.messages, 1)} / ${f(g.serverDb.convDataBytes / g.messages, 1)}`],
      ['  seeding time', `${f(g.seeded.seedMs / 1000, 1)} s`],
    ]
  : [];
const table = [['figure', `median of ${P.runs}`], ['---', '---:'], ...rows, ...bRows, ...gRows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const loads = [...result.main.load, ...(result.big?.load ?? [])].map((x) => x.toFixed(1)).join(' ');
process.stdout.write(`\n${table}\n\nread marks seeded: ${P.marks}; 1-min load average at each measured run (2 cores): ${loads}; total ${result.totalSec.toFixed(0)} s\n`);
mkdirSync(dirname(a.out), { recursive: true });
writeFileSync(a.out, `${JSON.stringify(result, null, 1)}\n`);
log(`wrote ${a.out}`);
