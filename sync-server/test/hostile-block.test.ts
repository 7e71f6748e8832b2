/**
 * The hostile-client suite, blocking (SPEC BLOCK-3): a blocked user writing raw updates into the direct chat with the
 * blocker, over a socket opened before the block and over a fresh one. Each write is refused (REJECT forbidden),
 * never stored nor relayed; the blocker's copy is unchanged; after an unblock writes go through again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CONV_MESSAGES, ErrorCode, FrameKind } from '@concord/protocol';
import { call, convDoc, useTestServer } from './socialHarness.js';
import {
  MuxClient,
  chatMessage,
  createConversation,
  openDoc,
  register,
  sendUpdate,
  type Account,
} from './syncHarness.js';

const server = useTestServer();

function stored(doc: string): number {
  return (server.srv.server.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE doc = ?').get(doc) as { n: number }).n;
}

describe('blocking (BLOCK-3)', () => {
  let blocker: Account;
  let blocked: Account;
  beforeAll(async () => {
    [blocker, blocked] = await Promise.all([register(server.srv.http, 'blocker'), register(server.srv.http, 'blocked')]);
  });

  it('[BLOCK-3] the blocked side\'s new writes into the direct chat are refused on old and new sockets, and reach no one', async () => {
    const conv = await createConversation(server.srv.http, blocker, [blocked], 'direct');
    const doc = convDoc(conv);
    const { client: early } = await MuxClient.connect(server.srv.ws, blocked.token);
    const earlyDoc = await openDoc(early, doc);
    expect((await sendUpdate(early, doc, chatMessage(earlyDoc, blocked, 'before'))).kind).toBe(FrameKind.Ack);
    const { client: watcher } = await MuxClient.connect(server.srv.ws, blocker.token);
    const watched = await openDoc(watcher, doc, { follow: true });
    expect(watched.getMap(CONV_MESSAGES).size).toBe(1);

    expect((await call(server.srv, 'PUT', `/v1/blocks/${blocked.userId}`, blocker)).status).toBe(204);
    const before = stored(doc);
    const refused = await sendUpdate(early, doc, chatMessage(new Y.Doc(), blocked, 'after, old socket'));
    expect(refused).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.Forbidden });
    expect(refused.kind === FrameKind.Reject ? refused.message : '').toMatch(/^BLOCK-3/);
    expect(refused.kind === FrameKind.Reject ? refused.message : '').not.toMatch(/block(ed)? (you|by)/i);
    const { client: fresh } = await MuxClient.connect(server.srv.ws, blocked.token);
    const freshDoc = await openDoc(fresh, doc);
    expect((await sendUpdate(fresh, doc, chatMessage(freshDoc, blocked, 'after, new socket'))).kind).toBe(FrameKind.Reject);
    expect(stored(doc)).toBe(before);
    // The blocker still writes; the blocker's copy holds none of the refused messages.
    expect((await sendUpdate(watcher, doc, chatMessage(watched, blocker, 'mine'))).kind).toBe(FrameKind.Ack);
    const bodies = [...watched.getMap<{ body: string }>(CONV_MESSAGES).values()].map((m) => m.body).sort();
    expect(bodies).toEqual(['before', 'mine']);

    expect((await call(server.srv, 'DELETE', `/v1/blocks/${blocked.userId}`, blocker)).status).toBe(204);
    expect((await sendUpdate(fresh, doc, chatMessage(new Y.Doc(), blocked, 'unblocked'))).kind).toBe(FrameKind.Ack);
    for (const c of [early, watcher, fresh]) c.close();
  });

  it('[BLOCK-3] a group shared with the blocker stays writable: the block is about the direct chat', async () => {
    const other = await register(server.srv.http, 'third');
    const group = await createConversation(server.srv.http, blocker, [blocked, other]);
    await call(server.srv, 'PUT', `/v1/blocks/${blocked.userId}`, blocker);
    const { client } = await MuxClient.connect(server.srv.ws, blocked.token);
    const ydoc = await openDoc(client, convDoc(group));
    expect((await sendUpdate(client, convDoc(group), chatMessage(ydoc, blocked, 'to the group'))).kind).toBe(FrameKind.Ack);
    client.close();
    await call(server.srv, 'DELETE', `/v1/blocks/${blocked.userId}`, blocker);
  });
});
