import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { CloseCode, ErrorCode, FrameKind, decodePlainConcordFrame, CONV_MESSAGES, CONV_META } from '@concord/protocol';
import { RawClient, createConversation, register, removeDir, startTestServer, syncMessage, updateOf, within, type Account, type TestServer } from './syncHarness.js';

let srv: TestServer;
let alice: Account;
let bob: Account;
let carol: Account;
let conv: string;

beforeAll(async () => {
  srv = await startTestServer();
  [alice, bob, carol] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob'), register(srv.http, 'carol')]);
  conv = `conv:${await createConversation(srv.http, alice, [bob])}`;
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

function provider(account: Account, ydoc: Y.Doc, doc = conv): WebsocketProvider {
  return new WebsocketProvider(`${srv.ws}/v1/doc`, doc, ydoc, {
    params: { token: account.token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: true,
  });
}

function synced(p: WebsocketProvider): Promise<void> {
  return within(new Promise<void>((resolve) => {
    if (p.synced) resolve();
    else p.once('sync', (s: boolean) => s && resolve());
  }), 5000, 'provider sync');
}

function plainUrl(doc: string, token: string): string {
  return `${srv.ws}/v1/doc/${doc}?token=${encodeURIComponent(token)}`;
}

describe('/v1/doc/<name> with the stock y-websocket provider', () => {
  it('[WIRE-PLAIN-1] two unmodified WebsocketProviders sync a conversation doc through the server', async () => {
    // The stock client logs the ACK frames it does not know; that is expected and harmless.
    const errors = console.error;
    console.error = () => undefined;
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    const pa = provider(alice, docA);
    const pb = provider(bob, docB);
    try {
      await Promise.all([synced(pa), synced(pb)]);
      expect(docA.getMap(CONV_META).get('kind')).toBe('group');
      const gotB = new Promise<void>((resolve) => docB.getMap(CONV_MESSAGES).observe(() => resolve()));
      docA.getMap(CONV_MESSAGES).set(`${alice.userId}.p1`, { id: `${alice.userId}.p1`, author: alice.userId, hlc: '0000000000001', type: 'text', body: 'from a stock client' });
      await within(gotB, 5000, 'relay to B');
      expect(docB.getMap(CONV_MESSAGES).get(`${alice.userId}.p1`)).toMatchObject({ body: 'from a stock client' });
      const gotA = new Promise<void>((resolve) => docA.getMap(CONV_MESSAGES).observe(() => resolve()));
      docB.getMap(CONV_MESSAGES).set(`${bob.userId}.p2`, { id: `${bob.userId}.p2`, author: bob.userId, hlc: '0000000000002', type: 'text', body: 'reply' });
      await within(gotA, 5000, 'relay to A');
      // Awareness goes through too.
      const seen = new Promise<void>((resolve) => pb.awareness.on('change', () => pb.awareness.getStates().has(docA.clientID) && resolve()));
      pa.awareness.setLocalStateField('typing', true);
      await within(seen, 5000, 'awareness');
    } finally {
      pa.destroy();
      pb.destroy();
      console.error = errors;
    }
  });
});

describe('/v1/doc/<name> access and input', () => {
  it('[AUTH-WS-1] a bad or missing token closes with 4401', async () => {
    expect((await RawClient.open(plainUrl(conv, 'bad')).waitClose()).code).toBe(CloseCode.Unauthorized);
    expect((await RawClient.open(`${srv.ws}/v1/doc/${conv}`).waitClose()).code).toBe(CloseCode.Unauthorized);
  });

  it('[WIRE-PLAIN-3] a doc the user may not see: permission denied, then 4403', async () => {
    for (const doc of [conv, `user:${alice.userId}`, 'nonsense']) {
      const c = RawClient.open(plainUrl(doc, carol.token));
      const first = await c.waitMessage(() => true);
      const d = decoding.createDecoder(first);
      expect(decoding.readVarUint(d)).toBe(FrameKind.Auth);
      expect(decoding.readVarUint(d)).toBe(0); // permission denied
      expect((await c.waitClose()).code).toBe(CloseCode.Forbidden);
    }
  });

  it('[ACK-1] [ACK-2] a plain client gets ACK with the server clock of its client id', async () => {
    const c = RawClient.open(plainUrl(conv, alice.token));
    await c.waitMessage(() => true);
    const d = new Y.Doc();
    const upd = updateOf(d, (x) => x.getMap(CONV_MESSAGES).set(`${alice.userId}.p3`, { id: `${alice.userId}.p3`, author: alice.userId, hlc: '0000000000003', type: 'text', body: 'acked' }));
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(2, upd)]));
    const ack = decodePlainConcordFrame(await c.waitMessage((m) => m[0] === FrameKind.Ack));
    expect(ack).toMatchObject({ kind: FrameKind.Ack, clocks: [{ client: d.clientID, clock: 1 }] });
    c.close();
  });

  it('[VAL-3] a plain client writing meta gets REJECT and keeps its socket', async () => {
    const c = RawClient.open(plainUrl(conv, alice.token));
    await c.waitMessage(() => true);
    const upd = updateOf(new Y.Doc(), (x) => x.getMap(CONV_META).set('title', 'mine now'));
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(2, upd)]));
    const rej = decodePlainConcordFrame(await c.waitMessage((m) => m[0] === FrameKind.Reject));
    expect(rej).toMatchObject({ kind: FrameKind.Reject, code: ErrorCode.InvalidUpdate });
    c.sendRaw(new Uint8Array([FrameKind.QueryAwareness]));
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(0, Y.encodeStateVector(new Y.Doc()))]));
    await c.waitMessage((m) => m[0] === FrameKind.Sync && m[1] === 1);
    c.close();
  });

  it('[WIRE-PLAIN-4] unknown message types are ignored; a malformed message closes with 1002', async () => {
    const c = RawClient.open(plainUrl(conv, alice.token));
    await c.waitMessage(() => true);
    c.sendRaw(new Uint8Array([42, 1, 2, 3]));
    c.sendRaw(new Uint8Array([FrameKind.Sync, ...syncMessage(0, Y.encodeStateVector(new Y.Doc()))]));
    await c.waitMessage((m) => m[0] === FrameKind.Sync && m[1] === 1);
    c.sendRaw(new Uint8Array([FrameKind.Sync, 2, 200]));
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
  });
});
