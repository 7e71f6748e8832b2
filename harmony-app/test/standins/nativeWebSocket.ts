/*
 * Stand-in for `@ohos.net.webSocket` on a real socket (the `ws` package), reproducing what the native code does
 * (reference §2 and communication_netstack websocket_exec.cpp), not what a browser does:
 *  - connect() resolves true once the request is created; success is the 'open' event;
 *  - a failed connect (refused, HTTP error at upgrade) emits only 'error' {code: 200, data: "<http status>"}, no 'close';
 *  - an open link that drops emits 'error' then 'close' {code: 1005, reason: 'The link is down'};
 *  - a peer-initiated close is reported with the peer's code and reason as received (4401 stays 4401);
 *  - close({code}) sends 1000 for any code outside 1000-1015; the default reason is "CLOSE_NORMAL";
 *  - send() takes string | ArrayBuffer only (a Uint8Array is a parameter error, 401) and refuses > 5 MiB - 16 (401);
 *  - a second connect() on the same object is refused with 2302003;
 *  - one 'message' per WebSocket message (API 10+ reassembly): binary -> ArrayBuffer, text -> string; 'dataEnd' after.
 */
import WebSocket from 'ws';
import type webSocket from '@ohos.net.webSocket';
import type { BusinessError } from '@ohos.base';
import type { NativeSocket } from '../../entry/src/main/ets/platform/OhosWebSocket';

export const NATIVE_MAX_SEND = 5 * 1024 * 1024 - 16;

type Listener = (...args: never[]) => void;

export function businessError(code: number, message: string, data?: string): BusinessError<string> {
  const e = new Error(message) as BusinessError<string>;
  e.code = code;
  if (data !== undefined) e.data = data;
  return e;
}

export class StandinNativeWebSocket implements NativeSocket {
  /** Every native event emitted, in order, for assertions on the native-side sequence. */
  readonly emitted: string[] = [];
  /** The close options the native side actually put on the wire. */
  readonly closesSent: { code: number; reason: string }[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  private connectCalled = false;
  private socket: WebSocket | null = null;
  private opened = false;

  on(type: string, callback: Listener): void {
    const list = this.listeners.get(type) ?? [];
    list.push(callback);
    this.listeners.set(type, list);
  }

  off(type: string, callback?: Listener): void {
    if (!callback) this.listeners.delete(type);
    else this.listeners.set(type, (this.listeners.get(type) ?? []).filter((l) => l !== callback));
  }

  listenerCount(type: string): number {
    return this.listeners.get(type)?.length ?? 0;
  }

  private emit(type: string, ...args: unknown[]): void {
    this.emitted.push(type);
    for (const l of [...(this.listeners.get(type) ?? [])]) (l as (...a: unknown[]) => void)(...args);
  }

  connect(url: string, options?: webSocket.WebSocketRequestOptions): Promise<boolean> {
    if (this.connectCalled) return Promise.reject(businessError(2302003, 'Websocket connection already exists'));
    if (!/^wss?:\/\//.test(url)) return Promise.reject(businessError(2302001, 'Websocket url error'));
    this.connectCalled = true;
    const protocols = options?.protocol ? options.protocol.split(',') : undefined;
    const ws = new WebSocket(url, protocols);
    this.socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.on('open', () => {
      this.opened = true;
      this.emit('open', undefined, { status: 101, message: 'Switching Protocols' });
    });
    ws.on('unexpected-response', (_req, res) => {
      // The upgrade was refused with an HTTP status: native reports only 'error' with that status.
      this.emit('error', businessError(200, 'connect failed', String(res.statusCode)));
      ws.terminate();
    });
    ws.on('error', () => {
      if (!this.opened) {
        // unexpected-response already reported (ws emits 'error' after terminate there); refused/timeout here.
        if (!this.emitted.includes('error')) this.emit('error', businessError(200, 'connect failed', '0'));
      }
    });
    ws.on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => {
      const payload = isBinary ? toArrayBuffer(data) : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.emit('message', undefined, payload);
      this.emit('dataEnd');
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.opened) return; // failed connect: never a 'close'
      if (code === 1006 || code === 1005) {
        this.emit('error', businessError(200, 'The link is down', '0'));
        this.emit('close', undefined, { code: 1005, reason: 'The link is down' });
        return;
      }
      this.emit('close', undefined, { code, reason: reason.toString('utf8') });
    });
    return Promise.resolve(true);
  }

  send(data: string | ArrayBuffer): Promise<boolean> {
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) {
      return Promise.reject(businessError(401, 'Parameter error: data must be string or ArrayBuffer'));
    }
    const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
    if (size > NATIVE_MAX_SEND) return Promise.reject(businessError(401, 'Parameter error: data too long'));
    if (!this.socket || !this.opened || this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(businessError(2302999, 'Websocket send failed'));
    }
    this.socket.send(typeof data === 'string' ? data : Buffer.from(data));
    return Promise.resolve(true);
  }

  close(options?: webSocket.WebSocketCloseOptions): Promise<boolean> {
    const requested = options?.code ?? 1000;
    const code = requested >= 1000 && requested <= 1015 ? requested : 1000;
    const reason = options?.reason ?? 'CLOSE_NORMAL';
    if (!this.socket) return Promise.reject(businessError(2302999, 'Websocket not connected'));
    this.closesSent.push({ code, reason });
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    // ws refuses 1004-1006 and 1012-1015 as application close codes; the native side has no such check.
    else this.socket.close(code === 1005 || code === 1006 || code === 1004 ? 1000 : code, reason);
    return Promise.resolve(true);
  }
}

export class StandinWebSocketModule {
  readonly created: StandinNativeWebSocket[] = [];
  createWebSocket(): StandinNativeWebSocket {
    const ws = new StandinNativeWebSocket();
    this.created.push(ws);
    return ws;
  }
}

function toArrayBuffer(data: ArrayBuffer | Buffer): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}
