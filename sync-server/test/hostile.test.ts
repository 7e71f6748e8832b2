/**
 * The hostile-client suite, part 1: a malicious member of a conversation speaking raw y-protocols frames on both
 * endpoints (SPEC TRUST-*, AUTHZ, AUTH-WS). For each attack: the refusal, every honest device's data unchanged, and an
 * honest pair still exchanging a message promptly afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  CloseCode,
  ErrorCode,
  type DocName,
  CONV_EDITS,
  CONV_MESSAGES,
  CONV_META,
  CONV_RECEIPTS,
  CONV_REACTIONS,
  encodeHlc,
  reactionKey,
} from '@concord/protocol';
import { createConversation, login, register, revokeDevice, startServer, type Session, type TestServer } from './helpers/server.js';
import { HLC, HostileClient, change, docJson, messageValue, setMessage, type Endpoint, type Reject } from './hostileHarness.js';

let srv: TestServer;
let alice: Session;
let bob: Session;
let mallory: Session;
let conv: string;
let secret: string;
const bobDoc = new Y.Doc();

beforeAll(async () => {
  srv = await startServer();
  [alice, bob, mallory] = await Promise.all([register(srv.url, 'alice'), register(srv.url, 'bob'), register(srv.url, 'mallory')]);
  conv = `conv:${await createConversation(srv.url, alice.token, 'group', [bob.userId, mallory.userId], 'team')}`;
  secret = `conv:${await createConversation(srv.url, alice.token, 'group', [bob.userId], 'no mallory')}`;
  // Honest history: bob's message and receipt, alice's message and edit.
  const b = await HostileClient.open(srv.wsUrl, 'mux', bob.token, conv);
  Y.applyUpdate(bobDoc, Y.encodeStateAsUpdate(b.replica));
  expect(await b.submit(setMessage(bobDoc, bob.userId, 'm1', 'from bob'))).toBe('ack');
  expect(await b.submit(change(bobDoc, (d) => d.getMap(CONV_RECEIPTS).set(`${bob.userId}/${bob.deviceId}`, { rhlc: HLC })))).toBe('ack');
  b.close();
  const a = await HostileClient.open(srv.wsUrl, 'mux', alice.token, conv);
  expect(await a.submit(setMessage(a.replica, alice.userId, 'm1', 'from alice'))).toBe('ack');
  expect(await a.submit(change(a.replica, (d) => d.getMap(CONV_EDITS).set(`${alice.userId}.m1`, { hlc: HLC, body: 'edited' })))).toBe('ack');
  a.close();
});
afterAll(async () => {
  await srv.stop();
});

/** What an honest device that syncs now sees of a doc. */
async function honestView(doc = conv): Promise<Record<string, unknown>> {
  const c = await HostileClient.open(srv.wsUrl, 'mux', alice.token, doc);
  const json = docJson(c.replica);
  c.close();
  return json;
}

let exchanges = 0;
/** An honest pair exchanges a fresh message through the server within a generous deadline (2 shared cores). */
export async function honestExchange(): Promise<number> {
  const [a, b] = await Promise.all([HostileClient.open(srv.wsUrl, 'mux', alice.token, conv), HostileClient.open(srv.wsUrl, 'mux', bob.token, conv)]);
  try {
    const rand = `x${exchanges++}`;
    const started = performance.now();
    const from = b.events.length;
    a.sendUpdate(setMessage(a.replica, alice.userId, rand));
    await b.waitFor(() => b.replica.getMap(CONV_MESSAGES).has(`${alice.userId}.${rand}`), 'the honest message', 3000, from);
    return performance.now() - started;
  } finally {
    a.close();
    b.close();
  }
}

/** A fresh attacker replica (new client id) of what mallory's socket received. */
function attackerDoc(m: HostileClient): Y.Doc {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(m.replica));
  return d;
}

function expectRefusal(r: 'ack' | Reject, code: string, rule: RegExp): void {
  expect(r).not.toBe('ack');
  if (r !== 'ack') {
    expect(r.code).toBe(code);
    expect(r.message).toMatch(rule);
  }
}

describe.each<Endpoint>(['mux', 'plain'])('a hostile member on %s', (endpoint) => {
  let m: HostileClient;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    m = await HostileClient.open(srv.wsUrl, endpoint, mallory.token, conv);
    expect(m.replica.getMap(CONV_MESSAGES).has(`${bob.userId}.m1`)).toBe(true);
  });
  afterAll(() => m.close());

  /** Runs one attack: refused as expected, honest data unchanged, the socket still usable, an honest pair served. */
  async function attack(update: (d: Y.Doc) => Uint8Array, code: string, rule: RegExp): Promise<void> {
    before = await honestView();
    expectRefusal(await m.submit(update(attackerDoc(m))), code, rule);
    expect(await honestView()).toEqual(before);
    // The connection stays usable for honest writes (a refusal is not a disconnect).
    expect(await m.submit(setMessage(attackerDoc(m), mallory.userId, `ok${Math.random().toString(36).slice(2, 8)}`))).toBe('ack');
    expect(await honestExchange()).toBeLessThan(3000);
  }

  it('[TRUST-1] forging an author: a message under bob\'s key, or under her key claiming bob, is refused', async () => {
    await attack((d) => setMessage(d, bob.userId, `forged${endpoint}`), ErrorCode.InvalidUpdate, /^TRUST-1\b/);
    await attack((d) => {
      const [, value] = messageValue(bob.userId, 'x');
      const id = `${mallory.userId}.claim${endpoint}`;
      return change(d, (x) => x.getMap(CONV_MESSAGES).set(id, { ...value, id }));
    }, ErrorCode.InvalidUpdate, /^TRUST-1\b/);
  });

  it("[TRUST-1] [TRUST-14] overwriting or deleting another member's message is refused", async () => {
    await attack((d) => setMessage(d, bob.userId, 'm1', 'pwned'), ErrorCode.InvalidUpdate, /^TRUST-1\b/);
    await attack((d) => change(d, (x) => x.getMap(CONV_MESSAGES).delete(`${bob.userId}.m1`)), ErrorCode.InvalidUpdate, /^TRUST-14\b/);
    await attack((d) => change(d, (x) => x.getMap(CONV_RECEIPTS).delete(`${bob.userId}/${bob.deviceId}`)), ErrorCode.InvalidUpdate, /^TRUST-14\b/);
  });

  it("[TRUST-3] editing or retracting another member's message is refused", async () => {
    await attack((d) => change(d, (x) => x.getMap(CONV_EDITS).set(`${alice.userId}.m1`, { hlc: HLC, body: 'pwned' })), ErrorCode.InvalidUpdate, /^TRUST-3\b/);
    await attack((d) => change(d, (x) => x.getMap(CONV_EDITS).set(`${bob.userId}.m1`, { hlc: HLC, deleted: true })), ErrorCode.InvalidUpdate, /^TRUST-3\b/);
  });

  it("[ACT-1] [ACT-2] [ACT-6] recall outside the window, un-recalling, and another's reactions are refused", async () => {
    // Her own message stamped long ago (HLC is the epoch): a recall is past the 2-minute window.
    const old = `${mallory.userId}.old${endpoint}`;
    expect(await m.submit(change(attackerDoc(m), (x) => x.getMap(CONV_MESSAGES).set(old, messageValue(mallory.userId, `old${endpoint}`)[1])))).toBe('ack');
    await attack((d) => change(d, (x) => x.getMap(CONV_EDITS).set(old, { hlc: encodeHlc(Date.now(), 0), deleted: true })), ErrorCode.InvalidUpdate, /^ACT-2\b/);
    // A fresh one is recalled; the recall is final (an edit bringing it back is refused, so is deleting the recall).
    const fresh = `${mallory.userId}.fresh${endpoint}`;
    const value = { ...messageValue(mallory.userId, `fresh${endpoint}`)[1], hlc: encodeHlc(Date.now(), 0) };
    expect(await m.submit(change(attackerDoc(m), (x) => x.getMap(CONV_MESSAGES).set(fresh, value)))).toBe('ack');
    const recaller = attackerDoc(m);
    expect(await m.submit(change(recaller, (x) => x.getMap(CONV_EDITS).set(fresh, { hlc: encodeHlc(Date.now(), 1), deleted: true })))).toBe('ack');
    await attack((d) => change(d, (x) => x.getMap(CONV_EDITS).set(fresh, { hlc: encodeHlc(Date.now(), 2), body: 'back' })), ErrorCode.InvalidUpdate, /^ACT-2\b/);
    // (Deleting needs a replica holding the recall: the server does not echo her own writes to her socket.)
    await attack(() => change(recaller, (x) => x.getMap(CONV_EDITS).delete(fresh)), ErrorCode.InvalidUpdate, /^ACT-2\b/);
    // Reactions: only her own key, and a bounded value.
    await attack((d) => change(d, (x) => x.getMap(CONV_REACTIONS).set(reactionKey(bob.userId, `${bob.userId}.m1`), ['👎'])), ErrorCode.InvalidUpdate, /^ACT-6\b/);
    await attack((d) => change(d, (x) => x.getMap(CONV_REACTIONS).set(reactionKey(mallory.userId, `${bob.userId}.m1`), ['a', 'b', 'c', 'd'])), ErrorCode.InvalidUpdate, /^ACT-6\b/);
    expect(await m.submit(change(attackerDoc(m), (x) => x.getMap(CONV_REACTIONS).set(reactionKey(mallory.userId, `${bob.userId}.m1`), ['👍'])))).toBe('ack');
  });

  it('[VAL-3] [TRUST-5] writing membership, meta or an unknown root is refused', async () => {
    await attack((d) => change(d, (x) => x.getMap(CONV_META).set('members', [mallory.userId])), ErrorCode.InvalidUpdate, /^VAL-3\b/);
    await attack((d) => change(d, (x) => x.getMap('roles').set(mallory.userId, 'owner')), ErrorCode.InvalidUpdate, /^TRUST-5\b/);
  });

  it("[TRUST-6] reusing another user's client id is refused", async () => {
    await attack((d) => {
      d.clientID = bobDoc.clientID;
      return setMessage(d, mallory.userId, `reuse${endpoint}`);
    }, ErrorCode.InvalidUpdate, /^TRUST-6\b/);
  });

  it('[TRUST-8] awareness for another user\'s client id, or naming another user, is refused and never relayed', async () => {
    const observer = await HostileClient.open(srv.wsUrl, 'mux', alice.token, conv);
    const awareness = (client: number, state: unknown): Uint8Array => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, JSON.stringify(state));
      return encoding.toUint8Array(e);
    };
    let from = m.events.length;
    m.sendAwareness(awareness(bobDoc.clientID, { user: bob.userId, typing: true }));
    expect((await m.nextReject(from)).message).toMatch(/^TRUST-8\b/);
    from = m.events.length;
    m.sendAwareness(awareness(424242 + (endpoint === 'mux' ? 0 : 1), { user: bob.userId, typing: true }));
    expect((await m.nextReject(from)).message).toMatch(/^TRUST-8\b/);
    // Then an honest state of her own; the observer sees only that one (frames of one socket are handled in order).
    const own = attackerDoc(m).clientID;
    m.sendAwareness(awareness(own, { user: mallory.userId, typing: true }));
    await observer.waitFor((e) => e.kind === 'awareness' && awarenessClients(e.update).includes(own), 'mallory\'s own awareness');
    const seen = observer.events.flatMap((e) => (e.kind === 'awareness' ? awarenessClients(e.update) : []));
    expect(seen).not.toContain(bobDoc.clientID);
    observer.close();
  });

  it('[AUTHZ] [TRUST-13] writing to a conversation never joined, or left, is refused', async () => {
    const left = `conv:${await createConversation(srv.url, alice.token, 'group', [bob.userId, mallory.userId], `left ${endpoint}`)}`;
    const inLeft = await HostileClient.open(srv.wsUrl, endpoint, mallory.token, left);
    expect(await inLeft.submit(setMessage(attackerDoc(inLeft), mallory.userId, 'before-leave'))).toBe('ack');
    // Leaving (no HTTP route yet, so as the route will): the membership row goes and the server mirrors the new
    // member list into the doc. The open subscription must not keep write access.
    srv.server.db.prepare('DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?').run(left.slice(5), mallory.userId);
    await srv.server.sync.transact(left as DocName, (d) => d.getMap(CONV_META).set('members', [alice.userId, bob.userId]));
    if (endpoint === 'mux') {
      expectRefusal(await inLeft.submit(setMessage(attackerDoc(inLeft), mallory.userId, 'after-leave')), ErrorCode.Forbidden, /^(AUTHZ|TRUST-13)\b/);
    } else {
      expect((await inLeft.waitClose()).code).toBe(CloseCode.Forbidden);
    }
    inLeft.close();
    for (const doc of [left, secret]) {
      const view = await honestView(doc);
      if (endpoint === 'mux') {
        const c = await HostileClient.open(srv.wsUrl, 'mux', mallory.token, doc, { sync: false });
        const from = c.events.length;
        c.sendUpdate(setMessage(new Y.Doc(), mallory.userId, 'sneak'));
        const r = await c.nextReject(from);
        expect(r.code).toBe(ErrorCode.Forbidden);
        c.close();
      } else {
        const c = await HostileClient.open(srv.wsUrl, 'plain', mallory.token, doc, { sync: false });
        expect((await c.waitClose()).code).toBe(CloseCode.Forbidden);
      }
      expect(await honestView(doc)).toEqual(view);
    }
    expect(await honestExchange()).toBeLessThan(3000);
  });

  it('[AUTH-WS-3] a revoked token is closed at once and refused when replayed', async () => {
    const dev = await login(srv.url, 'mallory', { deviceName: `replay ${endpoint}` });
    const live = await HostileClient.open(srv.wsUrl, endpoint, dev.token, conv);
    await revokeDevice(srv.url, mallory.token, dev.deviceId);
    expect((await live.waitClose()).code).toBe(CloseCode.Unauthorized);
    const replay = await HostileClient.open(srv.wsUrl, endpoint, dev.token, conv, { sync: false });
    expect((await replay.waitClose()).code).toBe(CloseCode.Unauthorized);
    expect(await honestExchange()).toBeLessThan(3000);
  });
});

function awarenessClients(update: Uint8Array): number[] {
  const d = decoding.createDecoder(update);
  const n = decoding.readVarUint(d);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(decoding.readVarUint(d));
    decoding.readVarUint(d);
    decoding.readVarString(d);
  }
  return out;
}

describe('the suite can fail', () => {
  it('[TRUST-1] with the trust rules switched off, the same forged author is stored: the refusals above come from them', async () => {
    const open = await startServer({ trust: false });
    try {
      const [b, m] = await Promise.all([register(open.url, 'bob'), register(open.url, 'mallory')]);
      const doc = `conv:${await createConversation(open.url, b.token, 'group', [m.userId])}`;
      const c = await HostileClient.open(open.wsUrl, 'mux', m.token, doc);
      expect(await c.submit(setMessage(new Y.Doc(), b.userId, 'forged'))).toBe('ack');
      c.close();
    } finally {
      await open.stop();
    }
  });
});
