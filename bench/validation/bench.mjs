/**
 * One run of the validation bench (bundled by run.mjs from the TypeScript sources; prints one JSON line).
 *
 * Setup, identical for both modes: a real SQLite database (openDatabase: WAL, synchronous=FULL, migrations), real
 * accounts/membership tables and MembershipAccessPolicy (TRUST-13 asks it on every write), and a conversation doc
 * preloaded with --history messages from two members, stored by the real DocStore and loaded by the real SyncHub.
 *
 * 1. cost: `validateUpdate` per realistic update (80% a new 100-character message, 20% the device overwriting its
 *    own receipt, which also deletes its previous receipt item), sync side's default rules alone vs. with the trust
 *    rule, each update then applied so the doc grows as in production. Reports p50/p99 in microseconds.
 * 2. throughput: CPU time per update (and, noisier, wall-clock updates/s) of the hub's whole per-update pipeline (submit = validate + queue; flush = apply, one SQLite group
 *    commit, ACK, relay to the other member) for --updates updates from --devices devices in --convs conversations,
 *    100 updates per event-loop turn, with trust on and off. Sockets are replaced by in-memory peers, so the measured
 *    share of validation is an upper bound of its share in the real server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import { openDatabase } from '../../sync-server/src/db/open.ts';
import { UserRepo } from '../../sync-server/src/db/users.ts';
import { ConversationRepo } from '../../sync-server/src/db/conversations.ts';
import { MembershipAccessPolicy } from '../../sync-server/src/auth/access.ts';
import { DocCatalog, DocStore } from '../../sync-server/src/sync/docStore.ts';
import { SyncHub } from '../../sync-server/src/sync/hub.ts';
import { resolveLimits } from '../../sync-server/src/sync/limits.ts';
import { createMetrics } from '../../sync-server/src/sync/metrics.ts';
import { DEFAULT_RULES, validateUpdate } from '../../sync-server/src/sync/validate.ts';
import { silentLogger } from '../../sync-server/src/log.ts';
import { createTrust } from '../../sync-server/src/trust/index.ts';

const { values } = parseArgs({
  options: {
    history: { type: 'string', default: '5000' },
    samples: { type: 'string', default: '4000' },
    updates: { type: 'string', default: '20000' },
    convs: { type: 'string', default: '100' },
    off: { type: 'boolean', default: false },
  },
});
const HISTORY = Number(values.history);
const SAMPLES = Number(values.samples);
const UPDATES = Number(values.updates);
const CONVS = Number(values.convs);
const BODY = 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et d';

let hlcCounter = 0;
const hlc = () => (Date.now().toString(36).padStart(9, '0') + (hlcCounter++ % 1679616).toString(36).padStart(4, '0')).slice(-13);
let rnd = 0;
const message = (doc, user) => {
  const id = `${user}.m${(rnd++).toString(36)}`;
  doc.getMap('messages').set(id, { id, author: user, hlc: hlc(), type: 'text', body: BODY });
};
/** The transaction's own update, as a client sends it (encodeStateAsUpdate would carry the whole delete set). */
function updateOf(doc, f) {
  let out = null;
  const on = (u) => {
    out = u;
  };
  doc.on('update', on);
  doc.transact(() => f(doc));
  doc.off('update', on);
  return out;
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'concord-valbench-'));
  const db = openDatabase(dir);
  const now = Date.now();
  const users = [];
  const addUser = (id) => {
    db.prepare('INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, id, id, 'x', now);
    users.push(id);
  };
  const addConv = (id, members) => {
    db.prepare("INSERT INTO conversations (id, kind, title, created_by, created_at) VALUES (?, 'group', '', ?, ?)").run(id, members[0], now);
    for (const m of members) db.prepare("INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)").run(id, m, now);
  };
  // With the segment catalog, as createServer builds it: segment docs k >= 1 are checked against it (SEG-1).
  const access = new MembershipAccessPolicy(new UserRepo(db), new ConversationRepo(db), new DocCatalog(db));
  return { dir, db, access, addUser, addConv, users };
}

function peer(id, userId, deviceId) {
  return {
    id,
    kind: 'mux',
    auth: { userId, deviceId },
    acks: 0,
    rejects: 0,
    send() {},
    sendAck() {
      this.acks++;
    },
    sendReject(_doc, _code, message) {
      this.rejects++;
      this.lastReject = message;
    },
    sendNotify() {},
    revokeDoc() {},
    close() {},
  };
}

function hubFor(env, trustOn) {
  const trust = trustOn
    ? createTrust({
        db: env.db,
        access: env.access,
        // The bench offers far more per connection than the default limits allow; the buckets still run.
        limits: { connectionUpdatesPerSecond: 1e9, connectionUpdateBurst: 1e9, userUpdatesPerSecond: 1e9, userUpdateBurst: 1e9 },
      })
    : null;
  const metrics = createMetrics();
  const hub = new SyncHub({
    store: new DocStore(env.db),
    access: env.access,
    limits: resolveLimits({ compactAfterUpdates: 100 }),
    metrics,
    logger: silentLogger(),
    extraRules: trust ? trust.rules : [],
    ...(trust ? { awarenessRule: trust.awarenessRule, beforeServerWrite: trust.beforeServerWrite } : {}),
  });
  return { hub, metrics, trust };
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- 1. cost per update ------------------------------------------------------------------------------------------
function cost(trustOn) {
  const env = setup();
  env.addUser('alice');
  env.addUser('bob');
  env.addConv('c0', ['alice', 'bob']);
  const { hub, trust } = hubFor(env, trustOn);
  const a = peer(1, 'alice', 'a1');
  const b = peer(2, 'bob', 'b1');
  hub.addPeer(a);
  hub.addPeer(b);
  const handle = hub.subscribe(a, 'conv:c0');
  hub.subscribe(b, 'conv:c0');
  // History through the hub (so client ids are bound as in production), in chunks of 100 messages per update.
  const docs = { alice: new Y.Doc(), bob: new Y.Doc() };
  for (let i = 0; i < HISTORY; i += 100) {
    const user = (i / 100) % 2 === 0 ? 'alice' : 'bob';
    const d = docs[user];
    Y.applyUpdate(d, Y.encodeStateAsUpdate(handle.ydoc));
    hub.submit(user === 'alice' ? a : b, handle, updateOf(d, (x) => { for (let k = 0; k < Math.min(100, HISTORY - i); k++) message(x, user); }));
    hub.flush();
  }
  if (handle.ydoc.getMap('messages').size !== HISTORY) throw new Error(`history not loaded: ${handle.ydoc.getMap('messages').size}`);
  // Fresh sessions (new client ids), as after an app start.
  const alice = new Y.Doc();
  Y.applyUpdate(alice, Y.encodeStateAsUpdate(handle.ydoc));
  const rules = trust ? [...DEFAULT_RULES, ...trust.rules] : DEFAULT_RULES;
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const bytes = i % 5 === 4
      ? updateOf(alice, (x) => x.getMap('receipts').set('alice/a1', { rhlc: hlc(), dsv: 'AAAA' }))
      : updateOf(alice, (x) => message(x, 'alice'));
    const ctx = { auth: a.auth, doc: 'conv:c0', parsed: handle.parsed, ydoc: handle.ydoc, maxUpdateBytes: 1 << 20, connection: a.id };
    const t0 = process.hrtime.bigint();
    const v = validateUpdate(ctx, bytes, rules);
    const t1 = process.hrtime.bigint();
    if (!v.ok) throw new Error(`refused: ${v.message}`);
    times.push(Number(t1 - t0) / 1000);
    Y.applyUpdate(handle.ydoc, bytes);
  }
  hub.close();
  trust?.registry.flush();
  env.db.close();
  rmSync(env.dir, { recursive: true, force: true });
  times.sort((x, y) => x - y);
  return { p50: pct(times, 50), p99: pct(times, 99), mean: times.reduce((s, t) => s + t, 0) / times.length };
}

// ---- 2. pipeline throughput --------------------------------------------------------------------------------------
async function throughput(trustOn) {
  const env = setup();
  const peers = [];
  const work = [];
  for (let c = 0; c < CONVS; c++) {
    const u1 = `u${c}a`;
    const u2 = `u${c}b`;
    env.addUser(u1);
    env.addUser(u2);
    env.addConv(`c${c}`, [u1, u2]);
  }
  const { hub, metrics, trust } = hubFor(env, trustOn);
  let pid = 1;
  for (let c = 0; c < CONVS; c++) {
    for (const u of [`u${c}a`, `u${c}b`]) {
      const p = peer(pid++, u, `${u}-d`);
      hub.addPeer(p);
      const handle = hub.subscribe(p, `conv:c${c}`);
      peers.push({ p, handle, u, doc: new Y.Doc() });
    }
  }
  // Pre-generate every update (client work is not what is measured), round-robin over devices.
  for (let i = 0; i < UPDATES; i++) {
    const d = peers[i % peers.length];
    const bytes = i % 5 === 4
      ? updateOf(d.doc, (x) => x.getMap('receipts').set(`${d.u}/${d.u}-d`, { rhlc: hlc() }))
      : updateOf(d.doc, (x) => message(x, d.u));
    work.push([d, bytes]);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < work.length; i += 100) {
    for (let k = i; k < Math.min(i + 100, work.length); k++) hub.submit(work[k][0].p, work[k][0].handle, work[k][1]);
    // The hub flushes on setImmediate: one group commit per turn, as with real sockets.
    await new Promise((resolve) => setImmediate(resolve));
  }
  hub.flush();
  const ms = performance.now() - t0;
  // CPU, not wall time: the group commits wait on fsync of a disk shared with other jobs, which swings wall-clock
  // throughput by 3x between runs; a server at load is bound by CPU per update, and that is what the rules add to.
  const cpu = process.cpuUsage(c0);
  const rejected = metrics.updatesRejected;
  const stored = metrics.updatesStored;
  hub.close();
  trust?.registry.flush();
  env.db.close();
  rmSync(env.dir, { recursive: true, force: true });
  if (rejected !== 0) throw new Error(`${rejected} updates refused: ${peers.find((x) => x.p.rejects > 0)?.p.lastReject}`);
  return { updatesPerSec: (stored / ms) * 1000, cpuUsPerUpdate: (cpu.user + cpu.system) / stored, ms, stored };
}

const mode = !values.off;
const out = { trust: mode, cost: cost(mode), throughput: await throughput(mode) };
process.stdout.write(`${JSON.stringify(out)}\n`);
