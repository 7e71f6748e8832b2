/**
 * A member cannot forge another member's message by re-sending its struct id with other content (SPEC VAL-5, issue 21
 * High 2). The server relays and stores only what it integrated, re-encoded, and refuses an update whose structs it
 * already holds with other content. Real server on port 0, real sockets on both endpoints, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ErrorCode,
  FrameKind,
  decodeFrame,
  decodePlainConcordFrame,
  type Frame,
  CONV_MESSAGES,
} from '@concord/protocol';
import {
  MuxClient,
  RawClient,
  createConversation,
  openDoc,
  readSync,
  register,
  removeDir,
  sendUpdate,
  startTestServer,
  updateOf,
  type Account,
  type TestServer,
} from './syncHarness.js';

let srv: TestServer;
let alice: Account;
let mallory: Account;
let bob: Account;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer();
  [alice, mallory, bob] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'mallory'), register(srv.http, 'bob')]);
  conv = `conv:${await createConversation(srv.http, alice, [mallory, bob])}`;
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

function entry(author: Account, id: string, body: string): Record<string, unknown> {
  return { id: `${author.userId}.${id}`, author: author.userId, hlc: '0000000000001', type: 'text', body };
}

/** The message bodies carried by the Yjs updates one plain socket received (sync step 2 and updates), as sent. */
function bodiesReceived(c: RawClient): string[] {
  const out: string[] = [];
  for (const m of c.messages) {
    if (m[0] !== FrameKind.Sync || decodePlainConcordFrame(m) !== null) continue;
    const { type, data } = readSync(m.subarray(1));
    if (type === 0) continue;
    for (const s of Y.decodeUpdate(data).structs) {
      if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentAny)) continue;
      for (const v of s.content.arr) if (typeof v === 'object' && v !== null && 'body' in v) out.push(String(v.body));
    }
  }
  return out;
}

describe('re-sent structs cannot carry other content', () => {
  it('[VAL-5] a re-sent struct id with other content is refused, and a peer that lacks the original never sees it', async () => {
    // Alice's device writes a message; the server stores it.
    const aliceSide = await MuxClient.connect(srv.ws, alice.token);
    const aliceDoc = await openDoc(aliceSide.client, conv);
    const original = updateOf(aliceDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.m1`, entry(alice, 'm1', 'meet at noon')));
    expect((await sendUpdate(aliceSide.client, conv, original)).kind).toBe(FrameKind.Ack);

    // Bob's y-websocket peer on the plain endpoint, connected now and not synced yet: it lacks the original.
    const plain = RawClient.open(`${srv.ws}/v1/doc/${conv}?token=${bob.token}`);
    await plain.waitMessage((m) => m[0] === FrameKind.Sync);

    // Mallory forges: the same client id and clock, another body.
    const forgerDoc = new Y.Doc();
    forgerDoc.clientID = aliceDoc.clientID;
    const forged = updateOf(forgerDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.m1`, entry(alice, 'm1', 'meet at midnight')));
    const malSide = await MuxClient.connect(srv.ws, mallory.token);
    await openDoc(malSide.client, conv);
    const answer = await sendUpdate(malSide.client, conv, forged);
    expect(answer).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.InvalidUpdate });
    expect(answer.kind === FrameKind.Reject ? answer.message : '').toMatch(/VAL-5/);

    // A later honest message reaches the plain peer: everything before it was relayed too.
    const later = updateOf(aliceDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.m2`, entry(alice, 'm2', 'bring snacks')));
    expect((await sendUpdate(aliceSide.client, conv, later)).kind).toBe(FrameKind.Ack);
    await plain.waitMessage(() => bodiesReceived(plain).includes('bring snacks'));
    expect(bodiesReceived(plain)).not.toContain('meet at midnight');
    for (const c of [aliceSide.client, malSide.client, plain]) c.close();
  });

  it('[VAL-5] only the new structs of an update are relayed and stored: a known struct riding along with a new one is not passed on as sent', async () => {
    const aliceSide = await MuxClient.connect(srv.ws, alice.token);
    const aliceDoc = await openDoc(aliceSide.client, conv);
    const first = updateOf(aliceDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.r1`, entry(alice, 'r1', 'first')));
    expect((await sendUpdate(aliceSide.client, conv, first)).kind).toBe(FrameKind.Ack);

    const bobSide = await MuxClient.connect(srv.ws, bob.token);
    const from = bobSide.client.messages.length;
    await openDoc(bobSide.client, conv);
    const second = updateOf(aliceDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.r2`, entry(alice, 'r2', 'second')));
    // Honest re-send of a whole pending queue: the first update again, merged with the new one.
    expect((await sendUpdate(aliceSide.client, conv, Y.mergeUpdates([first, second]))).kind).toBe(FrameKind.Ack);
    const relayed = await bobSide.client.waitMessage((m) => {
      const f = decodeFrameSafe(m);
      return f !== null && f.kind === FrameKind.Sync && f.doc === conv && f.payload[0] === 2;
    }, 5000, from);
    const f = decodeFrameSafe(relayed);
    const update = f !== null && f.kind === FrameKind.Sync ? readSync(f.payload).data : new Uint8Array();
    const structs = Y.decodeUpdate(update).structs;
    // Only the new entry's struct, starting at the clock the server lacked.
    expect(structs.map((s) => s.id.clock)).toEqual([Y.decodeUpdate(second).structs[0]?.id.clock]);
    for (const c of [aliceSide.client, bobSide.client]) c.close();
  });

  it('[VAL-5] an exact re-send of a stored update is acknowledged and neither stored again nor relayed', async () => {
    const aliceSide = await MuxClient.connect(srv.ws, alice.token);
    const aliceDoc = await openDoc(aliceSide.client, conv);
    const u = updateOf(aliceDoc, (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.d1`, entry(alice, 'd1', 'once')));
    expect((await sendUpdate(aliceSide.client, conv, u)).kind).toBe(FrameKind.Ack);
    const cursor = srv.sync.cursor();
    const again = await sendUpdate(aliceSide.client, conv, u);
    expect(again.kind).toBe(FrameKind.Ack);
    expect(srv.sync.cursor()).toBe(cursor);
    aliceSide.client.close();
  });
});

function decodeFrameSafe(bytes: Uint8Array): Frame | null {
  try {
    return decodeFrame(bytes);
  } catch {
    return null;
  }
}
