import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  CloseCode,
  ErrorCode,
  FrameKind,
  PROTOCOL_VERSION,
  decodeFrame,
  CONV_MESSAGES,
  CONV_META,
} from '@concord/protocol';
import {
  MuxClient,
  RawClient,
  login,
  createConversation,
  register,
  removeDir,
  revoke,
  startTestServer,
  syncMessage,
  updateOf,
  readSync,
  type Account,
  type TestServer,
} from './syncHarness.js';

let srv: TestServer;
let alice: Account;
let bob: Account;
let carol: Account;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer({ syncLimits: { helloTimeoutMs: 300 } });
  [alice, bob, carol] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'carol')]);
  conv = `conv:${await createConversation(srv.http, alice, [bob])}`;
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

function message(ydoc: Y.Doc, author: Account, id: string, body: string): Uint8Array {
  return updateOf(ydoc, (d) => {
    d.getMap(CONV_MESSAGES).set(`${author.userId}.${id}`, { id: `${author.userId}.${id}`, author: author.userId, hlc: '0000000000000', type: 'text', body });
  });
}

describe('/v1/sync handshake and auth', () => {
  it('[WIRE-2] HELLO with a valid token gets WELCOME with the user, device and cursor', async () => {
    const { client, welcome } = await MuxClient.connect(srv.ws, alice.token);
    expect(welcome.userId).toBe(alice.userId);
    expect(welcome.deviceId).toBe(alice.deviceId);
    expect(welcome.version).toBe(PROTOCOL_VERSION);
    expect(welcome.cursor).toBe(srv.sync.cursor());
    // [HLC-2] the server's wall clock, for devices whose own clock is off.
    expect(Math.abs(welcome.serverTime - Date.now())).toBeLessThan(5_000);
    // cursor 0: every visible doc that exists (the conversation and the user doc, both written by the server).
    expect(new Set(welcome.changed)).toEqual(new Set([conv, `user:${alice.userId}`]));
    client.close();
  });

  it('[AUTH-WS-1] a bad ?token= is refused with 4401 after the upgrade', async () => {
    const c = MuxClient.openSync(srv.ws, { queryToken: 'not-a-token' });
    expect((await c.waitClose()).code).toBe(CloseCode.Unauthorized);
  });

  it('[AUTH-WS-1] a bad token in HELLO gets ERROR unauthorized and 4401', async () => {
    const c = MuxClient.openSync(srv.ws);
    await c.opened;
    c.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: 'nope', cursor: 0 });
    const err = await c.waitFrame(FrameKind.Error);
    expect(err.code).toBe(ErrorCode.Unauthorized);
    expect((await c.waitClose()).code).toBe(CloseCode.Unauthorized);
  });

  it('[AUTH-WS-1] a valid ?token= with an empty HELLO token authenticates', async () => {
    const c = MuxClient.openSync(srv.ws, { queryToken: bob.token });
    await c.opened;
    c.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: '', cursor: 0 });
    expect((await c.waitFrame(FrameKind.Welcome)).userId).toBe(bob.userId);
    c.close();
  });

  it('[WIRE-1] a HELLO of another protocol version gets ERROR version_mismatch and 4426', async () => {
    const c = MuxClient.openSync(srv.ws);
    await c.opened;
    c.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION + 1, token: alice.token, cursor: 0 });
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.VersionMismatch);
    expect((await c.waitClose()).code).toBe(CloseCode.VersionMismatch);
  });

  it('[WIRE-1] any frame before HELLO is a protocol error (1002)', async () => {
    const c = MuxClient.openSync(srv.ws, { queryToken: alice.token });
    await c.opened;
    c.sendFrame({ kind: FrameKind.Ping, nonce: 1 });
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.BadFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
  });

  it('[WIRE-6] no HELLO in time closes with 4408', async () => {
    const c = MuxClient.openSync(srv.ws);
    expect((await c.waitClose()).code).toBe(CloseCode.Timeout);
  });

  it('[AUTH-WS-2] revoking a device closes its sockets on both endpoints with 4401 at once', async () => {
    const second = await login(srv.http, alice.username);
    const { client } = await MuxClient.connect(srv.ws, second.token);
    const plain = RawClient.open(`${srv.ws}/v1/doc/${conv}?token=${second.token}`);
    await plain.waitMessage(() => true); // the server's SyncStep1: the plain socket is served
    const other = await MuxClient.connect(srv.ws, alice.token);
    await revoke(srv.http, alice, second.deviceId);
    expect((await client.waitClose(2000)).code).toBe(CloseCode.Unauthorized);
    expect((await plain.waitClose(2000)).code).toBe(CloseCode.Unauthorized);
    // Other devices of the same user are untouched.
    other.client.sendFrame({ kind: FrameKind.Ping, nonce: 7 });
    expect((await other.client.waitFrame(FrameKind.Pong)).nonce).toBe(7);
    other.client.close();
    // And the revoked token cannot come back.
    const again = MuxClient.openSync(srv.ws, { queryToken: second.token });
    expect((await again.waitClose()).code).toBe(CloseCode.Unauthorized);
  });

  it('[SYNC-5] PING gets PONG with the same nonce', async () => {
    const { client } = await MuxClient.connect(srv.ws, alice.token);
    client.sendFrame({ kind: FrameKind.Ping, nonce: 4242 });
    expect((await client.waitFrame(FrameKind.Pong)).nonce).toBe(4242);
    client.close();
  });
});

describe('/v1/sync docs', () => {
  it('[WIRE-3] a doc the user may not see gets REJECT forbidden; the socket and its other docs go on', async () => {
    const { client } = await MuxClient.connect(srv.ws, carol.token);
    const mine = `user:${carol.userId}`;
    client.syncStep1(conv, new Y.Doc());
    const rej = await client.waitFrame(FrameKind.Reject);
    expect(rej).toMatchObject({ doc: conv, code: ErrorCode.Forbidden });
    client.syncStep1(`user:${alice.userId}`, new Y.Doc());
    expect((await client.waitFrame(FrameKind.Reject, (r) => r.doc === `user:${alice.userId}`)).code).toBe(ErrorCode.Forbidden);
    client.sendFrame({ kind: FrameKind.Sync, doc: 'bogus:1', payload: syncMessage(0, Y.encodeStateVector(new Y.Doc())) });
    expect((await client.waitFrame(FrameKind.Reject, (r) => r.doc === 'bogus:1')).code).toBe(ErrorCode.InvalidDocName);
    client.syncStep1(mine, new Y.Doc());
    const step2 = await client.waitFrame(FrameKind.Sync, (f) => f.doc === mine);
    expect(step2.payload[0]).toBe(1);
    client.close();
  });

  it('[ACK-1] [ACK-2] [SYNC-1] an update is acked with the server clock of its client ids, then relayed', async () => {
    const a = await MuxClient.connect(srv.ws, alice.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    a.client.syncStep1(conv, docA);
    b.client.syncStep1(conv, docB);
    await a.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    await b.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    const before = srv.sync.cursor();
    const upd = message(docA, alice, 'm1', 'hello bob');
    const bSeen = b.client.messages.length;
    a.client.sendUpdate(conv, upd);
    const ack = await a.client.waitFrame(FrameKind.Ack, (f) => f.doc === conv);
    expect(ack.cursor).toBeGreaterThan(before);
    expect(ack.clocks).toEqual([{ client: docA.clientID, clock: Y.getState(docA.store, docA.clientID) }]);
    const frame = decodeFrame(await b.client.waitMessage((m) => m[0] === FrameKind.Sync, 5000, bSeen));
    if (frame.kind !== FrameKind.Sync) throw new Error('expected SYNC');
    expect(frame.payload[0]).toBe(2);
    Y.applyUpdate(docB, readSync(frame.payload).data);
    expect(docB.getMap(CONV_MESSAGES).get(`${alice.userId}.m1`)).toMatchObject({ body: 'hello bob' });
    // The sender does not get its own update back.
    expect(a.client.frames().filter((f) => f.kind === FrameKind.Sync && f.payload[0] === 2)).toHaveLength(0);
    a.client.close();
    b.client.close();
  });

  it('[SYNC-2] a device of a member that is connected but not subscribed gets NOTIFY', async () => {
    const a = await MuxClient.connect(srv.ws, alice.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    const docA = new Y.Doc();
    a.client.syncStep1(conv, docA);
    await a.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 1, 5000).then((f) => Y.applyUpdate(docA, readSync(f.payload).data));
    a.client.sendUpdate(conv, message(docA, alice, 'm2', 'are you there?'));
    const ack = await a.client.waitFrame(FrameKind.Ack);
    const note = await b.client.waitFrame(FrameKind.Notify, (n) => n.doc === conv);
    expect(note.cursor).toBe(ack.cursor);
    a.client.close();
    b.client.close();
  });

  it('[SYNC-4] after UNSUBSCRIBE a socket gets NOTIFY instead of the update', async () => {
    const a = await MuxClient.connect(srv.ws, alice.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    const docA = new Y.Doc();
    a.client.syncStep1(conv, docA);
    b.client.syncStep1(conv, new Y.Doc());
    await b.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    b.client.sendFrame({ kind: FrameKind.Unsubscribe, doc: conv });
    b.client.sendFrame({ kind: FrameKind.Ping, nonce: 1 });
    await b.client.waitFrame(FrameKind.Pong); // the unsubscribe was processed
    const seen = b.client.messages.length;
    a.client.sendUpdate(conv, message(docA, alice, 'm3', 'x'));
    await b.client.waitFrame(FrameKind.Notify, (n) => n.doc === conv);
    expect(b.client.frames().slice(seen).filter((f) => f.kind === FrameKind.Sync)).toHaveLength(0);
    a.client.close();
    b.client.close();
  });

  it('[SYNC-3] awareness is relayed, answered on query, and removed when its socket closes', async () => {
    const { Awareness, encodeAwarenessUpdate, applyAwarenessUpdate } = await import('y-protocols/awareness');
    const a = await MuxClient.connect(srv.ws, alice.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    a.client.syncStep1(conv, new Y.Doc());
    b.client.syncStep1(conv, new Y.Doc());
    await a.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    await b.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    const docA = new Y.Doc();
    const awA = new Awareness(docA);
    awA.setLocalState({ typing: true });
    a.client.sendFrame({ kind: FrameKind.Awareness, doc: conv, update: encodeAwarenessUpdate(awA, [docA.clientID]) });
    const got = await b.client.waitFrame(FrameKind.Awareness, (f) => f.doc === conv);
    const awB = new Awareness(new Y.Doc());
    applyAwarenessUpdate(awB, got.update, null);
    expect(awB.getStates().get(docA.clientID)).toEqual({ typing: true });
    const c = await MuxClient.connect(srv.ws, bob.token);
    c.client.syncStep1(conv, new Y.Doc());
    c.client.sendFrame({ kind: FrameKind.QueryAwareness, doc: conv });
    const snap = await c.client.waitFrame(FrameKind.Awareness, (f) => f.doc === conv);
    const awC = new Awareness(new Y.Doc());
    applyAwarenessUpdate(awC, snap.update, null);
    expect(awC.getStates().get(docA.clientID)).toEqual({ typing: true });
    const seen = b.client.messages.length;
    a.client.close();
    const removal = decodeFrame(await b.client.waitMessage((m) => m[0] === FrameKind.Awareness, 5000, seen));
    if (removal.kind === FrameKind.Awareness) applyAwarenessUpdate(awB, removal.update, null);
    expect(awB.getStates().has(docA.clientID)).toBe(false);
    for (const aw of [awA, awB, awC]) aw.destroy();
    b.client.close();
    c.client.close();
  });

  it('[VAL-3] a client write to the server-only meta map is refused and not relayed; the socket stays usable', async () => {
    const a = await MuxClient.connect(srv.ws, alice.token);
    const docA = new Y.Doc();
    a.client.syncStep1(conv, docA);
    const step2 = await a.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 1);
    Y.applyUpdate(docA, readSync(step2.payload).data);
    expect(docA.getMap(CONV_META).get('members')).toBeDefined();
    // Overwrite an existing key (origin-based placement) and add a new key (root-name placement).
    a.client.sendUpdate(conv, updateOf(docA, (d) => d.getMap(CONV_META).set('title', 'hijacked')));
    expect((await a.client.waitFrame(FrameKind.Reject)).code).toBe(ErrorCode.InvalidUpdate);
    const fresh = new Y.Doc();
    a.client.sendUpdate(conv, updateOf(fresh, (d) => d.getMap(CONV_META).set('extra', 1)));
    await a.client.waitFrame(FrameKind.Reject, (r) => r.message.includes('VAL-3') && a.client.frames().filter((f) => f.kind === FrameKind.Reject).length >= 2);
    // Deleting a meta key is refused too.
    a.client.sendUpdate(conv, updateOf(docA, (d) => d.getMap(CONV_META).delete('createdBy')));
    await a.client.waitMessage((m) => m[0] === FrameKind.Reject && a.client.frames().filter((f) => f.kind === FrameKind.Reject).length >= 3);
    // Same socket: a normal message still goes through. It comes from a replica without the refused changes:
    // docA's later structs depend on refused ones, so the server could not integrate them (its ACK would say so).
    const clean = new Y.Doc();
    Y.applyUpdate(clean, readSync(step2.payload).data);
    a.client.sendUpdate(conv, message(clean, alice, 'm4', 'still here'));
    const ack = await a.client.waitFrame(FrameKind.Ack);
    expect(ack.clocks).toEqual([{ client: clean.clientID, clock: Y.getState(clean.store, clean.clientID) }]);
    const check = await MuxClient.connect(srv.ws, bob.token);
    const docB = new Y.Doc();
    check.client.syncStep1(conv, docB);
    const s2 = await check.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 1);
    Y.applyUpdate(docB, readSync(s2.payload).data);
    expect(docB.getMap(CONV_META).get('title')).not.toBe('hijacked');
    expect(docB.getMap(CONV_META).has('extra')).toBe(false);
    expect(docB.getMap(CONV_META).has('createdBy')).toBe(true);
    expect(docB.getMap(CONV_MESSAGES).has(`${alice.userId}.m4`)).toBe(true);
    a.client.close();
    check.client.close();
  });

  it('[VAL-2] an update that is not a Yjs update gets REJECT invalid_update; nothing is stored', async () => {
    const a = await MuxClient.connect(srv.ws, alice.token);
    a.client.syncStep1(conv, new Y.Doc());
    await a.client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    const before = srv.sync.cursor();
    a.client.sendUpdate(conv, new Uint8Array([7, 200, 1, 2, 3, 255, 255]));
    expect((await a.client.waitFrame(FrameKind.Reject)).code).toBe(ErrorCode.InvalidUpdate);
    expect(srv.sync.cursor()).toBe(before);
    a.client.close();
  });
});

