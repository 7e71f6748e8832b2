import type { StorageAdapter } from '@concord/storage-adapters';
import type { BackoffOptions } from '../connection/backoff.js';
import type { HeartbeatOptions } from '../connection/connection.js';
import type { FetchLike, NetworkSource, RandomBytes, Timers, WebSocketCtor } from '../platform.js';

export interface ConcordOptions {
  /** `http(s)://host:port`; the socket goes to the same host under `/v1/sync` (ws/wss). */
  readonly serverUrl: string;
  /** A W3C-shaped WebSocket constructor (`ws` in Node, the platform's in browsers and on OpenHarmony). */
  readonly WebSocket: WebSocketCtor;
  readonly storage: StorageAdapter;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: FetchLike;
  /** Wall clock in ms; defaults to Date.now. */
  readonly now?: () => number;
  /** Random bytes; defaults to crypto.getRandomValues. */
  readonly random?: RandomBytes;
  readonly network?: NetworkSource;
  readonly timers?: Timers;
  readonly backoff?: Partial<BackoffOptions>;
  readonly heartbeat?: Partial<HeartbeatOptions>;
  /** Sent as deviceName on login. */
  readonly deviceName?: string;
}
