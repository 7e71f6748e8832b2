/**
 * What one account may hold on the server (SPEC WIRE-7, SEG-8; issue 21 Medium 7): sockets per device and per user,
 * and subscriptions only to segments that exist or come next. Real server on port 0 with small limits, real sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, ErrorCode, FrameKind, PROTOCOL_VERSION, type DocName } from '@concord/protocol';
import {
  MuxClient,
  RawClient,
  createConversation,
  login,
  nextFrame,
  register,
  removeDir,
  segmentName,
  startTestServer,
  within,
  type Account,
  type TestServer,
} from './syncHarness.js';

let srv: TestServer;
let alice: Account;
let bob: Account;
let convId: string;

beforeAll(async () => {
  srv = await startTestServer({ syncLimits: { maxSocketsPerDevice: 3, maxSocketsPerUser: 5 } });
  [alice, bob] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob')]);
  convId = await createConversation(srv.http, alice, [bob]);
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

async function ping(c: MuxClient, nonce: number): Promise<void> {
  c.sendFrame({ kind: FrameKind.Ping, nonce });
  await c.waitFrame(FrameKind.Pong, (f) => f.nonce === nonce);
}

describe('per-account limits', () => {
  it('[WIRE-7] a device gets at most maxSocketsPerDevice sockets and a user maxSocketsPerUser; a closed socket frees its place', async () => {
    const held = await Promise.all([1, 2, 3].map(async () => (await MuxClient.connect(srv.ws, bob.token)).client));
    const extra = MuxClient.openSync(srv.ws, { queryToken: bob.token });
    await within(extra.opened, 5000, 'open');
    extra.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: '', cursor: 0 });
    expect((await extra.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.RateLimited);
    expect((await extra.waitClose()).code).toBe(CloseCode.RateLimited);
    // The plain endpoint counts too.
    const plain = RawClient.open(`${srv.ws}/v1/doc/conv:${convId}?token=${bob.token}`);
    expect((await plain.waitClose()).code).toBe(CloseCode.RateLimited);
    // Two more devices of the same user: the fifth socket is the user's last.
    const other = await login(srv.http, bob.username);
    const fourth = await MuxClient.connect(srv.ws, other.token);
    const fifth = await MuxClient.connect(srv.ws, other.token);
    const third = await login(srv.http, bob.username);
    const over = MuxClient.openSync(srv.ws, { queryToken: third.token });
    await within(over.opened, 5000, 'open');
    over.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: '', cursor: 0 });
    expect((await over.waitClose()).code).toBe(CloseCode.RateLimited);
    // The sockets held are served, other users are untouched, and a closed socket frees its place.
    await ping(held[0]!, 1);
    const a = await MuxClient.connect(srv.ws, alice.token);
    await ping(a.client, 2);
    held[0]!.close();
    await held[0]!.waitClose();
    const again = await MuxClient.connect(srv.ws, bob.token);
    await ping(again.client, 3);
    for (const c of [...held.slice(1), fourth.client, fifth.client, a.client, again.client]) c.close();
  });

  it('[SEG-8] only segments that exist, or the one after the stored head, can be subscribed to', async () => {
    const { client } = await MuxClient.connect(srv.ws, alice.token);
    const from = client.messages.length;
    // Segment 1 follows segment 0 (the conversation's head): a device may open it to write into it.
    client.syncStep1(segmentName(convId, 1), new Y.Doc());
    await nextFrame(client, from, FrameKind.Sync, (f) => f.doc === segmentName(convId, 1));
    // Segments beyond are refused without loading anything.
    for (const k of [3, 50, 99_999]) {
      const doc = segmentName(convId, k);
      client.syncStep1(doc, new Y.Doc());
      const r = await nextFrame(client, from, FrameKind.Reject, (f) => f.doc === doc);
      expect(r.code).toBe(ErrorCode.SegmentGap);
      expect(srv.sync.isLoaded(doc as DocName)).toBe(false);
    }
    const plain = RawClient.open(`${srv.ws}/v1/doc/${segmentName(convId, 40)}?token=${alice.token}`);
    expect((await plain.waitClose()).code).toBe(CloseCode.Forbidden);
    client.close();
  });
});
