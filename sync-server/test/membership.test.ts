/**
 * Member removal and leaving a group (SPEC HTTP-20..22) and what must follow on the sync side: a subscriber that lost
 * access is refused on every segment (SYNC-6), cannot write through an old subscription (TRUST-13), is no longer
 * notified or welcomed with the conversation (SYNC-2, WIRE-2), and the members who stay keep working. A real server
 * on port 0, real sockets, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import {
  CloseCode,
  ErrorCode,
  FrameKind,
  decodeFrame,
  type Frame,
  CONV_MESSAGES,
  CONV_META,
  USER_CONVS,
} from '@concord/protocol';
import {
  MuxClient,
  RawClient,
  createConversation,
  register,
  removeDir,
  startTestServer,
  type Account,
  type TestServer,
  chatMessage as message,
  nextFrame as next,
  openDoc,
  segmentName as seg,
  sendUpdate as send,
} from './syncHarness.js';

const open = (c: MuxClient, doc: string): Promise<Y.Doc> => openDoc(c, doc, { follow: true });


let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

async function call(method: string, path: string, who: Account | null, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (who !== null) headers['authorization'] = `Bearer ${who.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${srv.http}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const removeMember = (who: Account, conversationId: string, userId: string) =>
  call('DELETE', `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`, who);
const leave = (who: Account, conversationId: string) => call('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/leave`, who);

async function members(who: Account, conversationId: string): Promise<{ userId: string; role: string }[] | undefined> {
  const list = await call('GET', '/v1/conversations', who);
  const conv = (list.body.conversations as { conversationId: string; members: { userId: string; role: string }[] }[]).find(
    (c) => c.conversationId === conversationId,
  );
  return conv?.members.map((m) => ({ userId: m.userId, role: m.role })).sort((x, y) => (x.userId < y.userId ? -1 : 1));
}

/** Member lists are ordered by joining time, then id: compare them as sets. */
function ids(...users: readonly (Account | string)[]): string[] {
  return users.map((u) => (typeof u === 'string' ? u : u.userId)).sort();
}

async function group(owner: Account, others: readonly Account[]): Promise<string> {
  return createConversation(srv.http, owner, others, 'group');
}

async function write(c: MuxClient, doc: string, ydoc: Y.Doc, author: Account, body: string): Promise<void> {
  const answer = await send(c, doc, message(ydoc, author, body));
  expect(answer.kind, `${doc}: ${answer.kind === FrameKind.Reject ? answer.message : ''}`).toBe(FrameKind.Ack);
}

/** A PING round trip: every frame the server sent this client before it has arrived. */
async function drain(c: MuxClient): Promise<void> {
  const nonce = Math.floor(Math.random() * 1_000_000);
  const from = c.messages.length;
  c.sendFrame({ kind: FrameKind.Ping, nonce });
  await next(c, from, FrameKind.Pong, (f) => f.nonce === nonce);
}

function framesSince(c: MuxClient, from: number): Frame[] {
  return c.messages.slice(from).map((m) => decodeFrame(m));
}

function storedUpdates(doc: string): number {
  return (srv.server.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE doc = ?').get(doc) as { n: number }).n;
}

function bodies(ydoc: Y.Doc): string[] {
  return [...ydoc.getMap<{ body: string }>(CONV_MESSAGES).values()].map((m) => m.body).sort();
}

describe('membership changes over HTTP (HTTP-20..22)', () => {
  let alice: Account;
  let bob: Account;
  let carol: Account;
  let dave: Account;
  beforeAll(async () => {
    [alice, bob, carol, dave] = await Promise.all([
      register(srv.http, 'alice'),
      register(srv.http, 'bob'),
      register(srv.http, 'carol'),
      register(srv.http, 'dave'),
    ]);
  });

  it('[HTTP-20] only the owner removes others; bad ids 400, unknown 404, non-member 403, direct chat 409', async () => {
    const id = await group(alice, [bob, carol]);
    expect((await call('DELETE', `/v1/conversations/${id}/members/${bob.userId}`, null)).status).toBe(401);
    expect(await removeMember(alice, 'not.an.id', bob.userId)).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BadRequest } } });
    expect(await removeMember(alice, id, 'not an id')).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BadRequest } } });
    expect(await removeMember(alice, 'no-such-conversation', bob.userId)).toMatchObject({ status: 404, body: { error: { code: ErrorCode.NotFound } } });
    expect(await removeMember(dave, id, bob.userId)).toMatchObject({ status: 403, body: { error: { code: ErrorCode.Forbidden } } });
    // A member who is not the owner removes no one else.
    expect(await removeMember(bob, id, carol.userId)).toMatchObject({ status: 403, body: { error: { code: ErrorCode.Forbidden } } });
    expect(await removeMember(alice, id, dave.userId)).toMatchObject({ status: 404, body: { error: { code: ErrorCode.NotFound } } });
    expect((await members(alice, id))?.map((m) => m.userId)).toEqual(ids(alice, bob, carol));

    expect(await removeMember(alice, id, carol.userId)).toEqual({ status: 204, body: undefined });
    expect((await members(alice, id))?.map((m) => m.userId)).toEqual(ids(alice, bob));
    expect(await members(carol, id)).toBeUndefined();
    // Removed once; a repeat finds no such member, and the removed user is now an outsider.
    expect((await removeMember(alice, id, carol.userId)).status).toBe(404);
    expect((await leave(carol, id)).status).toBe(403);

    const direct = await createConversation(srv.http, alice, [bob], 'direct');
    expect(await removeMember(alice, direct, bob.userId)).toMatchObject({ status: 409, body: { error: { code: ErrorCode.Conflict } } });
    expect(await leave(bob, direct)).toMatchObject({ status: 409, body: { error: { code: ErrorCode.Conflict } } });
    expect((await members(bob, direct))?.map((m) => m.userId)).toEqual(ids(alice, bob));
  });

  it('[HTTP-21] any member leaves; an owner who leaves passes ownership on; removing oneself is leaving', async () => {
    const id = await group(alice, [bob, carol, dave]);
    expect(await leave(dave, id)).toEqual({ status: 204, body: undefined });
    expect(await removeMember(carol, id, carol.userId)).toEqual({ status: 204, body: undefined });
    expect(await members(alice, id)).toEqual(
      [
        { userId: alice.userId, role: 'owner' },
        { userId: bob.userId, role: 'member' },
      ].sort((x, y) => (x.userId < y.userId ? -1 : 1)),
    );
    expect((await leave(alice, id)).status).toBe(204);
    // The longest-standing remaining member owns the group now and may remove others.
    expect(await members(bob, id)).toEqual([{ userId: bob.userId, role: 'owner' }]);
    expect((await leave(bob, id)).status).toBe(204);
    // The last member gone: nobody sees the conversation any more.
    expect(srv.server.access.usersWhoMaySee(seg(id, 0) as never)).toEqual([]);
    expect((await leave(bob, id)).status).toBe(403);
  });

  it('[HTTP-22] a removal is mirrored: meta.members of segment 0, the removed user loses the convs entry, the others see the new members', async () => {
    const id = await group(alice, [bob, carol]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const c = await MuxClient.connect(srv.ws, carol.token);
    const meta = await open(a.client, seg(id, 0));
    const aliceDoc = await open(a.client, `user:${alice.userId}`);
    const carolDoc = await open(c.client, `user:${carol.userId}`);
    expect(ids(...(meta.getMap(CONV_META).get('members') as string[]))).toEqual(ids(alice, bob, carol));
    expect(carolDoc.getMap(USER_CONVS).has(id)).toBe(true);

    const from = c.client.messages.length;
    expect((await removeMember(alice, id, carol.userId)).status).toBe(204);
    // The mirror is done before the answer: the relays are on their way.
    await drain(a.client);
    await drain(c.client);
    expect(ids(...(meta.getMap(CONV_META).get('members') as string[]))).toEqual(ids(alice, bob));
    expect(meta.getMap(CONV_META).get('kind')).toBe('group');
    const entry = aliceDoc.getMap<{ kind: string; members: string[] }>(USER_CONVS).get(id);
    expect(entry?.kind).toBe('group');
    expect(ids(...(entry?.members ?? []))).toEqual(ids(alice, bob));
    expect(carolDoc.getMap(USER_CONVS).has(id)).toBe(false);
    // Carol learns of it through her own doc.
    expect(framesSince(c.client, from).some((f) => f.kind === FrameKind.Sync && f.doc === `user:${carol.userId}`)).toBe(true);

    // What a device that connects later loads says the same.
    const b = await MuxClient.connect(srv.ws, bob.token);
    const bobDoc = await open(b.client, `user:${bob.userId}`);
    expect(ids(...(bobDoc.getMap<{ members: string[] }>(USER_CONVS).get(id)?.members ?? []))).toEqual(ids(alice, bob));
    expect(meta.getMap(CONV_META).get('members')).toEqual(entry?.members);
    for (const x of [a, b, c]) x.client.close();
  });
});

describe('after a removal on the sync side (SYNC-6, TRUST-13, SYNC-2)', () => {
  let alice: Account;
  let bob: Account;
  let carol: Account;
  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'carol')]);
  });

  it('[SYNC-6] a subscriber that lost access gets REJECT forbidden for segment 0 and every loaded segment; the plain endpoint gets permission denied and 4403', async () => {
    const id = await group(alice, [bob, carol]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const segments = [seg(id, 0), seg(id, 1), seg(id, 2)];
    const aDocs: Y.Doc[] = [];
    for (const doc of segments) {
      const ydoc = await open(a.client, doc);
      aDocs.push(ydoc);
      await write(a.client, doc, ydoc, alice, `${doc} before`);
    }
    // Carol subscribes to the stored segments and to the next one (a writer's new head, not stored yet); one far ahead
    // is no subscription at all (SEG-8).
    const c = await MuxClient.connect(srv.ws, carol.token);
    const watched = [...segments, seg(id, 3)];
    for (const doc of watched) await open(c.client, doc);
    const ahead = seg(id, 7);
    const aheadFrom = c.client.messages.length;
    c.client.syncStep1(ahead, new Y.Doc());
    expect(await next(c.client, aheadFrom, FrameKind.Reject, (f) => f.doc === ahead)).toMatchObject({ code: ErrorCode.SegmentGap });
    const plain0 = RawClient.open(`${srv.ws}/v1/doc/${seg(id, 0)}?token=${carol.token}`);
    const plain2 = RawClient.open(`${srv.ws}/v1/doc/${encodeURIComponent(seg(id, 2))}?token=${carol.token}`);
    for (const p of [plain0, plain2]) await p.waitMessage((m) => m[0] === FrameKind.Sync);

    const from = c.client.messages.length;
    expect((await removeMember(alice, id, carol.userId)).status).toBe(204);
    for (const doc of watched) {
      const reject = await next(c.client, from, FrameKind.Reject, (f) => f.doc === doc);
      expect(reject, doc).toMatchObject({ code: ErrorCode.Forbidden });
    }
    for (const p of [plain0, plain2]) {
      const denied = await p.waitMessage((m) => m[0] === FrameKind.Auth);
      const d = decoding.createDecoder(denied);
      decoding.readVarUint(d);
      expect(decoding.readVarUint(d)).toBe(0); // y-protocols auth: permission denied
      expect((await p.waitClose()).code).toBe(CloseCode.Forbidden);
    }
    // Re-subscribing is refused like for any outsider.
    const reFrom = c.client.messages.length;
    c.client.syncStep1(seg(id, 1), new Y.Doc());
    expect(await next(c.client, reFrom, FrameKind.Reject, (f) => f.doc === seg(id, 1))).toMatchObject({ code: ErrorCode.Forbidden });

    // The members who stay keep working; nothing more of the conversation reaches Carol (segment 3 included).
    const b = await MuxClient.connect(srv.ws, bob.token);
    const bDocs: Y.Doc[] = [];
    for (const doc of watched) bDocs.push(await open(b.client, doc));
    const afterRemoval = c.client.messages.length;
    for (const [i, doc] of watched.entries()) {
      const ydoc = aDocs[i] ?? (await open(a.client, doc));
      await write(a.client, doc, ydoc, alice, `${doc} after`);
    }
    for (const [i, doc] of watched.entries()) {
      await next(b.client, 0, FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 2);
      expect(bodies(bDocs[i] as Y.Doc)).toContain(`${doc} after`);
    }
    await drain(c.client);
    const leaked = framesSince(c.client, afterRemoval).filter((f) => 'doc' in f && f.doc.startsWith(`conv:${id}`));
    expect(leaked).toEqual([]);
    for (const x of [a, b, c]) x.client.close();
  });

  it('[TRUST-13] a removed member cannot write through a subscription opened before, within membershipTtlMs', async () => {
    const id = await group(alice, [bob, carol]);
    const c = await MuxClient.connect(srv.ws, carol.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    const docs = [seg(id, 0), seg(id, 1)];
    const cDocs: Y.Doc[] = [];
    const bDocs: Y.Doc[] = [];
    for (const doc of docs) {
      const ydoc = await open(c.client, doc);
      cDocs.push(ydoc);
      // Carol's writes are accepted: the membership answer is cached for this doc copy.
      await write(c.client, doc, ydoc, carol, `${doc} carol before`);
      bDocs.push(await open(b.client, doc));
    }
    const stored = docs.map(storedUpdates);
    const started = Date.now();
    expect((await removeMember(alice, id, carol.userId)).status).toBe(204);
    for (const [i, doc] of docs.entries()) {
      const answer = await send(c.client, doc, message(cDocs[i] as Y.Doc, carol, `${doc} carol after`));
      expect(answer, doc).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.Forbidden });
    }
    // All of it well within the 2 s during which a positive answer may be reused.
    expect(Date.now() - started).toBeLessThan(2000);
    // Nothing was stored (segment 0 got only the server's mirror) or relayed to the members who stay.
    expect(storedUpdates(docs[0] as string)).toBe((stored[0] as number) + 1);
    expect(storedUpdates(docs[1] as string)).toBe(stored[1]);
    await drain(b.client);
    for (const ydoc of bDocs) expect(bodies(ydoc).some((body) => body.includes('carol after'))).toBe(false);
    // Bob still writes.
    await write(b.client, docs[1] as string, bDocs[1] as Y.Doc, bob, 'bob after');
    c.client.close();
    b.client.close();
  });

  it('[SYNC-2] [WIRE-2] a removed member is no longer notified of the conversation and WELCOME no longer lists it', async () => {
    const id = await group(alice, [bob, carol]);
    const a = await MuxClient.connect(srv.ws, alice.token);
    const docs = [seg(id, 0), seg(id, 1)];
    const aDocs: Y.Doc[] = [];
    for (const doc of docs) {
      const ydoc = await open(a.client, doc);
      aDocs.push(ydoc);
      await write(a.client, doc, ydoc, alice, `${doc} first`);
    }
    // Carol and Bob are connected but subscribed to none of the conversation's docs: they get NOTIFY.
    const c = await MuxClient.connect(srv.ws, carol.token);
    const b = await MuxClient.connect(srv.ws, bob.token);
    expect(c.welcome.changed).toEqual(expect.arrayContaining(docs));
    for (const [i, doc] of docs.entries()) {
      const from = c.client.messages.length;
      await write(a.client, doc, aDocs[i] as Y.Doc, alice, `${doc} notified`);
      await next(c.client, from, FrameKind.Notify, (f) => f.doc === doc);
    }

    const from = c.client.messages.length;
    expect((await removeMember(alice, id, carol.userId)).status).toBe(204);
    // Her own doc changed (the convs entry is gone): that she is told.
    await next(c.client, from, FrameKind.Notify, (f) => f.doc === `user:${carol.userId}`);
    for (const [i, doc] of docs.entries()) {
      const bFrom = b.client.messages.length;
      await write(a.client, doc, aDocs[i] as Y.Doc, alice, `${doc} after`);
      await next(b.client, bFrom, FrameKind.Notify, (f) => f.doc === doc);
    }
    await drain(c.client);
    expect(framesSince(c.client, from).filter((f) => 'doc' in f && f.doc.startsWith(`conv:${id}`))).toEqual([]);

    const again = await MuxClient.connect(srv.ws, carol.token, 0);
    expect(again.welcome.changed).toContain(`user:${carol.userId}`);
    expect(again.welcome.changed.filter((d) => d.startsWith(`conv:${id}`))).toEqual([]);
    const bob2 = await MuxClient.connect(srv.ws, bob.token, 0);
    expect(bob2.welcome.changed).toEqual(expect.arrayContaining(docs));
    for (const x of [a, b, c, again, bob2]) x.client.close();
  });
});
