/**
 * The platform seams client-core takes through its constructor (DESIGN.md decision 8): a W3C-shaped WebSocket
 * constructor, `fetch`, a clock, a random byte source and a network-state source. Nothing here is read from globals
 * except the defaults in client/options.ts.
 */

export interface SocketMessageEvent {
  readonly data: unknown;
}
export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}

/** The part of the W3C WebSocket that client-core uses (`ws` in Node and OpenHarmony's adapter fit it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: SocketMessageEvent) => void) | null;
  onclose: ((ev: SocketCloseEvent) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketCtor = new (url: string) => WebSocketLike;

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
