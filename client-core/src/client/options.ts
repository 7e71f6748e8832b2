import type { StorageAdapter } from '@concord/storage-adapters';
import type { BackoffOptions } from '../connection/backoff.js';
import type { HeartbeatOptions } from '../connection/connection.js';
import type { FetchLike, NetworkSource, RandomBytes, SocketFactory, Timers } from '../platform.js';
import type { DigestFactory } from '../attachments/sha256.js';

export interface ConcordOptions {
  /** `http(s)://host:port`; the socket goes to the same host under `/v1/sync` (ws/wss). */
  readonly serverUrl: string;
  /**
   * Opens the sync socket: `w3cSocketFactory(WebSocket)` in browsers and with `ws` in Node; OpenHarmony passes
   * its adapter over `@ohos.net.webSocket`. Called once per connection attempt, with the ws(s) URL.
   */
  readonly openSocket: SocketFactory;
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
  /** Attachment bytes in chunks (ATTACH-3). */
  readonly attachments?: {
    /** SHA-256 in pieces; a platform with a native digest passes it (default: the pure-JS one). */
    readonly digest?: DigestFactory;
    /** Bytes per read, hash update and stored part (default ATTACHMENT_CHUNK_BYTES, 256 KiB); also an upload's chunk. */
    readonly chunkBytes?: number;
    /** Attachments up to this size are uploaded in one PUT, larger ones in resumable chunks (default 4 chunks). */
    readonly resumableAboveBytes?: number;
  };
  /** Bounded history (SEG-7). */
  readonly history?: {
    /**
     * Keep only this many newest segments of each conversation in local storage; older ones, once read and
     * acknowledged, are deleted locally when they leave memory and fetched again when paged to. Default: keep all.
     */
    readonly keepLocalSegments?: number;
    /**
     * Messages after which this device starts a new segment (SEG-2; default SEGMENT_MESSAGES). Devices need not
     * agree on it: a message's segment is wherever its writer put it. Tests use small values.
     */
    readonly segmentMessages?: number;
  };
}
