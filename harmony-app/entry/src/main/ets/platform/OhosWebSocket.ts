/*
 * A socket over `@ohos.net.webSocket` for client-core's `openSocket` seam (CONN-7): it implements
 * client-core's SocketLike, whose behaviour is the W3C WebSocket's (readyState, open/message/error/close, close
 * codes). The native object differs from the W3C one in ways that break a sync client (reference §2, netstack
 * source):
 *  - a failed connect emits only 'error' ({code: 200, data: "<http status>"}), never 'close': without a synthesized
 *    close the client would wait forever in CONNECTING and never schedule a reconnect;
 *  - an open link that drops emits 'error' then 'close' with 1005 (no status): W3C reports that as 1006;
 *  - close({code}) honours only 1000-1015 (anything else becomes 1000), but codes RECEIVED from the server are
 *    reported as sent (the peer-initiated-close handler decodes the frame's status), so 4401/4426 reach the client;
 *  - send() takes string | ArrayBuffer only, refuses payloads over 5 MiB - 16 bytes, and a native object can
 *    connect once (2302003 "connection already exists"), so every adapter instance creates its own.
 * The native module is injected so that Node tests can pass a stand-in; the app passes the real `webSocket`.
 */
import type webSocket from '@ohos.net.webSocket';
import type { AsyncCallback, BusinessError, ErrorCallback } from '@ohos.base';
import type {
  SocketCloseEvent,
  SocketErrorEvent,
  SocketFactory,
  SocketLike,
  SocketMessageEvent,
  SocketOpenEvent,
} from '@concord/client-core';

/** The part of the `@ohos.net.webSocket` module this adapter needs. */
/**
 * The part of `webSocket.WebSocket` the adapter calls, with the SDK's own signatures (a real WebSocket is one; the
 * Node stand-in implements just this).
 */
export interface NativeSocket {
  connect(url: string, options?: webSocket.WebSocketRequestOptions): Promise<boolean>;
  send(data: string | ArrayBuffer): Promise<boolean>;
  close(options?: webSocket.WebSocketCloseOptions): Promise<boolean>;
  on(type: 'open', callback: AsyncCallback<Object>): void;
  on(type: 'message', callback: AsyncCallback<string | ArrayBuffer>): void;
  on(type: 'close', callback: AsyncCallback<webSocket.CloseResult>): void;
  on(type: 'error', callback: ErrorCallback): void;
  off(type: 'open', callback?: AsyncCallback<Object>): void;
  off(type: 'message', callback?: AsyncCallback<string | ArrayBuffer>): void;
  off(type: 'close', callback?: AsyncCallback<webSocket.CloseResult>): void;
  off(type: 'error', callback?: ErrorCallback): void;
}

export interface NativeWebSocketModule {
  createWebSocket(): NativeSocket;
}

/** Largest payload the native send accepts (5 MiB - 16 bytes); anything larger is refused with 401. */
export const MAX_SEND_BYTES = 5 * 1024 * 1024 - 16;

// The events implement client-core's declared event interfaces by name (ArkTS has no structural typing).
export class OhosSocketEvent implements SocketOpenEvent {
  readonly type: string;
  constructor(type: string) {
    this.type = type;
  }
}
export class OhosMessageEvent extends OhosSocketEvent implements SocketMessageEvent {
  readonly data: ArrayBuffer | string;
  constructor(data: ArrayBuffer | string) {
    super('message');
    this.data = data;
  }
}
export class OhosCloseEvent extends OhosSocketEvent implements SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(
    code: number,
    reason: string,
    wasClean: boolean,
  ) {
    super('close');
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}
export class OhosErrorEvent extends OhosSocketEvent implements SocketErrorEvent {
  /** The native BusinessError code (200 for a failed connect, 401 for an oversized frame, 2302xxx ...). */
  readonly code: number;
  readonly message: string;
  constructor(
    code: number,
    message: string,
  ) {
    super('error');
    this.code = code;
    this.message = message;
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** W3C 1006: closed without a close frame (what a browser reports for a failed connect or a dropped link). */
const ABNORMAL_CLOSURE = 1006;
const NO_STATUS = 1005;
const TOO_BIG = 1009;

function isNativeCloseCode(code: number): boolean {
  return Number.isInteger(code) && code >= 1000 && code <= 1015;
}

function errorCode(err: BusinessError | undefined | null): number {
  return err !== undefined && err !== null && typeof err.code === 'number' ? err.code : 0;
}

export class OhosWebSocket implements SocketLike {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  // y-websocket and client-core compare readyState with the INSTANCE constants (no global WebSocket on ArkTS).
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly url: string;
  readyState = CONNECTING;
  // Typed as client-core's SocketLike declares them; the events passed are always the Ohos*Event classes above
  // (binary frames arrive as ArrayBuffer: the native side delivers nothing else).
  onopen: ((ev: SocketOpenEvent) => void) | null = null;
  onmessage: ((ev: SocketMessageEvent) => void) | null = null;
  onerror: ((ev: SocketErrorEvent) => void) | null = null;
  onclose: ((ev: SocketCloseEvent) => void) | null = null;

  private readonly native: NativeSocket;
  /** An 'error' seen on an open link: the following native close (1005) is then an abnormal closure. */
  private erroredWhileOpen = false;
  private opened = false;

  private readonly observer?: SocketObserver;
  constructor(
    nativeModule: NativeWebSocketModule,
    url: string,
    protocols?: string | string[],
    observer?: SocketObserver,
  ) {
    this.observer = observer;
    this.url = url;
    // One native object per connection: the native side refuses a second connect on the same object (2302003).
    this.native = nativeModule.createWebSocket();
    // Subscribe before connect(): success is only ever reported through 'open'.
    this.native.on('open', () => this.handleOpen());
    this.native.on('message', (err: BusinessError, data: string | ArrayBuffer) => this.handleMessage(err, data));
    this.native.on('error', (err: BusinessError) => this.handleError(err));
    this.native.on('close', (err: BusinessError, result: webSocket.CloseResult) => this.handleClose(err, result));
    const protocol = Array.isArray(protocols) ? protocols.join(',') : protocols;
    const options: webSocket.WebSocketRequestOptions = protocol ? { protocol } : {};
    this.native.connect(url, options).then(
      (created: boolean) => {
        if (!created) this.failConnect(0, 'connect request was not created');
      },
      (err: BusinessError) => this.failConnect(errorCode(err), err?.message ?? 'connect threw'),
    );
  }

  send(data: Uint8Array | ArrayBuffer | string): void {
    if (this.readyState === CONNECTING) throw new Error('InvalidStateError: WebSocket is still connecting');
    // W3C discards sends on a closing or closed socket instead of throwing.
    if (this.readyState !== OPEN) return;
    const payload = toNativePayload(data);
    const size = typeof payload === 'string' ? utf8Length(payload) : payload.byteLength;
    if (size > MAX_SEND_BYTES) {
      // The native side would refuse it with 401 anyway; the stream is now missing a frame, so end it with 1009
      // and let the client resync from state vectors on the next connection instead of carrying on desynced.
      this.emitError(401, `frame of ${size} bytes exceeds the ${MAX_SEND_BYTES}-byte native send limit`);
      this.close(TOO_BIG, 'frame too big');
      return;
    }
    this.native.send(payload).then(
      (ok: boolean) => {
        if (!ok) this.emitError(0, 'native send returned false');
      },
      (err: BusinessError) => this.emitError(errorCode(err), err?.message ?? 'send failed'),
    );
  }

  close(code?: number, reason?: string): void {
    // y-websocket closes an already-closed socket again: that must be a no-op, not a throw.
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    const wasConnecting = this.readyState === CONNECTING;
    this.readyState = CLOSING;
    const wanted = code ?? 1000;
    // Anything outside 1000-1015 would be silently rewritten to 1000 natively; say 1000 explicitly so what the
    // server sees is what this code intends, and report the caller's code locally if no native close follows.
    const nativeCode = isNativeCloseCode(wanted) ? wanted : 1000;
    const closeReason = reason ?? '';
    this.native.close({ code: nativeCode, reason: closeReason }).then(
      (ok: boolean) => {
        // Closing before the handshake finished: no native 'close' will come.
        if (!ok || wasConnecting) this.fireClose(wanted, closeReason, false);
      },
      () => this.fireClose(wanted, closeReason, false),
    );
  }

  private handleOpen(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.opened = true;
    this.observer?.opened();
    this.onopen?.(new OhosSocketEvent('open'));
  }

  private handleMessage(err: BusinessError | undefined, data: string | ArrayBuffer): void {
    if (errorCode(err) !== 0) {
      this.emitError(errorCode(err), err?.message ?? 'message error');
      return;
    }
    if (this.readyState !== OPEN) return;
    this.observer?.frame();
    this.onmessage?.(new OhosMessageEvent(data));
  }

  private handleError(err: BusinessError): void {
    const code = errorCode(err);
    const detail = err?.data !== undefined ? ` (http ${String(err.data)})` : '';
    if (this.readyState === CONNECTING) {
      // Failed connect: native emits 'error' and never 'close'.
      this.failConnect(code, (err?.message ?? 'connect failed') + detail);
      return;
    }
    if (this.readyState === OPEN) this.erroredWhileOpen = true;
    this.emitError(code, (err?.message ?? 'socket error') + detail);
  }

  private handleClose(err: BusinessError | undefined, result: webSocket.CloseResult | undefined): void {
    let code = result?.code ?? NO_STATUS;
    const reason = result?.reason ?? '';
    // A link that dropped without a close frame: native says 1005 after an 'error', W3C says 1006.
    if (code === NO_STATUS && (this.erroredWhileOpen || errorCode(err) !== 0)) code = ABNORMAL_CLOSURE;
    this.fireClose(code, reason, code !== ABNORMAL_CLOSURE);
  }

  private failConnect(code: number, message: string): void {
    if (this.readyState === CLOSED) return;
    this.emitError(code, message);
    this.fireClose(ABNORMAL_CLOSURE, message, false);
  }

  private emitError(code: number, message: string): void {
    this.onerror?.(new OhosErrorEvent(code, message));
  }

  private fireClose(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.native.off('open');
    this.native.off('message');
    this.native.off('error');
    this.native.off('close');
    // Only sockets that opened report closing: an old socket's late close must not cancel a newer open one.
    if (this.opened) this.observer?.closed(code);
    this.onclose?.(new OhosCloseEvent(code, reason, wasClean));
  }
}

/** Sees every socket's open, inbound frames and close: the UI's connection light beats on heartbeat replies. */
export interface SocketObserver {
  opened(): void;
  frame(): void;
  closed(code: number): void;
}

/** client-core's `openSocket`: a new OhosWebSocket (and native object) per connection attempt. */
export function ohosSocketFactory(nativeModule: NativeWebSocketModule, observer?: SocketObserver): SocketFactory {
  return (url: string): SocketLike => new OhosWebSocket(nativeModule, url, undefined, observer);
}

/** The native send has no Uint8Array overload: copy exactly the view's bytes into a fresh ArrayBuffer. */
export function toNativePayload(data: Uint8Array | ArrayBuffer | string): ArrayBuffer | string {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
