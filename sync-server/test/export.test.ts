import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convDocName, FrameKind, userDocName, type DocName } from '@concord/protocol';
import { CONV_EDITS, CONV_MESSAGES, USER_DRAFTS } from '@concord/protocol';
import { api, createConversation, register, startServer, type Session, type TestServer } from './helpers/server.js';
import { MuxClient, chatMessage, openDoc, sendUpdate, updateOf, type Account } from './syncHarness.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

const account = (s: Session): Account => ({ userId: s.userId, deviceId: s.deviceId, token: s.token, username: s.username });

interface ExportedConversation {
  conversationId: string;
  kind: string;
  members: { userId: string; username: string }[];
  blobs: { blobId: string; url: string; size: number }[];
  messages: { id: string; author: string; body: string; edit?: { body?: string } }[];
}
interface Exported {
  format: string;
  version: number;
  account: { userId: string; username: string };
  devices: { deviceId: string }[];
  settings: { prefs: Record<string, unknown>; drafts: Record<string, unknown> };
  conversations: ExportedConversation[];
}

describe('export', () => {
  it('[EXPORT-1] the export holds the account, devices, settings and every message of the caller\'s conversations, and nothing else', async () => {
    const alice = await register(srv.url, 'alice');
    const bob = await register(srv.url, 'bob');
    const carol = await register(srv.url, 'carol');
    const group = await createConversation(srv.url, alice.token, 'group', [bob.userId], 'pair');
    const elsewhere = await createConversation(srv.url, bob.token, 'direct', [carol.userId]);
    const doc = convDocName(group);

    // Real messages through /v1/sync: one from each, and an edit of alice's.
    const a = (await MuxClient.connect(srv.wsUrl, alice.token)).client;
    const b = (await MuxClient.connect(srv.wsUrl, bob.token)).client;
    const ra = await openDoc(a, doc);
    const rb = await openDoc(b, doc);
    expect((await sendUpdate(a, doc, chatMessage(ra, account(alice), 'hello bob'))).kind).toBe(FrameKind.Ack);
    expect((await sendUpdate(b, doc, chatMessage(rb, account(bob), 'hello alice'))).kind).toBe(FrameKind.Ack);
    const aliceMessage = [...ra.getMap<{ author: string }>(CONV_MESSAGES).entries()].find(([, m]) => m.author === alice.userId)?.[0] ?? '';
    const edit = updateOf(ra, (d) => d.getMap(CONV_EDITS).set(aliceMessage, { hlc: '0000000000001', body: 'hello, bob' }));
    expect((await sendUpdate(a, doc, edit)).kind).toBe(FrameKind.Ack);
    a.close();
    b.close();
    // A message in segment 1 (written as the server: the test is about reading every segment).
    await srv.server.sync.transact(`${doc}/1` as DocName, (d) =>
      d.getMap(CONV_MESSAGES).set(`${bob.userId}.seg1`, { id: `${bob.userId}.seg1`, author: bob.userId, hlc: '0000000000009', type: 'text', body: 'later' }),
    );
    await srv.server.sync.transact(userDocName(alice.userId), (d) => d.getMap(USER_DRAFTS).set(group, 'half a thought'));
    await srv.server.sync.transact(convDocName(elsewhere), (d) =>
      d.getMap(CONV_MESSAGES).set(`${bob.userId}.private`, { id: `${bob.userId}.private`, author: bob.userId, hlc: '0000000000002', type: 'text', body: 'not for alice' }),
    );
    const bytes = Buffer.from('a file');
    const blobId = createHash('sha256').update(bytes).digest('hex');
    expect((await fetch(`${srv.url}/v1/conversations/${group}/blobs/${blobId}`, { method: 'PUT', headers: { Authorization: `Bearer ${bob.token}` }, body: bytes })).status).toBe(201);

    const res = await fetch(`${srv.url}/v1/me/export`, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    // Streamed: no length known in advance.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const text = await res.text();
    expect(text).not.toContain('not for alice');
    expect(text).not.toContain(alice.token);
    const out = JSON.parse(text) as Exported;
    expect(out.format).toBe('concord-export');
    expect(out.version).toBe(1);
    expect(out.account).toMatchObject({ userId: alice.userId, username: 'alice' });
    expect(out.devices.map((d) => d.deviceId)).toEqual([alice.deviceId]);
    expect(out.settings.drafts).toEqual({ [group]: 'half a thought' });
    expect(out.conversations.map((c) => c.conversationId)).toEqual([group]);
    const conv = out.conversations[0] as ExportedConversation;
    expect(conv.members.map((m) => m.username).sort()).toEqual(['alice', 'bob']);
    expect(conv.messages.map((m) => m.body)).toEqual(expect.arrayContaining(['hello bob', 'hello alice', 'later']));
    expect(conv.messages).toHaveLength(3);
    expect(conv.messages.find((m) => m.id === aliceMessage)?.edit?.body).toBe('hello, bob');
    expect(conv.blobs).toEqual([expect.objectContaining({ blobId, size: bytes.length, url: `/v1/conversations/${group}/blobs/${blobId}` })]);
  });

  it('[EXPORT-1] the export needs a session', async () => {
    expect((await api(srv.url, 'GET', '/v1/me/export')).status).toBe(401);
  });
});
