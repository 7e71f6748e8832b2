import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import {
  MAX_SEND_BYTES,
  OhosWebSocket,
  ohosSocketFactory,
  toNativePayload,
  type OhosCloseEvent,
  type OhosErrorEvent,
} from '../entry/src/main/ets/platform/OhosWebSocket';
import type { SocketLike } from '@concord/client-core';
import { StandinWebSocketModule, StandinNativeWebSocket } from './standins/nativeWebSocket';

// A real server on port 0 with one behaviour per path, so the adapter runs over real sockets.
let server: http.Server;
let base = '';
const received: Buffer[] = [];
const closedWith: number[] = [];

beforeAll(async () => {
  server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/reject') {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: ServerSocket) => {
      ws.on('close', (code) => closedWith.push(code));
      if (req.url === '/kick') ws.close(4401, 'device revoked');
      else if (req.url === '/version') ws.close(4426, 'protocol 2 required');
      else if (req.url === '/drop') setTimeout(() => ws.terminate(), 20);
      else if (req.url === '/hello') {
        ws.send(Buffer.from([1, 2, 3]));
        ws.send('text frame');
      } else ws.on('message', (d: Buffer) => received.push(Buffer.from(d)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Trace {
  events: string[];
  close: Promise<OhosCloseEvent>;
  open: Promise<void>;
  errors: OhosErrorEvent[];
}
function trace(ws: SocketLike): Trace {
  const events: string[] = [];
  const errors: OhosErrorEvent[] = [];
  const open = new Promise<void>((resolve) => {
    ws.onopen = () => {
      events.push('open');
      resolve();
    };
  });
  const close = new Promise<OhosCloseEvent>((resolve) => {
    ws.onclose = (e) => {
      events.push(`close:${e.code}`);
      resolve(e as OhosCloseEvent);
    };
  });
  ws.onerror = (e) => {
    events.push('error');
    errors.push(e as OhosErrorEvent);
  };
  return { events, close, open, errors };
}

function deadline<T>(p: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no event within ${ms} ms`)), ms))]);
}

describe('OhosWebSocket over the @ohos.net.webSocket stand-in', () => {
  it('exposes the W3C constants on the instance and on the class', () => {
    const mod = new StandinWebSocketModule();
    const ws = new OhosWebSocket(mod, `${base}/echo`);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(OhosWebSocket.OPEN).toBe(1);
    expect(ws.readyState).toBe(ws.CONNECTING);
    ws.close();
  });

  it('synthesizes onclose 1006 after a refused upgrade, where the native side emits only error', async () => {
    const mod = new StandinWebSocketModule();
    const ws = new OhosWebSocket(mod, `${base}/reject`);
    const t = trace(ws);
    const ev = await deadline(t.close);
    expect(ev.code).toBe(1006);
    expect(t.events).toEqual(['error', 'close:1006']);
    expect(t.errors[0]?.message).toContain('401');
    expect(ws.readyState).toBe(ws.CLOSED);
    // The stand-in really did what the native side does: an error and no close.
    expect(mod.created[0]?.emitted).toEqual(['error']);
  });

  it('synthesizes onclose 1006 when nothing listens on the port', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `ws://127.0.0.1:${port}/`);
    const t = trace(ws);
    expect((await deadline(t.close)).code).toBe(1006);
    expect(t.events).toEqual(['error', 'close:1006']);
  });

  it('reports a bad URL (2302001) as error + close instead of hanging in CONNECTING', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), 'http//nope');
    const t = trace(ws);
    expect((await deadline(t.close)).code).toBe(1006);
    expect(t.errors[0]?.code).toBe(2302001);
  });

  it.each([
    ['/kick', 4401, 'device revoked'],
    ['/version', 4426, 'protocol 2 required'],
  ])('surfaces the server close code of %s (%i) as received', async (path, code, reason) => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}${path}`);
    const t = trace(ws);
    const ev = await deadline(t.close);
    expect(ev.code).toBe(code);
    expect(ev.reason).toBe(reason);
    expect(t.events).toEqual(['open', `close:${code}`]);
  });

  it('reports a dropped link (native error then 1005) as error then 1006', async () => {
    const mod = new StandinWebSocketModule();
    const ws = new OhosWebSocket(mod, `${base}/drop`);
    const t = trace(ws);
    expect((await deadline(t.close)).code).toBe(1006);
    expect(t.events).toEqual(['open', 'error', 'close:1006']);
    expect(mod.created[0]?.emitted.slice(-2)).toEqual(['error', 'close']);
  });

  it('delivers binary frames as ArrayBuffer and text frames as string', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/hello`);
    const got: (ArrayBuffer | string)[] = [];
    const two = new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        got.push(e.data as ArrayBuffer | string);
        if (got.length === 2) resolve();
      };
    });
    await deadline(two);
    expect(got[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got[0] as ArrayBuffer)]).toEqual([1, 2, 3]);
    expect(got[1]).toBe('text frame');
    ws.close();
  });

  it('sends exactly the bytes of a Uint8Array view (native send takes ArrayBuffer only)', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/echo`);
    const t = trace(ws);
    await deadline(t.open);
    const backing = new Uint8Array([9, 9, 10, 11, 12, 9]);
    const before = received.length;
    ws.send(backing.subarray(2, 5));
    await deadline(
      new Promise<void>((r) => {
        const iv = setInterval(() => {
          if (received.length > before) {
            clearInterval(iv);
            r();
          }
        }, 5);
      }),
    );
    expect([...(received[before] ?? [])]).toEqual([10, 11, 12]);
    expect(t.errors).toEqual([]);
    ws.close();
  });

  it('the stand-in rejects a Uint8Array like the native signature does, so the conversion is load-bearing', async () => {
    const native = new StandinNativeWebSocket();
    await expect(native.send(new Uint8Array(2) as unknown as ArrayBuffer)).rejects.toMatchObject({ code: 401 });
    expect(toNativePayload(new Uint8Array([1, 2]).subarray(1))).toBeInstanceOf(ArrayBuffer);
  });

  it('refuses a frame over 5 MiB - 16 with an error and ends the connection with 1009', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/echo`);
    const t = trace(ws);
    await deadline(t.open);
    const before = received.length;
    ws.send(new Uint8Array(MAX_SEND_BYTES + 1));
    const ev = await deadline(t.close);
    expect(t.errors[0]?.code).toBe(401);
    expect(ev.code).toBe(1009);
    expect(received.length).toBe(before);
  });

  it('accepts a frame of exactly the limit', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/echo`);
    const t = trace(ws);
    await deadline(t.open);
    ws.send(new Uint8Array(MAX_SEND_BYTES));
    await new Promise((r) => setTimeout(r, 100));
    expect(t.errors).toEqual([]);
    expect(ws.readyState).toBe(ws.OPEN);
    ws.close();
    await deadline(t.close);
  });

  it('close() twice does not throw and closes once; a 4xxx close is sent natively as 1000', async () => {
    const mod = new StandinWebSocketModule();
    const ws = new OhosWebSocket(mod, `${base}/echo`);
    const t = trace(ws);
    await deadline(t.open);
    ws.close(4000, 'bye');
    expect(() => ws.close()).not.toThrow();
    await deadline(t.close);
    expect(() => ws.close()).not.toThrow();
    expect(t.events.filter((e) => e.startsWith('close'))).toHaveLength(1);
    expect(mod.created[0]?.closesSent).toEqual([{ code: 1000, reason: 'bye' }]);
  });

  it('close() while connecting ends in CLOSED with one close event', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/echo`);
    const t = trace(ws);
    ws.close();
    await deadline(t.close);
    expect(ws.readyState).toBe(ws.CLOSED);
    expect(t.events.filter((e) => e.startsWith('close'))).toHaveLength(1);
  });

  it('throws on send while connecting (W3C InvalidStateError) and ignores sends after close', async () => {
    const ws = new OhosWebSocket(new StandinWebSocketModule(), `${base}/echo`);
    const t = trace(ws);
    expect(() => ws.send(new Uint8Array(1))).toThrow(/InvalidState/);
    await deadline(t.open);
    ws.close();
    await deadline(t.close);
    expect(() => ws.send(new Uint8Array(1))).not.toThrow();
  });

  it('creates a new native object per connection (the native side refuses a second connect: 2302003)', async () => {
    const mod = new StandinWebSocketModule();
    const open = ohosSocketFactory(mod);
    const a = open(`${base}/echo`);
    const ta = trace(a);
    await deadline(ta.open);
    a.close();
    await deadline(ta.close);
    const b = open(`${base}/echo`);
    const tb = trace(b);
    await deadline(tb.open);
    expect(mod.created).toHaveLength(2);
    expect(mod.created[0]).not.toBe(mod.created[1]);
    await expect(mod.created[0]!.connect(`${base}/echo`)).rejects.toMatchObject({ code: 2302003 });
    b.close();
    await deadline(tb.close);
  });

  it('drops its native listeners once closed, so a late native event cannot resurrect it', async () => {
    const mod = new StandinWebSocketModule();
    const ws = new OhosWebSocket(mod, `${base}/kick`);
    const t = trace(ws);
    await deadline(t.close);
    for (const type of ['open', 'message', 'error', 'close']) expect(mod.created[0]!.listenerCount(type)).toBe(0);
  });
});
