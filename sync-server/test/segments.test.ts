/**
 * Segments on the server (SPEC SEG-1, SEG-3, DOC-1): access to every segment of a conversation by membership, the
 * WELCOME list with segment docs, and the contiguity rule on both endpoints. A real server on port 0, real sockets,
 * real SQLite; one unit test of the gate for the failed-commit case a socket cannot provoke.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import {
  CloseCode,
  ErrorCode,
  FrameKind,
  decodePlainConcordFrame,
  parseDocName,
  type DeviceId,
  type DocName,
  type UserId,
  CONV_MESSAGES,
} from '@concord/protocol';
import { SegmentGate } from '../src/trust/segments.js';
import type { DecodedUpdate, ValidationContext } from '../src/sync/validate.js';
import {
  MuxClient,
  RawClient,
  createConversation,
  readSync,
  register,
  removeDir,
  startTestServer,
  syncMessage,
  type Account,
  type TestServer,
  chatMessage as message,
  nextFrame as next,
  openDoc,
  segmentName as seg,
  sendUpdate as send,
} from './syncHarness.js';

const open = (c: MuxClient, doc: string): Promise<Y.Doc> => openDoc(c, doc);


let srv: TestServer;
let alice: Account;
let bob: Account;
let carol: Account;

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'carol')]);
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

/** Writes one message by `author` into each segment, in order; every write must be acknowledged. */
async function writeSegments(c: MuxClient, author: Account, docs: readonly string[]): Promise<void> {
  for (const doc of docs) {
    const ydoc = await open(c, doc);
    const answer = await send(c, doc, message(ydoc, author, doc));
    expect(answer.kind, `${doc}: ${answer.kind === FrameKind.Reject ? answer.message : ''}`).toBe(FrameKind.Ack);
  }
}

function storedRows(doc: string): { docs: number; updates: number } {
  const db = srv.server.db;
  return {
    docs: (db.prepare('SELECT count(*) AS n FROM docs WHERE name = ?').get(doc) as { n: number }).n,
    updates: (db.prepare('SELECT count(*) AS n FROM doc_updates WHERE doc = ?').get(doc) as { n: number }).n,
  };
}

function plainUrl(doc: string, token: string): string {
  return `${srv.ws}/v1/doc/${doc}?token=${encodeURIComponent(token)}`;
}

/** The plain endpoint's first message, read as y-websocket's permission-denied message: its reason. */
function permissionDenied(first: Uint8Array): string {
  const d = decoding.createDecoder(first);
  expect(decoding.readVarUint(d)).toBe(FrameKind.Auth);
  expect(decoding.readVarUint(d)).toBe(0);
  return decoding.readVarString(d);
}

describe('segments: access (SEG-1, AUTHZ)', () => {
  it('[SEG-1] a member syncs segment 3; a non-member gets REJECT forbidden', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await writeSegments(a.client, alice, [seg(id, 1), seg(id, 2), seg(id, 3)]);

    const b = await MuxClient.connect(srv.ws, bob.token);
    const replica = await open(b.client, seg(id, 3));
    expect([...replica.getMap(CONV_MESSAGES).values()]).toMatchObject([{ author: alice.userId, body: seg(id, 3) }]);

    const c = await MuxClient.connect(srv.ws, carol.token);
    for (const k of [0, 1, 3, 4]) {
      c.client.syncStep1(seg(id, k), new Y.Doc());
      expect(await c.client.waitFrame(FrameKind.Reject, (r) => r.doc === seg(id, k))).toMatchObject({ code: ErrorCode.Forbidden });
    }
    // Nothing of the conversation reached the non-member.
    expect(c.client.frames().filter((f) => f.kind === FrameKind.Sync || f.kind === FrameKind.Notify)).toEqual([]);

    const access = srv.server.access;
    for (const k of [0, 3, 999_999]) {
      expect(access.canAccess(bob.userId as UserId, seg(id, k) as DocName)).toBe(true);
      expect(access.canAccess(carol.userId as UserId, seg(id, k) as DocName)).toBe(false);
      expect([...access.usersWhoMaySee(seg(id, k) as DocName)].sort()).toEqual([alice.userId, bob.userId].sort());
    }
    a.client.close();
    b.client.close();
    c.client.close();
  });

  it('[SEG-1] [WIRE-PLAIN-3] on the plain endpoint a member syncs a segment; a non-member gets permission denied and 4403', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await writeSegments(a.client, alice, [seg(id, 1)]);
    a.client.close();

    const member = RawClient.open(plainUrl(seg(id, 1), bob.token));
    await member.waitMessage((m) => m[0] === FrameKind.Sync);
    member.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(0, Y.encodeStateVector(new Y.Doc()))]));
    const step2 = await member.waitMessage((m) => m[0] === FrameKind.Sync && m[1] === 1);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, readSync(step2.subarray(1)).data);
    expect([...replica.getMap(CONV_MESSAGES).values()]).toMatchObject([{ author: alice.userId, body: seg(id, 1) }]);
    member.close();

    const stranger = RawClient.open(plainUrl(seg(id, 1), carol.token));
    expect(permissionDenied(await stranger.waitMessage(() => true))).toBe(ErrorCode.Forbidden);
    expect((await stranger.waitClose()).code).toBe(CloseCode.Forbidden);
  });

  it('[SEG-1] [AUTHZ-3] docsVisibleTo lists each conversation with its stored segments, lower segments first', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const other = await createConversation(srv.http, bob, [carol]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const written = Array.from({ length: 11 }, (_, i) => seg(id, i + 1));
    await writeSegments(a.client, alice, written);
    // A subscription alone (no write) creates no segment.
    await open(a.client, seg(id, 12));
    a.client.close();

    const visible = srv.server.access.docsVisibleTo(bob.userId as UserId);
    expect(visible).toContain(seg(other, 0));
    const ofConv = visible.filter((d) => { const p = parseDocName(d); return p?.kind === 'conv' && p.conversationId === id; });
    expect(ofConv).toEqual([seg(id, 0), ...written]);
    expect(srv.server.access.docsVisibleTo(carol.userId as UserId).filter((d) => d.startsWith(`conv:${id}`))).toEqual([]);
  });

  it('[SEG-1] WELCOME lists changed segment docs since the cursor', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const other = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await writeSegments(a.client, alice, [seg(id, 1), seg(id, 2)]);

    // Cursor 0: every existing doc, a conversation's segments in order.
    const first = await MuxClient.connect(srv.ws, bob.token);
    const listed = first.welcome.changed.filter((d) => d.startsWith(`conv:${id}`));
    expect(listed).toEqual([seg(id, 0), seg(id, 1), seg(id, 2)]);
    const cursor = first.welcome.cursor;
    first.client.close();

    // Bob away: alice writes segment 2 of one conversation and segments 1 and 2 of another.
    const s2 = await open(a.client, seg(id, 2));
    expect((await send(a.client, seg(id, 2), message(s2, alice, 'later'))).kind).toBe(FrameKind.Ack);
    await writeSegments(a.client, alice, [seg(other, 1), seg(other, 2)]);

    const back = await MuxClient.connect(srv.ws, bob.token, cursor);
    // Only the changed docs: not segments 0 and 1 of the first conversation, nor segment 0 of the other.
    expect(back.welcome.changed).toEqual([seg(id, 2), seg(other, 1), seg(other, 2)]);
    back.client.close();

    const again = await MuxClient.connect(srv.ws, bob.token, back.welcome.cursor);
    expect(again.welcome.changed).toEqual([]);
    again.client.close();
    a.client.close();
  });
});

describe('segments: contiguity (SEG-3)', () => {
  it('[SEG-3] a write to segment 2 without segment 1 is refused with segment_gap and stored nowhere', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    // Bob watches segment 2 and, through NOTIFY, the rest. Segment 1 is open (loaded, nothing written), so segment 2
    // may be subscribed to (SEG-8) and the write is what the gap rule judges.
    await open(b.client, seg(id, 1));
    await open(b.client, seg(id, 2));
    const ydoc = await open(a.client, seg(id, 2));
    const before = srv.sync.cursor();
    const bSeen = b.client.messages.length;

    const answer = await send(a.client, seg(id, 2), message(ydoc, alice, 'too early'));
    expect(answer).toMatchObject({ kind: FrameKind.Reject, doc: seg(id, 2), code: ErrorCode.SegmentGap });
    if (answer.kind === FrameKind.Reject) expect(answer.message).toMatch(/^SEG-3\b/);

    expect(srv.sync.cursor()).toBe(before);
    expect(storedRows(seg(id, 2))).toEqual({ docs: 0, updates: 0 });
    expect(srv.server.access.docsVisibleTo(bob.userId as UserId)).not.toContain(seg(id, 2));
    // Not relayed, not notified; the socket stays usable and the server's copy holds nothing.
    a.client.sendFrame({ kind: FrameKind.Ping, nonce: 7 });
    await a.client.waitFrame(FrameKind.Pong, (p) => p.nonce === 7);
    b.client.sendFrame({ kind: FrameKind.Ping, nonce: 8 });
    await b.client.waitFrame(FrameKind.Pong, (p) => p.nonce === 8);
    expect(b.client.frames().slice(bSeen).filter((f) => f.kind === FrameKind.Sync || f.kind === FrameKind.Notify)).toEqual([]);
    const fresh = await open(b.client, seg(id, 2));
    expect(fresh.getMap(CONV_MESSAGES).size).toBe(0);

    // The far end of the range is no shortcut: segment 999,999 cannot even be subscribed to (SEG-8).
    const far = seg(id, 999_999);
    expect(await send(a.client, far, message(new Y.Doc(), alice))).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.SegmentGap });
    expect(storedRows(far)).toEqual({ docs: 0, updates: 0 });
    a.client.close();
    b.client.close();
  });

  it('[SEG-3] once segment 1 is stored, segment 2 is accepted, and later writes to both are too', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await open(a.client, seg(id, 1));
    const s2 = await open(a.client, seg(id, 2));
    expect((await send(a.client, seg(id, 2), message(s2, alice))).kind).toBe(FrameKind.Reject);

    await writeSegments(a.client, alice, [seg(id, 1)]);
    // A new replica: the refused update's client id must not be reused (TRUST-12).
    const again = await open(a.client, seg(id, 2));
    expect(await send(a.client, seg(id, 2), message(again, alice))).toMatchObject({ kind: FrameKind.Ack, doc: seg(id, 2) });
    expect(storedRows(seg(id, 2))).toEqual({ docs: 1, updates: 1 });
    // Bob (another user, another connection) writes into both: known segments, no gap.
    const b = await MuxClient.connect(srv.ws, bob.token);
    await writeSegments(b.client, bob, [seg(id, 2), seg(id, 1), seg(id, 3)]);
    a.client.close();
    b.client.close();
  });

  it('[SEG-3] segments 1 and 2 written in one turn are both accepted', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const d1 = await open(a.client, seg(id, 1));
    const d2 = await open(a.client, seg(id, 2));
    const commits = srv.sync.metrics().commits;
    const from = a.client.messages.length;
    // One socket write carries both frames, so the server reads and validates them in one event-loop turn: segment
    // 2 is accepted on the strength of segment 1 queued just before it, not yet stored.
    const socket = (a.client.socket as WebSocket & { _socket: import('node:net').Socket })._socket;
    socket.cork();
    a.client.sendUpdate(seg(id, 1), message(d1, alice, 'one'));
    a.client.sendUpdate(seg(id, 2), message(d2, alice, 'two'));
    process.nextTick(() => socket.uncork());
    const ack1 = await next(a.client, from, FrameKind.Ack, (f) => f.doc === seg(id, 1));
    const ack2 = await next(a.client, from, FrameKind.Ack, (f) => f.doc === seg(id, 2));
    expect(ack2.cursor).toBe(ack1.cursor + 1);
    // Both in the same group commit: the turn's pending segment counted.
    expect(srv.sync.metrics().commits).toBe(commits + 1);
    expect(a.client.frames().slice(from).filter((f) => f.kind === FrameKind.Reject)).toEqual([]);
    expect(storedRows(seg(id, 2))).toEqual({ docs: 1, updates: 1 });
    a.client.close();
  });

  it('[SEG-3] segment 2 written a few turns after segment 1, before their group commit, is accepted', async () => {
    // A device back online sends each segment's SyncStep2 as its handshake completes: segment 2 may come turns after
    // segment 1 but within one commit interval, while segment 1 is accepted and queued but not yet stored.
    const slow = await startTestServer({ syncLimits: { commitIntervalMs: 300 } });
    try {
      const erin = await register(slow.http, 'erin');
      const frank = await register(slow.http, 'frank');
      const id = await createConversation(slow.http, erin, [frank]);
      const c = await MuxClient.connect(slow.ws, erin.token);
      const d1 = await open(c.client, seg(id, 1));
      const d2 = await open(c.client, seg(id, 2));
      // A commit now, so that the next ones wait for the interval.
      c.client.sendUpdate(seg(id, 0), message(new Y.Doc(), erin, 'zero'));
      await next(c.client, 0, FrameKind.Ack, (f) => f.doc === seg(id, 0));
      const from = c.client.messages.length;
      const commits = slow.sync.metrics().commits;
      c.client.sendUpdate(seg(id, 1), message(d1, erin, 'one'));
      await new Promise((r) => setTimeout(r, 20));
      c.client.sendUpdate(seg(id, 2), message(d2, erin, 'two'));
      const ack1 = await next(c.client, from, FrameKind.Ack, (f) => f.doc === seg(id, 1));
      const ack2 = await next(c.client, from, FrameKind.Ack, (f) => f.doc === seg(id, 2));
      expect(ack2.cursor).toBe(ack1.cursor + 1);
      expect(slow.sync.metrics().commits).toBe(commits + 1);
      expect(c.client.frames().slice(from).filter((f) => f.kind === FrameKind.Reject)).toEqual([]);
      c.client.close();
    } finally {
      await slow.close();
      removeDir(slow.dataDir);
    }
  });

  it('[SEG-3] updates that write nothing need no predecessor: a SyncStep1 and an empty SyncStep2 of a gap segment pass', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await open(a.client, seg(id, 1));
    await open(a.client, seg(id, 2));
    const from = a.client.messages.length;
    a.client.sendFrame({ kind: FrameKind.Sync, doc: seg(id, 2), payload: syncMessage(1, Y.encodeStateAsUpdate(new Y.Doc())) });
    a.client.sendFrame({ kind: FrameKind.Ping, nonce: 5 });
    await a.client.waitFrame(FrameKind.Pong, (p) => p.nonce === 5);
    expect(a.client.frames().slice(from).filter((f) => f.kind === FrameKind.Reject)).toEqual([]);
    expect(storedRows(seg(id, 2))).toEqual({ docs: 0, updates: 0 });
    a.client.close();
  });

  it('[SEG-3] [WIRE-PLAIN-1] on the plain endpoint a gap write gets REJECT segment_gap; after segment 1 it is acked', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    // Segment 1 open on another plain socket (loaded, nothing written): segment 2 may be opened (SEG-8).
    const one = RawClient.open(plainUrl(seg(id, 1), alice.token));
    await one.waitMessage((m) => m[0] === FrameKind.Sync);
    const c = RawClient.open(plainUrl(seg(id, 2), alice.token));
    await c.waitMessage((m) => m[0] === FrameKind.Sync);
    const early = new Y.Doc();
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(2, message(early, alice, 'early'))]));
    const rej = decodePlainConcordFrame(await c.waitMessage((m) => m[0] === FrameKind.Reject));
    expect(rej).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.SegmentGap });
    if (rej?.kind === FrameKind.Reject) expect(rej.message).toMatch(/^SEG-3\b/);
    expect(storedRows(seg(id, 2))).toEqual({ docs: 0, updates: 0 });

    // Segment 1 through the other plain socket, then segment 2 again on the same socket.
    one.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(2, message(new Y.Doc(), alice, 'one'))]));
    expect(decodePlainConcordFrame(await one.waitMessage((m) => m[0] === FrameKind.Ack))).toMatchObject({ kind: FrameKind.Ack });
    one.close();
    const seen = c.messages.length;
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(2, message(new Y.Doc(), alice, 'now'))]));
    expect(decodePlainConcordFrame(await c.waitMessage((m) => m[0] === FrameKind.Ack, 5000, seen))).toMatchObject({ kind: FrameKind.Ack });
    expect(storedRows(seg(id, 2))).toEqual({ docs: 1, updates: 1 });
    c.close();
  });

  it('[SEG-3] an accepted segment whose commit failed counts as missing after the group commit', async () => {
    const stored = new Set<string>(['conv:c']);
    const gate = new SegmentGate({ exists: (doc) => stored.has(doc) });
    const ctx = (doc: string): ValidationContext => {
      const parsed = parseDocName(doc);
      if (parsed === null) throw new Error(doc);
      return { auth: { userId: 'u' as UserId, deviceId: 'd' as DeviceId }, doc: doc as DocName, parsed, ydoc: new Y.Doc(), maxUpdateBytes: 1 << 20 };
    };
    const writes = Y.decodeUpdate(message(new Y.Doc(), alice)) as DecodedUpdate;
    const empty = Y.decodeUpdate(Y.encodeStateAsUpdate(new Y.Doc())) as DecodedUpdate;
    expect(gate.check(ctx('conv:c/1'), writes)).toBeNull();
    expect(gate.check(ctx('conv:c/2'), writes)).toMatchObject({ code: ErrorCode.SegmentGap });
    expect(gate.check(ctx('conv:c/2'), empty)).toBeNull();
    // Segment 1 accepted (queued for the next group commit): segment 2 may follow before that commit, in this turn
    // or a later one.
    expect(gate.accepted(ctx('conv:c/1'), writes)).toBeNull();
    expect(gate.check(ctx('conv:c/2'), writes)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gate.check(ctx('conv:c/2'), writes)).toBeNull();
    // The group commit ends without segment 1 stored (it failed): the gap is back.
    gate.settle();
    expect(gate.check(ctx('conv:c/2'), writes)).toMatchObject({ code: ErrorCode.SegmentGap });
    // Once stored, it is asked once and then known.
    stored.add('conv:c/1');
    expect(gate.check(ctx('conv:c/2'), writes)).toBeNull();
    stored.delete('conv:c/1');
    expect(gate.check(ctx('conv:c/2'), writes)).toBeNull();
  });
});

describe('segments: names (DOC-1)', () => {
  const bad = (id: string): string[] => [`conv:${id}/0`, `conv:${id}/01`, `conv:${id}/1000000`, `conv:${id}/1/2`, `conv:${id}/`, `conv:${id}/-1`, `conv:${id}/1.5`];

  it('[DOC-1] [SEG-1] invalid segment names are refused with invalid_doc_name on /v1/sync', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    for (const doc of bad(id)) {
      a.client.sendFrame({ kind: FrameKind.Sync, doc, payload: syncMessage(2, message(new Y.Doc(), alice)) });
      expect(await a.client.waitFrame(FrameKind.Reject, (r) => r.doc === doc), doc).toMatchObject({ code: ErrorCode.InvalidDocName });
      expect(storedRows(doc)).toEqual({ docs: 0, updates: 0 });
    }
    // The socket goes on: the largest valid segment name is a name, refused only as far beyond the head (SEG-8).
    const last = seg(id, 999_999);
    a.client.sendFrame({ kind: FrameKind.Sync, doc: last, payload: syncMessage(0, Y.encodeStateVector(new Y.Doc())) });
    expect(await a.client.waitFrame(FrameKind.Reject, (r) => r.doc === last)).toMatchObject({ code: ErrorCode.SegmentGap });
    a.client.close();
  });

  it('[DOC-1] [SEG-1] invalid segment names are refused with invalid_doc_name on the plain endpoint (4403)', async () => {
    const id = await createConversation(srv.http, alice, [bob]);
    for (const doc of bad(id)) {
      const c = RawClient.open(plainUrl(doc, alice.token));
      expect(permissionDenied(await c.waitMessage(() => true)), doc).toBe(ErrorCode.InvalidDocName);
      expect((await c.waitClose()).code).toBe(CloseCode.Forbidden);
    }
  });
});
