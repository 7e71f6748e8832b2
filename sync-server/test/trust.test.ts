/**
 * The trust rules in process (SPEC TRUST-*): a server copy, the sync side's default rules plus the trust rule, and
 * client replicas that produce real Yjs updates, honest and hostile. The hostile-client suite (hostile*.test.ts)
 * checks the same rules over real sockets.
 */
import { describe, expect, it, beforeEach } from 'vitest';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import {
  CloseCode,
  ErrorCode,
  type DeviceId,
  type DocName,
  type UserId,
  parseDocName,
  CONV_EDITS,
  CONV_MESSAGES,
  CONV_META,
  CONV_RECEIPTS,
  MAX_HLC_SKEW_MS,
  MAX_MENTIONS,
  MAX_REACTIONS_PER_USER,
  RECALL_WINDOW_MS,
  CONV_REACTIONS,
  USER_HIDDEN,
  hiddenKey,
  reactionKey,
  USER_CONVS,
  USER_PREFS,
  encodeHlc,
} from '@concord/protocol';
import type { AccessPolicy, AuthContext } from '../src/seams.js';
import { DEFAULT_RULES, validateUpdate, type Verdict } from '../src/sync/validate.js';
import { SERVER_IDENTITY, createTrust, type Trust } from '../src/trust/index.js';

const CONV = 'conv:c1' as DocName;
const HLC = '0000000000001';
const alice: AuthContext = { userId: 'alice' as UserId, deviceId: 'a1' as DeviceId };
const alice2: AuthContext = { userId: 'alice' as UserId, deviceId: 'a2' as DeviceId };
const bob: AuthContext = { userId: 'bob' as UserId, deviceId: 'b1' as DeviceId };
const mallory: AuthContext = { userId: 'mallory' as UserId, deviceId: 'm1' as DeviceId };

let members: Set<string>;
const access: AccessPolicy = {
  canAccess: (user, doc) => (doc.startsWith('user:') ? doc === `user:${user}` : members.has(user)),
  docsVisibleTo: () => [],
  usersWhoMaySee: () => [],
};

let db: Database.Database;
let now: number;
let trust: Trust;
let server: Y.Doc;

beforeEach(() => {
  db = new Database(':memory:');
  now = 0;
  members = new Set(['alice', 'bob', 'mallory']);
  trust = createTrust({ db, access, now: () => now });
  server = new Y.Doc();
});

let connection = 1;
/** What the hub does: validate against the server's copy, then (unless `apply` is false) apply. */
function submit(auth: AuthContext, bytes: Uint8Array, opts: { doc?: DocName; ydoc?: Y.Doc; apply?: boolean; connection?: number } = {}): Verdict {
  const doc = opts.doc ?? CONV;
  const ydoc = opts.ydoc ?? server;
  const parsed = parseDocName(doc);
  if (parsed === null) throw new Error('bad doc');
  const verdict = validateUpdate(
    { auth, doc, parsed, ydoc, maxUpdateBytes: 1 << 20, connection: opts.connection ?? connection++ },
    bytes,
    [...DEFAULT_RULES, ...trust.rules],
    trust.admission,
  );
  if (verdict.ok && opts.apply !== false) Y.applyUpdate(ydoc, bytes);
  return verdict;
}

function refusedWith(v: Verdict, rule: string): void {
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.message).toMatch(new RegExp(`^${rule}\\b`));
}

/** A replica of the server's copy (a device that synced). */
function replica(source: Y.Doc = server): Y.Doc {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(source));
  return d;
}

function change(d: Y.Doc, f: (d: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(d);
  d.transact(() => f(d));
  return Y.encodeStateAsUpdate(d, before);
}

function entry(author: string, rand: string, body = 'hi'): [string, Record<string, unknown>] {
  const id = `${author}.${rand}`;
  return [id, { id, author, hlc: HLC, type: 'text', body }];
}

function sendMessage(auth: AuthContext, d: Y.Doc, rand: string, body = 'hi'): Verdict {
  const [id, value] = entry(auth.userId, rand, body);
  return submit(auth, change(d, (x) => x.getMap(CONV_MESSAGES).set(id, value)));
}

describe('conversation docs', () => {
  it('[TRUST-1] an honest message is accepted; a forged author, a foreign key or a malformed entry is refused', () => {
    const a = replica();
    expect(sendMessage(alice, a, 'm1').ok).toBe(true);
    const m = replica();
    // The key claims bob, the entry claims bob: the sender is mallory.
    const [bid, bval] = entry('bob', 'forged');
    refusedWith(submit(mallory, change(m, (x) => x.getMap(CONV_MESSAGES).set(bid, bval))), 'TRUST-1');
    // mallory's key, bob as author inside.
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('mallory.x', { ...bval, id: 'mallory.x' }))), 'TRUST-1');
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('mallory.y', { id: 'mallory.y', author: 'mallory' }))), 'TRUST-1');
    expect([...server.getMap(CONV_MESSAGES).keys()]).toEqual(['alice.m1']);
  });

  it("[TRUST-2] nobody overwrites or deletes a message, not even its author; another member's overwrite lands under the other's key", () => {
    expect(sendMessage(alice, replica(), 'm1').ok).toBe(true);
    const original = server.getMap(CONV_MESSAGES).get('alice.m1');
    const m = replica();
    // Setting an existing key makes the new item's origin the old one: the key is alice's, so TRUST-1 refuses.
    refusedWith(submit(mallory, change(m, (x) => x.getMap(CONV_MESSAGES).set('alice.m1', { ...(original as object), body: 'pwned' }))), 'TRUST-1');
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_MESSAGES).delete('alice.m1'))), 'TRUST-14');
    // The author may not rewrite or delete it either: edits go to `edits`.
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('alice.m1', { ...(original as object), body: 'v2' }))), 'TRUST-2');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).delete('alice.m1'))), 'TRUST-2');
    expect(server.getMap(CONV_MESSAGES).get('alice.m1')).toEqual(original);
  });

  it('[TRUST-2] a key written twice in one update (two client ids merged) is refused', () => {
    const [id, value] = entry('alice', 'dup');
    const u1 = change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, value));
    const u2 = change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, { ...value, body: 'other' }));
    refusedWith(submit(alice, Y.mergeUpdates([u1, u2])), 'TRUST-2');
    // And a key queued by an earlier update of the same turn, not yet applied, counts as existing.
    expect(submit(alice, u1, { apply: false }).ok).toBe(true);
    refusedWith(submit(alice, u2, { apply: false }), 'TRUST-2');
  });

  it("[TRUST-3] only a message's author writes its edits, with the edit shape; edits may be overwritten", () => {
    const a = replica();
    expect(sendMessage(alice, a, 'm1').ok).toBe(true);
    expect(submit(alice, change(a, (x) => x.getMap(CONV_EDITS).set('alice.m1', { hlc: HLC, body: 'fixed' }))).ok).toBe(true);
    // A second edit overwrites the first (its origin is the first, and the first is deleted).
    expect(submit(alice, change(a, (x) => x.getMap(CONV_EDITS).set('alice.m1', { hlc: HLC, body: 'fixed again' }))).ok).toBe(true);
    expect(server.getMap(CONV_EDITS).get('alice.m1')).toEqual({ hlc: HLC, body: 'fixed again' });
    const m = replica();
    refusedWith(submit(mallory, change(m, (x) => x.getMap(CONV_EDITS).set('alice.m1', { hlc: HLC, body: 'pwned' }))), 'TRUST-3');
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_EDITS).delete('alice.m1'))), 'TRUST-14');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set('alice.m1', { hlc: HLC, body: 1 }))), 'TRUST-3');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set('alice.m1', { hlc: HLC, extra: true }))), 'TRUST-3');
  });

  it("[TRUST-4] a device writes and overwrites only its own receipt key; another's is neither written nor deleted", () => {
    const a = replica();
    const key = 'alice/a1';
    expect(submit(alice, change(a, (x) => x.getMap(CONV_RECEIPTS).set(key, { dsv: 'AA==' }))).ok).toBe(true);
    expect(submit(alice, change(a, (x) => x.getMap(CONV_RECEIPTS).set(key, { dsv: 'AQ==', rhlc: HLC }))).ok).toBe(true);
    // alice's other device may not touch a1's mark.
    refusedWith(submit(alice2, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set(key, { dsv: 'AA==' }))), 'TRUST-4');
    refusedWith(submit(bob, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('bob/b1', { dsv: 'not base64!' }))), 'TRUST-4');
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_RECEIPTS).delete(key))), 'TRUST-14');
    expect(server.getMap(CONV_RECEIPTS).get(key)).toEqual({ dsv: 'AQ==', rhlc: HLC });
  });

  it('[TRUST-5] meta, unknown roots, nested types and non-JSON content are refused', () => {
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_META).set('title', 'mine'))), 'VAL-3');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap('other').set('k', 1))), 'TRUST-5');
    refusedWith(submit(alice, change(replica(), (x) => x.getText('messages').insert(0, 'text'))), 'TRUST-5');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set('alice.m1', new Y.Map()))), 'TRUST-5');
    // An item under a nested type: first the nested map (refused), so build it in a replica and send only the child.
    const r = replica();
    r.transact(() => r.getMap(CONV_RECEIPTS).set('alice/a1', new Y.Map()));
    const sv = Y.encodeStateVector(r);
    (r.getMap(CONV_RECEIPTS).get('alice/a1') as Y.Map<unknown>).set('dsv', 'AA==');
    const child = Y.encodeStateAsUpdate(r, sv);
    // The nested parent is unknown to the server, so this is a missing dependency before it is a nested type.
    expect(submit(alice, child).ok).toBe(false);
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', new Uint8Array([1])))), 'TRUST-5');
    // A Y.Array-style insert with a right origin into the `messages` root.
    const arr = replica();
    const bytes = change(arr, (x) => {
      const a = x.getArray('receipts');
      a.insert(0, ['one']);
      a.insert(0, ['two']);
    });
    refusedWith(submit(alice, bytes), 'TRUST-5');
    expect(server.share.has('other')).toBe(false);
  });

  it("[TRUST-6] a client id is bound to its first user: reuse by another user, or of the server's writer, is refused", () => {
    const b = replica();
    expect(sendMessage(bob, b, 'm1').ok).toBe(true);
    expect(trust.registry.owner(b.clientID)).toBe('bob');
    trust.registry.flush();
    expect(db.prepare('SELECT user_id FROM client_ids WHERE client = ?').get(b.clientID)).toEqual({ user_id: 'bob' });
    // mallory continues bob's client id (next clock) with a message of her own.
    const m = replica();
    m.clientID = b.clientID;
    refusedWith(sendMessage(mallory, m, 'x'), 'TRUST-6');
    // The server's writer is bound to the reserved identity before writing.
    trust.beforeServerWrite(server);
    server.transact(() => server.getMap(CONV_META).set('title', 't'));
    expect(trust.registry.owner(server.clientID)).toBe(SERVER_IDENTITY);
    const s = replica();
    s.clientID = server.clientID;
    refusedWith(sendMessage(mallory, s, 'y'), 'TRUST-6');
    // A client id with structs on the server but no binding (written before bindings existed) is nobody's to take.
    const legacy = new Y.Doc();
    const [lid, lval] = entry('bob', 'old');
    legacy.getMap(CONV_MESSAGES).set(lid, lval);
    Y.applyUpdate(server, Y.encodeStateAsUpdate(legacy));
    const l = replica();
    l.clientID = legacy.clientID;
    refusedWith(sendMessage(mallory, l, 'z'), 'TRUST-6');
  });

  it('[TRUST-9] a message body over the configured limit is refused naming the limit', () => {
    trust = createTrust({ db: new Database(':memory:'), access, limits: { maxMessageLength: 100 } });
    expect(sendMessage(alice, replica(), 'ok', 'x'.repeat(100)).ok).toBe(true);
    refusedWith(sendMessage(alice, replica(), 'long', 'x'.repeat(101)), 'TRUST-9');
  });

  it('[TRUST-10] [TRUST-11] a connection over its rate is refused, then closed with 4429 if it keeps going; the bucket refills', () => {
    trust = createTrust({ db, access, now: () => now, limits: { connectionUpdatesPerSecond: 10, connectionUpdateBurst: 5, abuseDebt: 5 } });
    const a = replica();
    for (let i = 0; i < 5; i++) expect(submit(alice, change(a, (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: HLC })), { connection: 7 }).ok).toBe(true);
    const limited = submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', {})), { connection: 7 });
    refusedWith(limited, 'TRUST-10');
    if (!limited.ok) {
      expect(limited.code).toBe(ErrorCode.RateLimited);
      expect(limited.close).toBeUndefined();
    }
    let last: Verdict = limited;
    for (let i = 0; i < 4; i++) last = submit(alice, new Uint8Array([0, 0]), { connection: 7 });
    expect(last.ok).toBe(false);
    if (!last.ok) {
      expect(last.close).toBe(CloseCode.RateLimited);
      expect(last.message).toMatch(/^TRUST-11\b/);
    }
    // Another connection of another user is unaffected; after a second, this one may send again.
    expect(submit(bob, new Uint8Array([0, 0]), { connection: 8 }).ok).toBe(true);
    now += 2000;
    expect(submit(alice, new Uint8Array([0, 0]), { connection: 7 }).ok).toBe(true);
  });

  it('[TRUST-12] an update depending on structs the server lacks is refused; one queued in the same turn is a known dependency', () => {
    const a = replica();
    const first = change(a, (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: HLC }));
    const second = change(a, (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { dsv: 'AA==' }));
    refusedWith(submit(alice, second), 'TRUST-12');
    // The hub validates both before applying either (one group commit per turn).
    expect(submit(alice, first, { apply: false }).ok).toBe(true);
    expect(submit(alice, second, { apply: false }).ok).toBe(true);
    Y.applyUpdate(server, first);
    Y.applyUpdate(server, second);
    expect(server.getMap(CONV_RECEIPTS).get('alice/a1')).toEqual({ dsv: 'AA==' });
    expect(server.store.pendingStructs).toBeNull();
  });

  it('[TRUST-13] a user removed from the conversation can no longer write, even on an open subscription', () => {
    members.delete('mallory');
    refusedWith(sendMessage(mallory, replica(), 'late'), 'TRUST-13');
  });

  it('[TRUST-13] membership answers are reused briefly, forgotten on a server write, and expire', () => {
    expect(sendMessage(bob, replica(), 'b1').ok).toBe(true);
    members.delete('bob');
    // Removed behind the server's back: the cached answer holds for at most membershipTtlMs.
    expect(sendMessage(bob, replica(), 'b2').ok).toBe(true);
    now += 2000;
    refusedWith(sendMessage(bob, replica(), 'b3'), 'TRUST-13');
    members.add('bob');
    expect(sendMessage(bob, replica(), 'b4').ok).toBe(true);
    members.delete('bob');
    // The way removals really arrive: with a server write (the meta mirror), which forgets at once.
    trust.beforeServerWrite(server);
    refusedWith(sendMessage(bob, replica(), 'b5'), 'TRUST-13');
  });

  it("[TRUST-14] a delete of clocks nobody holds (to hit another user's future content) is refused", () => {
    const b = replica();
    expect(sendMessage(bob, b, 'm1').ok).toBe(true);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // no structs
    encoding.writeVarUint(e, 1); // one client in the delete set
    encoding.writeVarUint(e, b.clientID);
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 1); // clock 1: bob's next struct
    encoding.writeVarUint(e, 5);
    refusedWith(submit(mallory, encoding.toUint8Array(e)), 'TRUST-14');
  });

  it("[TRUST-12] the handshake race: a SyncStep2 carrying others' structs the server already holds, and the whole delete set, passes", () => {
    const a = replica();
    a.transact(() => a.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: HLC }));
    expect(submit(alice, Y.encodeStateAsUpdate(a)).ok).toBe(true);
    const staleServerSv = Y.encodeStateVector(server);
    // bob writes and his receipt overwrite deletes his old item; alice receives all of it.
    const b = replica();
    expect(sendMessage(bob, b, 'm1').ok).toBe(true);
    expect(submit(bob, change(b, (x) => x.getMap(CONV_RECEIPTS).set('bob/b1', { rhlc: HLC }))).ok).toBe(true);
    expect(submit(bob, change(b, (x) => x.getMap(CONV_RECEIPTS).set('bob/b1', { dsv: 'AA==' }))).ok).toBe(true);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(server));
    a.transact(() => a.getMap(CONV_RECEIPTS).set('alice/a1', { dsv: 'AQ==' }));
    // alice answers a SyncStep1 that predates bob's writes.
    expect(submit(alice, Y.encodeStateAsUpdate(a, staleServerSv)).ok).toBe(true);
    expect(server.getMap(CONV_RECEIPTS).toJSON()).toEqual({ 'alice/a1': { dsv: 'AQ==' }, 'bob/b1': { dsv: 'AA==' } });
  });
});

describe('bounded entries', () => {
  const url = `/v1/conversations/c1/blobs/${'ab'.repeat(32)}`;
  const image = (extra: Record<string, unknown> = {}, attachment: Record<string, unknown> = {}): Record<string, unknown> => {
    const [, value] = entry('alice', 'img');
    return { ...value, type: 'image', body: 'cat.png', attachment: { url, name: 'cat.png', mime: 'image/png', size: 1234, ...attachment }, ...extra };
  };
  const write = (id: string, value: Record<string, unknown>): Verdict =>
    submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, { ...value, id })));

  it('[TRUST-15] a message carries only its schema fields, each bounded; padding anywhere is refused', () => {
    expect(write('alice.i1', image()).ok).toBe(true);
    expect(write('alice.v1', image({ type: 'voice' }, { mime: 'audio/webm;codecs=opus', durationMs: 5_000 })).ok).toBe(true);
    refusedWith(write('alice.p1', image({ pad: 'x'.repeat(900_000) })), 'TRUST-15');
    refusedWith(write('alice.p2', image({}, { pad: 'x' })), 'TRUST-15');
    refusedWith(write('alice.p3', image({}, { name: 'x'.repeat(8_001) })), 'TRUST-15');
    refusedWith(write('alice.p4', image({}, { url: 'https://elsewhere.example/x.png' })), 'TRUST-15');
    refusedWith(write('alice.p5', image({}, { mime: 'image/png<script>' })), 'TRUST-15');
    refusedWith(write('alice.p6', image({}, { size: 26 * 1024 * 1024 })), 'TRUST-15');
    refusedWith(write('alice.p7', image({}, { durationMs: 1e12 })), 'TRUST-15');
    refusedWith(write('alice.p8', image({ type: 'text' })), 'TRUST-15');
    // The longest honest message: 8,000 characters of 3-byte UTF-8.
    const [, text] = entry('alice', 'long', '汉'.repeat(8_000));
    expect(write('alice.long', text).ok).toBe(true);
  });

  it('[TRUST-15] receipt vectors are bounded', () => {
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { dsv: 'AAAA'.repeat(1000) }))).ok).toBe(true);
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { dsv: 'AAAA'.repeat(10_000) }))), 'TRUST-4');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { dsv: 'A'.repeat(900_000) }))), 'TRUST-15');
  });
});

describe('stamps from the future', () => {
  it('[HLC-2] a message, edit or receipt stamped more than MAX_HLC_SKEW_MS ahead of the server clock is refused; within it passes', () => {
    const t = Date.now();
    const far = encodeHlc(t + MAX_HLC_SKEW_MS + 60_000, 0);
    const near = encodeHlc(t + MAX_HLC_SKEW_MS - 60_000, 0);
    const [id, value] = entry('alice', 'f1');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, { ...value, hlc: far }))), 'HLC-2');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('alice.z', { ...value, id: 'alice.z', hlc: 'zzzzzzzzzzzzz' }))), 'HLC-2');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: far }))), 'HLC-2');
    expect(sendMessage(alice, replica(), 'ok1').ok).toBe(true);
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set('alice.ok1', { hlc: far, body: 'later' }))), 'HLC-2');
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('alice.n1', { ...value, id: 'alice.n1', hlc: near }))).ok).toBe(true);
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: near }))).ok).toBe(true);
  });
});

describe('message actions', () => {
  const stamped = (rand: string, ms: number): [string, Record<string, unknown>] => {
    const [id, value] = entry('alice', rand);
    return [id, { ...value, hlc: encodeHlc(ms, 0) }];
  };
  const recall = (id: string): ((x: Y.Doc) => void) => (x) => x.getMap(CONV_EDITS).set(id, { hlc: encodeHlc(Date.now(), 1), deleted: true });

  it('[ACT-2] a recall is accepted within RECALL_WINDOW_MS of the message stamp by the server clock, refused after', () => {
    const a = replica();
    const [fresh, fv] = stamped('fresh', Date.now() - RECALL_WINDOW_MS + 10_000);
    const [old, ov] = stamped('old', Date.now() - RECALL_WINDOW_MS - 10_000);
    expect(submit(alice, change(a, (x) => x.getMap(CONV_MESSAGES).set(fresh, fv))).ok).toBe(true);
    expect(submit(alice, change(a, (x) => x.getMap(CONV_MESSAGES).set(old, ov))).ok).toBe(true);
    refusedWith(submit(alice, change(replica(), recall(old))), 'ACT-2');
    expect(server.getMap(CONV_EDITS).has(old)).toBe(false);
    expect(submit(alice, change(a, recall(fresh))).ok).toBe(true);
    // An edit (not a recall) of the old message is still the author's right (TRUST-3).
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set(old, { hlc: encodeHlc(Date.now(), 2), body: 'typo' }))).ok).toBe(true);
    // A recall of a message this segment does not hold is refused too.
    refusedWith(submit(alice, change(replica(), recall('alice.elsewhere'))), 'ACT-2');
  });

  it('[ACT-2] a message recalled before it reached the server (same update, offline) is accepted whatever its stamp', () => {
    const [id, value] = stamped('offline', Date.now() - 60 * 60_000);
    expect(submit(alice, change(replica(), (x) => { x.getMap(CONV_MESSAGES).set(id, value); recall(id)(x); })).ok).toBe(true);
    expect(server.getMap(CONV_EDITS).get(id)).toMatchObject({ deleted: true });
  });

  it('[ACT-2] a forward-dated stamp (HLC-2 allows 1 h) stretches the window to its stamp plus 2 minutes, no further', () => {
    const [id, value] = stamped('ahead', Date.now() + 30 * 60_000);
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, value))).ok).toBe(true);
    expect(submit(alice, change(replica(), recall(id))).ok).toBe(true);
  });

  it('[ACT-2] a recall is final: neither overwritten by a later edit nor deleted, by the author either', () => {
    const a = replica();
    const [id, value] = stamped('gone', Date.now());
    expect(submit(alice, change(a, (x) => x.getMap(CONV_MESSAGES).set(id, value))).ok).toBe(true);
    expect(submit(alice, change(a, recall(id))).ok).toBe(true);
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).set(id, { hlc: encodeHlc(Date.now(), 3), body: 'back' }))), 'ACT-2');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_EDITS).delete(id))), 'ACT-2');
    expect(server.getMap(CONV_EDITS).get(id)).toMatchObject({ deleted: true });
  });

  it('[ACT-6] reactions: a user writes only their own key, at most MAX_REACTIONS_PER_USER distinct short strings', () => {
    const a = replica();
    expect(sendMessage(bob, a, 'r1').ok).toBe(true);
    const key = reactionKey('alice', 'bob.r1');
    const al = replica();
    expect(submit(alice, change(al, (x) => x.getMap(CONV_REACTIONS).set(key, ['👍', '❤️']))).ok).toBe(true);
    expect(submit(alice, change(al, (x) => x.getMap(CONV_REACTIONS).set(key, []))).ok).toBe(true);
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_REACTIONS).set(key, ['👎']))), 'ACT-6');
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_REACTIONS).delete(key))), 'TRUST-14');
    const mkey = reactionKey('mallory', 'bob.r1');
    const tooMany = Array.from({ length: MAX_REACTIONS_PER_USER + 1 }, (_, i) => `e${i}`);
    for (const bad of [tooMany, ['👍', '👍'], [''], ['x'.repeat(17)], 'ok', [1]]) {
      refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_REACTIONS).set(mkey, bad))), 'ACT-6');
    }
    refusedWith(submit(mallory, change(replica(), (x) => x.getMap(CONV_REACTIONS).set('mallory/not-a-message', ['👍']))), 'ACT-6');
  });

  it('[ACT-7] mentions: at most MAX_MENTIONS distinct user ids on a message', () => {
    const [id, value] = entry('alice', 'men');
    expect(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set(id, { ...value, mentions: ['bob', 'mallory'] }))).ok).toBe(true);
    const many = Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `u${i}`);
    for (const [n, bad] of [many, ['bob', 'bob']].entries()) {
      refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set(`alice.men${n}`, { ...value, id: `alice.men${n}`, mentions: bad }))), 'ACT-7');
    }
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(CONV_MESSAGES).set('alice.menx', { ...value, id: 'alice.menx', mentions: ['not an id!'] }))), 'TRUST-1');
  });

  it('[ACT-4] hidden messages: `<conversationId>/<messageId>` -> true, in the user doc only', () => {
    const USER = 'user:alice' as DocName;
    const u = new Y.Doc();
    expect(submit(alice, change(u, (x) => x.getMap(USER_HIDDEN).set(hiddenKey('c1', 'bob.m1'), true)), { doc: USER, ydoc: u }).ok).toBe(true);
    refusedWith(submit(alice, change(new Y.Doc(), (x) => x.getMap(USER_HIDDEN).set('c1/bob.m1', false)), { doc: USER, ydoc: new Y.Doc() }), 'ACT-4');
    refusedWith(submit(alice, change(new Y.Doc(), (x) => x.getMap(USER_HIDDEN).set('bob.m1', true)), { doc: USER, ydoc: new Y.Doc() }), 'ACT-4');
    refusedWith(submit(alice, change(replica(), (x) => x.getMap(USER_HIDDEN).set('c1/bob.m1', true))), 'TRUST-5');
  });
});

describe('user docs', () => {
  const USER = 'user:alice' as DocName;
  it('[TRUST-7] prefs and drafts of the right shape pass; convs and bad shapes are refused', () => {
    const u = new Y.Doc();
    const r = replica(u);
    expect(submit(alice, change(r, (x) => x.getMap(USER_PREFS).set('pin:c1', 5)), { doc: USER, ydoc: u }).ok).toBe(true);
    expect(submit(alice, change(r, (x) => x.getMap('drafts').set('c1', 'draft')), { doc: USER, ydoc: u }).ok).toBe(true);
    refusedWith(submit(alice, change(replica(u), (x) => x.getMap(USER_CONVS).set('c9', { kind: 'group' })), { doc: USER, ydoc: u }), 'VAL-3');
    refusedWith(submit(alice, change(replica(u), (x) => x.getMap(USER_PREFS).set('mute:c1', 'yes')), { doc: USER, ydoc: u }), 'TRUST-7');
    refusedWith(submit(alice, change(replica(u), (x) => x.getMap(USER_PREFS).set('theme', 'dark')), { doc: USER, ydoc: u }), 'TRUST-7');
    refusedWith(submit(alice, change(replica(u), (x) => x.getMap(CONV_MESSAGES).set('alice.x', 1)), { doc: USER, ydoc: u }), 'TRUST-5');
    refusedWith(submit(bob, change(replica(u), (x) => x.getMap(USER_PREFS).set('pin:c1', 1)), { doc: USER, ydoc: u }), 'TRUST-13');
  });
});

describe('awareness', () => {
  function awarenessUpdate(entries: { client: number; state: unknown }[]): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, entries.length);
    for (const { client, state } of entries) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, JSON.stringify(state));
    }
    return encoding.toUint8Array(e);
  }
  const ctx = (auth: AuthContext) => ({ auth, doc: CONV, ydoc: server, connection: 1 });

  it("[TRUST-8] a connection sets awareness only for its own client ids and only as its own user", () => {
    expect(trust.awarenessRule(ctx(alice), awarenessUpdate([{ client: 11, state: { user: 'alice', typing: true } }]))).toBeNull();
    expect(trust.registry.owner(11)).toBe('alice');
    expect(trust.awarenessRule(ctx(bob), awarenessUpdate([{ client: 11, state: null }]))?.message).toMatch(/^TRUST-8/);
    expect(trust.awarenessRule(ctx(bob), awarenessUpdate([{ client: 12, state: { user: 'alice' } }]))?.message).toMatch(/^TRUST-8/);
    // Stock tooling leaves `user` out; that names nobody and passes.
    expect(trust.awarenessRule(ctx(bob), awarenessUpdate([{ client: 13, state: {} }]))).toBeNull();
    expect(() => trust.awarenessRule(ctx(bob), new Uint8Array([5, 1]))).toThrow(/malformed/);
  });
});
