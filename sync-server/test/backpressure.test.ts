import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCode, FrameKind } from '@concord/protocol';
import { CONV_MESSAGES } from '@concord/protocol';
import { PING_BURST } from '../src/sync/pingLimit.js';
import { MuxClient, createConversation, register, removeDir, startTestServer, updateOf, within } from './syncHarness.js';

describe('connection abuse', () => {
  it('[SYNC-5] a PING flood is closed with 4429; pings at the heartbeat rate are answered', async () => {
    const own = await startTestServer({ syncLimits: { heartbeatIntervalMs: 60_000 } });
    try {
      const a = await register(own.http, 'pinger');
      const { client: calm } = await MuxClient.connect(own.ws, a.token);
      for (let i = 0; i < 5; i++) {
        calm.sendFrame({ kind: FrameKind.Ping, nonce: i });
        expect((await calm.waitFrame(FrameKind.Pong, (f) => f.nonce === i)).nonce).toBe(i);
      }
      const { client: flood } = await MuxClient.connect(own.ws, a.token);
      // Sent in one go: far more than the burst, faster than any refill.
      for (let i = 0; i < PING_BURST * 10; i++) flood.sendFrame({ kind: FrameKind.Ping, nonce: i });
      const closed = await flood.waitClose();
      expect(closed.code).toBe(CloseCode.RateLimited);
      const pongs = flood.frames().filter((f) => f.kind === FrameKind.Pong).length;
      expect(pongs).toBeLessThanOrEqual(PING_BURST + 1);
      // The calm socket of the same account is unaffected.
      calm.sendFrame({ kind: FrameKind.Ping, nonce: 99 });
      expect((await calm.waitFrame(FrameKind.Pong, (f) => f.nonce === 99)).nonce).toBe(99);
      calm.close();
    } finally {
      await own.close();
      removeDir(own.dataDir);
    }
  });

  it('[BP-1] a slow reader that drains late reads the close code 4429, not 1006', async () => {
    const own = await startTestServer({ syncLimits: { heartbeatIntervalMs: 60_000, maxBufferedBytes: 256 * 1024 } });
    try {
      const [a, b] = await Promise.all([register(own.http, 'slow'), register(own.http, 'writer')]);
      const doc = `conv:${await createConversation(own.http, a, [b])}`;
      const { client: slow } = await MuxClient.connect(own.ws, a.token);
      slow.syncStep1(doc, new Y.Doc());
      await slow.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
      const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
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
          for (let i = 0; i < 4000 && own.sync.metrics().slowReaderCloses === 0; i++) {
            const id = `${b.userId}.f${i}`;
            writer.sendUpdate(doc, updateOf(ydoc, (d) => d.getMap(CONV_MESSAGES).set(id, { id, author: b.userId, hlc: '0000000000000', type: 'text', body: 'y'.repeat(8_000) })));
            while (acks < i - 20) await writer.waitMessage(() => true, 5000, writer.messages.length);
          }
        })(),
        30_000,
        'the slow reader to be closed',
      );
      expect(own.sync.metrics().slowReaderCloses).toBe(1);
      // The reader comes back to life within the grace period: it reads what was queued, then the close frame.
      tcp.resume();
      const closed = await slow.waitClose(10_000);
      expect(closed.code).toBe(CloseCode.RateLimited);
      writer.close();
    } finally {
      await own.close();
      removeDir(own.dataDir);
    }
  }, 40_000);
});
