import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { CloseCode, ErrorCode, FrameKind, PROTOCOL_VERSION, encodeFrame, CONV_MESSAGES } from '@concord/protocol';
import { MuxClient, createConversation, register, removeDir, startTestServer, updateOf, within, type Account, type TestServer } from './syncHarness.js';

let srv: TestServer;
let alice: Account;
let bob: Account;
let conv: string;
const MAX_FRAME = 64 * 1024;

beforeAll(async () => {
  srv = await startTestServer({
    syncLimits: { maxFrameBytes: MAX_FRAME, maxUpdateBytes: 16 * 1024, heartbeatIntervalMs: 200, maxBufferedBytes: 256 * 1024 },
  });
  [alice, bob] = await Promise.all([register(srv.http, 'alice'), register(srv.http, 'bob')]);
  conv = `conv:${await createConversation(srv.http, alice, [bob])}`;
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

/** After each hostile client, an honest one still gets its message through: the server is alive and serving. */
async function serverStillServes(): Promise<void> {
  const { client } = await MuxClient.connect(srv.ws, bob.token);
  const ydoc = new Y.Doc();
  client.syncStep1(conv, ydoc);
  await client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
  client.sendUpdate(conv, updateOf(ydoc, (d) => d.getMap(CONV_MESSAGES).set(`${bob.userId}.${ydoc.clientID}`, { id: `${bob.userId}.${ydoc.clientID}`, author: bob.userId, hlc: '0000000000000', type: 'text', body: 'ok' })));
  await client.waitFrame(FrameKind.Ack);
  client.close();
}

async function helloed(): Promise<MuxClient> {
  return (await MuxClient.connect(srv.ws, alice.token)).client;
}

describe('[WIRE-4] bad input on /v1/sync', () => {
  it('[WIRE-4] garbage bytes: ERROR bad_frame, close 1002, nothing stored', async () => {
    const c = await helloed();
    const before = srv.sync.cursor();
    c.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.BadFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
    expect(srv.sync.cursor()).toBe(before);
    await serverStillServes();
  });

  it('[WIRE-4] a truncated frame (SYNC whose update is cut short) is a bad frame', async () => {
    const c = await helloed();
    const update = updateOf(new Y.Doc(), (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.t`, { body: 'x'.repeat(50) }));
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
    const full = encodeFrame({ kind: FrameKind.Sync, doc: conv, payload: encoding.toUint8Array(e) });
    c.sendRaw(full.subarray(0, full.length - 10));
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.BadFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
    await serverStillServes();
  });

  it('[WIRE-4] an unknown frame kind: ERROR unknown_frame, close 1002', async () => {
    const c = await helloed();
    c.sendRaw(new Uint8Array([99, 1, 2]));
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.UnknownFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
  });

  it('[WIRE-4] a server-to-client kind sent by a client is a bad frame', async () => {
    const c = await helloed();
    c.sendFrame({ kind: FrameKind.Ack, doc: conv, cursor: 1, clocks: [] });
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.BadFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
  });

  it('[WIRE-4] a text frame is a bad frame', async () => {
    const c = await helloed();
    c.sendRaw('{"hello":"json"}');
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.BadFrame);
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
  });

  it('[WIRE-4] a frame over the size limit closes with 1009', async () => {
    const c = await helloed();
    c.sendRaw(new Uint8Array(MAX_FRAME + 1));
    expect((await c.waitClose()).code).toBe(CloseCode.TooBig);
    await serverStillServes();
  });

  it('[VAL-1] an update over the update limit (but within the frame limit) gets REJECT too_big; the socket stays', async () => {
    const c = await helloed();
    const big = updateOf(new Y.Doc(), (d) => d.getMap(CONV_MESSAGES).set(`${alice.userId}.big`, { body: 'x'.repeat(20_000) }));
    c.sendUpdate(conv, big);
    expect((await c.waitFrame(FrameKind.Reject)).code).toBe(ErrorCode.TooBig);
    c.sendFrame({ kind: FrameKind.Ping, nonce: 3 });
    await c.waitFrame(FrameKind.Pong);
    c.close();
  });

  it('[WIRE-4] a malformed state vector in SyncStep1 and a malformed awareness update are bad frames', async () => {
    const c = await helloed();
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint8Array(e, new Uint8Array([5, 0xff]));
    c.sendFrame({ kind: FrameKind.Sync, doc: conv, payload: encoding.toUint8Array(e) });
    expect((await c.waitClose()).code).toBe(CloseCode.ProtocolError);
    const d = await helloed();
    d.syncStep1(conv, new Y.Doc());
    await d.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
    d.sendFrame({ kind: FrameKind.Awareness, doc: conv, update: new Uint8Array([3, 1]) });
    expect((await d.waitClose()).code).toBe(CloseCode.ProtocolError);
    await serverStillServes();
  });
});

describe('liveness', () => {
  it('[HB-1] a peer that stops answering pings is terminated and freed', async () => {
    const before = srv.sync.metrics().heartbeatTerminations;
    const c = MuxClient.openSync(srv.ws, { options: { autoPong: false } });
    await c.opened;
    c.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: alice.token, cursor: 0 });
    await c.waitFrame(FrameKind.Welcome);
    c.syncStep1(conv, new Y.Doc());
    const closed = await c.waitClose(3000);
    expect(closed.code).toBe(1006); // terminated, no close frame
    expect(srv.sync.metrics().heartbeatTerminations).toBeGreaterThan(before);
  });

  it('[HB-1] a peer that answers pings stays connected across several heartbeat intervals', async () => {
    const c = await helloed();
    await new Promise((r) => setTimeout(r, 700));
    c.sendFrame({ kind: FrameKind.Ping, nonce: 9 });
    expect((await c.waitFrame(FrameKind.Pong)).nonce).toBe(9);
    c.close();
  });

  it('[BP-1] a reader that does not drain is closed instead of buffered without bound', async () => {
    // Own server with a slow heartbeat: here the send-buffer bound must act, not the heartbeat.
    const own = await startTestServer({ syncLimits: { heartbeatIntervalMs: 60_000, maxBufferedBytes: 256 * 1024 } });
    try {
      const [a, b] = await Promise.all([register(own.http, 'slow'), register(own.http, 'writer')]);
      const doc = `conv:${await createConversation(own.http, a, [b])}`;
      const { client: slow } = await MuxClient.connect(own.ws, a.token);
      slow.syncStep1(doc, new Y.Doc());
      await slow.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
      // Stop reading at the TCP level: the kernel buffers fill, then the server's send buffer grows.
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const { client: writer } = await MuxClient.connect(own.ws, b.token);
      const ydoc = new Y.Doc();
      writer.syncStep1(doc, ydoc);
      await writer.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
      let acks = 0;
      writer.socket.on('message', (m: Buffer) => {
        if (m[0] === FrameKind.Ack) acks++;
      });
      await within(
        (async () => {
          // Bounded: at most 4,000 x 12 KB = 48 MB offered, far beyond loopback socket buffers.
          for (let i = 0; i < 4000 && own.sync.metrics().slowReaderCloses === 0; i++) {
            // A well-formed entry (TRUST-1): the trust rules refuse anything else before it could be relayed.
            const id = `${b.userId}.f${i}`;
            writer.sendUpdate(doc, updateOf(ydoc, (d) => d.getMap(CONV_MESSAGES).set(id, { id, author: b.userId, hlc: '0000000000000', type: 'text', body: 'y'.repeat(8_000) })));
            while (acks < i - 20) await writer.waitMessage(() => true, 5000, writer.messages.length);
          }
        })(),
        30_000,
        'the slow reader to be closed',
      );
      expect(own.sync.metrics().slowReaderCloses).toBe(1);
      // The writer was not affected.
      writer.sendFrame({ kind: FrameKind.Ping, nonce: 5 });
      await writer.waitFrame(FrameKind.Pong);
      writer.close();
    } finally {
      await own.close();
      removeDir(own.dataDir);
    }
  }, 40_000);
});
