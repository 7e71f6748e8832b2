#!/usr/bin/env node
/*
 * Harmony app device budgets (issue 8), see bench/HISTORY.md "Harmony app". Builds bench/harmony/entry.ts with the
 * app bundle's esbuild options (same aliasing) into a temp file and runs its phases, each in a fresh Node with
 * --expose-gc and without global WebCrypto (as ArkTS); prints a table with the bundle size.
 *
 *   node bench/harmony.mjs [--convs 1000] [--messages 10000] [--big-chat 100000] [--runs 3] [--jitless]
 *
 * Figures are Node's V8 on the x86 development machine (JIT on) and say so in the output. --jitless runs the
 * measured device phases (the list/chat phase and the offline cold runs of the big chat) with `node --jitless`, a
 * pessimistic stand-in for an in-order A55 board (no optimizing compiler, interpreter only), and checks the device
 * budgets (BUDGETS below) on the medians of the cold runs; seeding and the online first login stay on the JIT,
 * because they only prepare the RDB file the cold runs read.
 *
 * --convs / --messages: the list and the send()-built chat (0 skips them); --big-chat: a chat of that many messages
 * in history segments, seeded on a real server process (bench/load/server.mjs, scrypt at the product's N) through
 * the real protocol by bench/history/seed.ts, then read by the app: online once, offline (cold start) --runs times.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleAll, bundleOptions } from '../harmony-app/scripts/bundle.mjs';
import { bundle } from './lib/bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values: a } = parseArgs({
  options: {
    convs: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '10000' },
    'big-chat': { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    jitless: { type: 'boolean', default: false },
    'attach-runs': { type: 'string', default: '1' },
  },
});
const P = { convs: Number(a.convs), messages: Number(a.messages), big: Number(a['big-chat']), runs: Number(a.runs), attach: Number(a['attach-runs']) };
for (const [k, v] of Object.entries(P)) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k}: a whole number >= 0`);
if (P.big > 1_000_000 || P.runs < 1 || P.runs > 20) throw new Error('parameters outside the bounded range');

const log = (s) => process.stderr.write(`[bench/harmony ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const load1 = () => os.loadavg()[0];
const loads = [];
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f = (x, d = 0) => Number(x).toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });

const sizes = await bundleAll({ write: false });
const entry = path.join(here, 'harmony/entry.ts');
// Native and Node-only packages stay outside; everything the app ships (Yjs too) is inlined as in the app bundle.
const file = await bundle(entry, 'harmony-run', { base: bundleOptions(entry), external: ['better-sqlite3', 'ws', 'pino', 'pino-*'] });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-'));

const ENGINE = a.jitless ? 'x86 V8 --jitless (pessimistic board stand-in)' : 'x86 V8 with JIT (not board figures)';
/**
 * Device budgets (ms) on the offline cold runs of the big chat, checked on medians in --jitless mode: what a user of
 * a 2 GB A55 board should not wait longer for. Ours, from the interaction (a tap answered within 100 ms feels
 * immediate; an app start within a second), not from a vendor figure.
 */
const BUDGETS = [
  ['cold start to the conversation list', 'coldStartMs', 1000],
  ['open the chat (newest 50 rows)', 'openMs', 300],
  ['send a text (written, row shown)', 'sendMs', 100],
  ['one older page of 50 (page back)', 'olderPageMs', 100],
];

/**
 * Runs one phase of the bundle in a fresh Node; resolves with its last stdout line, parsed. `measured`: a device
 * phase, run --jitless in that mode.
 */
function phase(args, measured = true) {
  return new Promise((resolve, reject) => {
    const flags = ['--expose-gc', '--no-experimental-global-webcrypto', ...(a.jitless && measured ? ['--jitless'] : [])];
    const child = spawn(process.execPath, [...flags, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`phase ${args.join(' ')} exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(last));
    });
  });
}

async function startServer(dataDir) {
  const out = await bundle(path.join(root, 'bench/load/server.mjs'), 'harmony-server');
  const child = spawn(process.execPath, [out, '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  let port = null;
  child.stdout.on('data', (d) => {
    buf += d;
    for (const l of buf.split('\n')) if (l.includes('"ready"')) port = JSON.parse(l).port;
  });
  const exited = new Promise((res) => child.once('exit', res));
  const deadline = Date.now() + 20_000;
  while (port === null && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  if (port === null) throw new Error('server did not start');
  return {
    http: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((res) => setTimeout(res, 30_000)).then(() => child.kill('SIGKILL'))]);
    },
  };
}

const rows = [];
const budgetLines = [];
const started = Date.now();
const loadStart = os.loadavg();
try {
  if (P.convs > 0 || P.messages > 0) {
    log(`list and send()-built chat (--convs ${P.convs} --messages ${P.messages}), load ${f(load1(), 1)}`);
    loads.push(load1());
    const figures = await phase(['--convs', String(P.convs), '--messages', String(P.messages)]);
    for (const [k, v] of Object.entries(figures)) rows.push([k, v]);
  }
  if (P.big > 0) {
    const srv = await startServer(path.join(tmp, 'server'));
    let job;
    let online;
    const dir = path.join(tmp, 'device');
    fs.mkdirSync(dir);
    try {
      log(`big chat: seeding ${f(P.big)} messages (load ${f(load1(), 1)})`);
      job = await phase(['--phase', 'big-seed', '--http', srv.http, '--messages', String(P.big)], false);
      log(`seeded in ${f(job.seedMs / 1000, 1)} s; a device logs in, opens the chat and pages to the start (load ${f(load1(), 1)})`);
      loads.push(load1());
      online = await phase(['--phase', 'big-online', '--http', srv.http, '--job', JSON.stringify(job), '--dir', dir], false);
      log(`online: ${JSON.stringify(online)}`);
    } finally {
      await srv.stop();
    }
    const cold = [];
    for (let i = 0; i < P.runs; i++) {
      loads.push(load1());
      // Each cold run on its own copy of the file the online phase left: the run sends a message, and the next run
      // must open the same newest 50 rows.
      const runDir = path.join(tmp, `cold-${i}`);
      fs.cpSync(dir, runDir, { recursive: true });
      cold.push(await phase(['--phase', 'big-cold', '--job', JSON.stringify(job), '--dir', runDir]));
      fs.rmSync(runDir, { recursive: true, force: true });
      log(`cold ${i + 1}/${P.runs}: ${JSON.stringify(cold.at(-1))}`);
    }
    // A 25 MiB attachment sent offline (HAPP-ATTACH-2), with the native digest the app uses and the JS fallback.
    const attach = { md: [], js: [] };
    for (let i = 0; i < P.attach; i++) {
      for (const digest of ['md', 'js']) {
        const runDir = path.join(tmp, `attach-${digest}-${i}`);
        fs.cpSync(dir, runDir, { recursive: true });
        loads.push(load1());
        attach[digest].push(await phase(['--phase', 'big-attach', '--job', JSON.stringify(job), '--dir', runDir, '--digest', digest]));
        log(`attach ${digest} ${i + 1}/${P.attach}: ${JSON.stringify(attach[digest].at(-1))}`);
        fs.rmSync(runDir, { recursive: true, force: true });
      }
    }
    const c = (k) => median(cold.map((x) => x[k]));
    const rng = (k, d = 0) => (cold.length > 1 ? ` (${f(Math.min(...cold.map((x) => x[k])), d)}–${f(Math.max(...cold.map((x) => x[k])), d)})` : '');
    const n = job.messages;
    const B = `chat of ${f(n)} messages (${job.segments} segments)`;
    rows.push(
      [`${B}: seeding on the server (bench/history/seed.ts)`, `${f(job.seedMs / 1000, 1)} s`],
      [`${B}, new device: login() to the newest 50 rows`, `${f(online.firstScreenMs)} ms (login ${f(online.loginMs)}, list ${f(online.listMs)}, open ${f(online.openMs)})`],
      [`  segment docs downloaded at first screen / after settling`, `${online.segmentsAtFirstScreen} / ${online.segmentsAfterSettle} of ${job.segments}`],
      [`  page back 1,000 from the server (pages of 50)`, `${f(online.pageBack1000Ms)} ms`],
      [`  page on to ${f(online.rowsInFacade)} rows through the facade (pages of 50) / the last page of 50 there`, `${f(online.pageTo10kMs / 1000, 1)} s / ${f(online.pageAt10kMs)} ms`],
      [`  then on to the start through client-core (pages of 1,000, every segment from the server)`, `${f(online.pageRestMs / 1000, 1)} s (start reached: ${online.reachedStart}; ${online.segmentsHeld} segments in RDB; heap with every segment in the view +${f(online.heapAllSegmentsMB - online.heapAtFirstScreenMB, 1)} MB)`],
      [`  RDB file afterwards: as left / vacuumed (bytes per message)`, `${f(online.fileBytes / 2 ** 20, 1)} / ${f(online.fileBytesVacuumed / 2 ** 20, 1)} MB (${f(online.fileBytes / n, 1)} / ${f(online.fileBytesVacuumed / n, 1)}; raw JSON ${f(job.rawJsonBytes / n, 1)})`],
      [`${B}, offline: cold start to the list (median of ${cold.length})`, `${f(c('coldStartMs'))} ms${rng('coldStartMs')}`],
      [`  heap after cold start`, `${f(c('heapColdMB'), 2)} MB`],
      [`  open the chat (newest 50 rows)`, `${f(c('openMs'), 1)} ms${rng('openMs', 1)} (+${f(c('heapOpenMB'), 2)} MB)`],
      [`  one older page of 50`, `${f(c('olderPageMs'), 1)} ms${rng('olderPageMs', 1)}`],
      [`  send a text offline (written, row shown)`, `${f(c('sendMs'), 1)} ms${rng('sendMs', 1)}`],
      [`  page back 1,000 (20 pages of 50, from RDB)`, `${f(c('pageBack1000Ms'))} ms${rng('pageBack1000Ms')} (+${f(c('heapAfterPagingMB'), 2)} MB)`],
      ...(P.attach > 0
        ? [
            [`  send a 25 MiB attachment offline, cryptoFramework Md (stand-in: native) / client-core's JS SHA-256 (median of ${P.attach})`, `${f(median(attach.md.map((x) => x.attachMs)))} / ${f(median(attach.js.map((x) => x.attachMs)))} ms`],
            [`  longest event-loop gap during that send, Md / JS`, `${f(median(attach.md.map((x) => x.attachLongestGapMs)))} / ${f(median(attach.js.map((x) => x.attachLongestGapMs)))} ms`],
          ]
        : []),
      [`  heap after leaving the chat (vs. before opening)`, `${f(c('heapAfterLeaveMB'), 2)} MB (segments loaded: open ${JSON.stringify(cold[0].loadedAtOpen)}, paged ${cold[0].loadedAfterPaging.length}, left ${JSON.stringify(cold[0].loadedAfterLeave)})`],
    );
    if (a.jitless) {
      for (const [what, key, ms] of BUDGETS) {
        const m = c(key);
        budgetLines.push(`${m <= ms ? 'PASS' : 'FAIL'} ${what}: median ${f(m, 1)} ms of ${cold.length} runs, budget ${ms} ms`);
      }
    }
  }
} finally {
  fs.rmSync(file, { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
for (const s of sizes) rows.push([`bundle ${s.name} (KiB min / gzip)`, `${(s.bytes / 1024).toFixed(1)} / ${(s.gzip / 1024).toFixed(1)}`]);
console.log(`Engine: ${ENGINE}, Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}\n`);
console.log(`| figure | value |\n| --- | ---: |`);
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
if (budgetLines.length > 0) console.log(`\nDevice budgets (${ENGINE}):\n${budgetLines.map((l) => `- ${l}`).join('\n')}`);
console.log(`\n1-min load average (${os.cpus().length} cores): start ${loadStart.map((x) => f(x, 1)).join(' ')}, at each measured phase ${loads.map((x) => f(x, 1)).join(' ')}, end ${os.loadavg().map((x) => f(x, 1)).join(' ')}; total ${f((Date.now() - started) / 1000)} s`);
