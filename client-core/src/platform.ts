/**
 * The platform seams client-core takes through its constructor, so that one client runs in a browser, in Node and in
 * an ArkTS app, and tests can drive it (the socket seam is CONN-7): a socket factory, `fetch`, a clock, a random byte
 * source and a network-state source. Nothing here is read from globals except the defaults in
 * client/options.ts.
 *
 * The socket seam is a factory returning a `SocketLike` with declared event types, not a W3C constructor with
 * loosely typed events: an OpenHarmony app (ArkTS) can satisfy a function type and nominal interfaces, but not a
 * constructor type (it needs a class expression) nor handlers taking `unknown` (HAPP-SDK-2). W3C sockets (browsers,
 * `ws` in Node) go through `w3cSocketFactory`.
 */

/** A socket opened (W3C `open`). */
export interface SocketOpenEvent {
  readonly type: string;
}
/**
 * A frame arrived. Binary frames are an ArrayBuffer or a Uint8Array view (a factory must not deliver Blobs or
 * fragment arrays); text frames are strings, which the sync protocol never sends and the client drops.
 */
export interface SocketMessageEvent {
  readonly data: ArrayBuffer | Uint8Array | string;
}
/** The socket closed; `code` is the close frame's status, or 1006 when the link failed without one (W3C). */
export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}
/** Something failed; a close event follows (W3C). `message` when the platform says what. */
export interface SocketErrorEvent {
  readonly message?: string;
}

/** The socket client-core drives: the W3C WebSocket's handler properties, readyState, send and close. */
export interface SocketLike {
  /** 0 connecting, 1 open (`WS_OPEN`), 2 closing, 3 closed, as in W3C. */
  readonly readyState: number;
  onopen: ((ev: SocketOpenEvent) => void) | null;
  onmessage: ((ev: SocketMessageEvent) => void) | null;
  onclose: ((ev: SocketCloseEvent) => void) | null;
  onerror: ((ev: SocketErrorEvent) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url` (ws: or wss:); may throw, which counts as a failed attempt (the client retries). */
export type SocketFactory = (url: string) => SocketLike;

/*
 * The W3C WebSocket as `w3cSocketFactory` uses it. The DOM's and the `ws` package's handler properties take their
 * own event classes (MessageEvent, ws's MessageEvent, ...), so a property typed `(ev: W3CMessageEvent) => void`
 * would not accept them under strictFunctionTypes; declaring the handler through a method signature makes the
 * parameter bivariant, the way DOM-event typings in @types/react do, so both classes fit without a cast. The adapter
 * only ever assigns these handlers, and reads just the fields declared below.
 */
type W3CHandler<E> = { handle(ev: E): void }['handle'];
/** What W3C sockets deliver as `data`: binaryType 'arraybuffer' gives ArrayBuffer; `ws` may give Buffer(s). */
export type W3CMessageData = string | ArrayBuffer | ArrayBufferView | readonly ArrayBufferView[];
export interface W3CWebSocket {
  binaryType: string;
  readonly readyState: number;
  onopen: W3CHandler<{ readonly type: string }> | null;
  onmessage: W3CHandler<{ readonly data: W3CMessageData }> | null;
  onclose: W3CHandler<{ readonly code: number; readonly reason: string }> | null;
  onerror: W3CHandler<{ readonly type: string; readonly message?: string }> | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type W3CWebSocketClass = new (url: string) => W3CWebSocket;

/**
 * A socket factory over a W3C WebSocket class: the browser's `WebSocket`, or `ws` (or a subclass) in Node. Binary
 * frames are asked for as ArrayBuffer, and the W3C events are translated to the declared Socket*Event shapes.
 */
export function w3cSocketFactory(WebSocketClass: W3CWebSocketClass): SocketFactory {
  return (url) => new W3CSocketAdapter(new WebSocketClass(url));
}

class W3CSocketAdapter implements SocketLike {
  onopen: ((ev: SocketOpenEvent) => void) | null = null;
  onmessage: ((ev: SocketMessageEvent) => void) | null = null;
  onclose: ((ev: SocketCloseEvent) => void) | null = null;
  onerror: ((ev: SocketErrorEvent) => void) | null = null;

  constructor(private readonly ws: W3CWebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.onopen = (ev) => this.onopen?.({ type: ev.type });
    ws.onmessage = (ev) => {
      const data = messageData(ev.data);
      if (data !== null) this.onmessage?.({ data });
    };
    ws.onclose = (ev) => this.onclose?.({ code: ev.code, reason: ev.reason });
    ws.onerror = (ev) => this.onerror?.(typeof ev.message === 'string' ? { message: ev.message } : {});
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  send(data: Uint8Array): void {
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
}

function messageData(data: W3CMessageData): ArrayBuffer | Uint8Array | string | null {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // A Blob (binaryType 'blob', which the adapter never asks for; the DOM types `data` as any): nothing the protocol
  // can read synchronously.
  if (!isViewList(data)) return null;
  // `ws` delivers a fragmented message as Buffer[] when binaryType is 'fragments'.
  let total = 0;
  for (const d of data) total += d.byteLength;
  const out = new Uint8Array(total);
  let off = 0;
  for (const d of data) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), off);
    off += d.byteLength;
  }
  return out;
}

function isViewList(data: readonly ArrayBufferView[] | object): data is readonly ArrayBufferView[] {
  return Array.isArray(data) && data.every((d) => ArrayBuffer.isView(d));
}

export const WS_OPEN = 1;

export interface FetchResponseLike {
  readonly status: number;
  readonly ok: boolean;
  text(): Promise<string>;
  /**
   * The body as bytes: needed only to fetch attachments (ATTACH-2). W3C fetch has it; optional so that a seam
   * which only speaks JSON text still fits everything else.
   */
  arrayBuffer?(): Promise<ArrayBuffer>;
}
export interface FetchInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}
export type FetchLike = (url: string, init?: FetchInitLike) => Promise<FetchResponseLike>;

/** Fills a new array with `length` cryptographically random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

/** Tells the client that the network came back, so it reconnects at once instead of waiting out its backoff. */
export interface NetworkSource {
  onOnline(callback: () => void): () => void;
}

/** Timers, injectable so a test can drive heartbeat and backoff. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function defaultRandomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * Runs `fn` after the current synchronous work, before any timer (a microtask). Not `queueMicrotask`: OpenHarmony
 * API 12 does not declare it and the app's runtime is not known to have it, while every ES2015 runtime has promises.
 * A throw from `fn` surfaces as an unhandled rejection, as loudly as queueMicrotask's uncaught error.
 */
export function microtask(fn: () => void): void {
  void Promise.resolve().then(fn);
}

/** A float in [0, 1) from 4 random bytes. */
export function randomFloat(random: RandomBytes): number {
  return randomUint32(random) / 2 ** 32;
}

function randomUint32(random: RandomBytes): number {
  const b = random(4);
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

/** A random 32-bit unsigned int usable as a Yjs clientID (Yjs itself uses uint32). */
export function randomClientId(random: RandomBytes): number {
  // 0 is avoided only for readability in logs; any uint32 is a valid Yjs client id.
  return randomUint32(random) || 1;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A random id from the ID-1 alphabet (64 symbols: one per byte, no modulo bias). */
export function randomId(random: RandomBytes, length = 16): string {
  const b = random(length);
  let s = '';
  for (let i = 0; i < length; i++) s += ID_ALPHABET[(b[i] ?? 0) & 63];
  return s;
}
