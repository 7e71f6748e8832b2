/**
 * CONN-7: the socket seam. client-core opens sockets through a factory returning a SocketLike with declared event
 * types; `w3cSocketFactory` adapts W3C WebSocket classes (the browser's, `ws`) to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { Concord } from '../src/client/concord.js';
import { FakeBackend } from './helpers/fakeBackend.js';
import { uniqueName } from './helpers/scenarios.js';
import { clientEvents, until } from './helpers/wait.js';
import {
  w3cSocketFactory,
  type SocketCloseEvent,
  type SocketErrorEvent,
  type SocketLike,
  type SocketMessageEvent,
  type W3CMessageData,
  type W3CWebSocket,
} from '../src/platform.js';

/** A W3C socket driven by hand: what the adapter sets and sends, and events the test fires. */
class ScriptedW3CSocket implements W3CWebSocket {
  static last: ScriptedW3CSocket | null = null;
  binaryType = 'blob';
  readyState = 0;
  onopen: ((ev: { readonly type: string }) => void) | null = null;
  onmessage: ((ev: { readonly data: W3CMessageData }) => void) | null = null;
  onclose: ((ev: { readonly code: number; readonly reason: string }) => void) | null = null;
  onerror: ((ev: { readonly type: string; readonly message?: string }) => void) | null = null;
  readonly sent: Uint8Array[] = [];
  readonly closed: [number | undefined, string | undefined][] = [];

  constructor(readonly url: string) {
    ScriptedW3CSocket.last = this;
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closed.push([code, reason]);
  }
}

function record(s: SocketLike): { log: string[]; messages: SocketMessageEvent['data'][]; closes: SocketCloseEvent[]; errors: SocketErrorEvent[] } {
  const r = { log: [] as string[], messages: [] as SocketMessageEvent['data'][], closes: [] as SocketCloseEvent[], errors: [] as SocketErrorEvent[] };
  s.onopen = () => r.log.push('open');
  s.onmessage = (ev) => (r.log.push('message'), r.messages.push(ev.data));
  s.onclose = (ev) => (r.log.push('close'), r.closes.push(ev));
  s.onerror = (ev) => (r.log.push('error'), r.errors.push(ev));
  return r;
}

describe('socket seam', () => {
  it('[CONN-7] w3cSocketFactory asks for ArrayBuffers and translates a W3C socket to SocketLike', () => {
    const open = w3cSocketFactory(ScriptedW3CSocket);
    const s = open('ws://example.test/v1/sync');
    const w = ScriptedW3CSocket.last!;
    expect(w.url).toBe('ws://example.test/v1/sync');
    expect(w.binaryType).toBe('arraybuffer');
    const r = record(s);

    expect(s.readyState).toBe(0);
    w.readyState = 1;
    w.onopen?.({ type: 'open' });
    expect(s.readyState).toBe(1);

    const ab = new Uint8Array([1, 2, 3]).buffer;
    w.onmessage?.({ data: ab });
    // `ws` with binaryType 'nodebuffer' or a view: the same bytes as a Uint8Array, offset respected.
    const backing = new Uint8Array([9, 4, 5, 9]);
    w.onmessage?.({ data: new DataView(backing.buffer, 1, 2) });
    // `ws` with binaryType 'fragments': one message in pieces.
    w.onmessage?.({ data: [Buffer.from([6]), Buffer.from([7, 8])] });
    w.onmessage?.({ data: 'text' });
    expect(r.messages[0]).toBe(ab);
    expect([...(r.messages[1] as Uint8Array)]).toEqual([4, 5]);
    expect([...(r.messages[2] as Uint8Array)]).toEqual([6, 7, 8]);
    expect(r.messages[3]).toBe('text');

    s.send(new Uint8Array([1]));
    expect(w.sent).toHaveLength(1);
    s.close(4000, 'bye');
    expect(w.closed).toEqual([[4000, 'bye']]);

    w.onerror?.({ type: 'error' });
    w.onerror?.({ type: 'error', message: 'ECONNRESET' });
    w.onclose?.({ code: 1006, reason: '' });
    expect(r.errors).toEqual([{}, { message: 'ECONNRESET' }]);
    expect(r.closes).toEqual([{ code: 1006, reason: '' }]);
    expect(r.log).toEqual(['open', 'message', 'message', 'message', 'message', 'error', 'error', 'close']);
  });

  it('[CONN-7] a factory that throws is a failed attempt: the client says why and retries until a socket opens', async () => {
    const be = new FakeBackend();
    const real = be.server.socketFactory();
    let refusals = 2;
    const reasons: string[] = [];
    const storage = new MemoryStorageAdapter();
    const client = new Concord({
      serverUrl: be.serverUrl,
      openSocket: (url) => {
        if (refusals-- > 0) throw new Error('no sockets today');
        return real(url);
      },
      fetch: be.fetch,
      storage,
      backoff: { baseMs: 10, capMs: 20 },
    });
    client.events.on('connection', (st) => reasons.push(st.reason ?? ''));
    try {
      await client.register(uniqueName('f'), 'password-f');
      await until('online', () => client.connection.state === 'online', [clientEvents(client)]);
      expect(reasons.filter((r) => r === 'cannot open socket: no sockets today').length).toBeGreaterThan(0);
      expect(refusals).toBeLessThan(0);
    } finally {
      await client.close();
      await storage.close();
    }
  });

  describe('over the real `ws` package', () => {
    let server: WebSocketServer;
    let base = '';
    beforeAll(async () => {
      server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      server.on('connection', (sock, req) => {
        if (req.url === '/kick') return sock.close(4401, 'session revoked');
        sock.on('message', (data: Buffer) => sock.send(data));
      });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('[CONN-7] binary frames arrive as ArrayBuffer; the server close code and reason come through', async () => {
      const open = w3cSocketFactory(WebSocket);
      const echo = open(`${base}/echo`);
      const got = new Promise<SocketMessageEvent['data']>((resolve) => (echo.onmessage = (ev) => resolve(ev.data)));
      await new Promise<void>((resolve) => (echo.onopen = () => resolve()));
      echo.send(new Uint8Array([1, 2, 3]));
      const data = await got;
      expect(data).toBeInstanceOf(ArrayBuffer);
      expect([...new Uint8Array(data as ArrayBuffer)]).toEqual([1, 2, 3]);
      const closed = new Promise<SocketCloseEvent>((resolve) => (echo.onclose = resolve));
      echo.close(1000, 'done');
      expect((await closed).code).toBe(1000);

      const kicked = open(`${base}/kick`);
      const close = await new Promise<SocketCloseEvent>((resolve) => (kicked.onclose = resolve));
      expect(close).toEqual({ code: 4401, reason: 'session revoked' });
    });

    it('[CONN-7] a refused connect reports error, then close 1006', async () => {
      const s = w3cSocketFactory(WebSocket)('ws://127.0.0.1:1/');
      const r = record(s);
      await new Promise<void>((resolve) => {
        const done = s.onclose!;
        s.onclose = (ev) => (done(ev), resolve());
      });
      expect(r.log).toEqual(['error', 'close']);
      expect(r.closes[0]?.code).toBe(1006);
      expect(typeof r.errors[0]?.message).toBe('string');
    });
  });
});
