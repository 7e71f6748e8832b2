/**
 * One authenticated WebSocket as the hub sees it, for both endpoints. The endpoint modules own the framing of
 * what they receive; the hub sends through this interface so it needs no knowledge of either wire format, except
 * for relays, which it frames once per endpoint kind (`frameSync`/`frameAwareness`) and sends raw.
 */
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { CloseCode, type ClockEntry, type DocName } from '@concord/protocol';
import type { AuthContext } from '../seams.js';
import type { SyncMetrics } from './metrics.js';

export type PeerKind = 'mux' | 'plain';

export interface Peer {
  readonly id: number;
  readonly kind: PeerKind;
  readonly auth: AuthContext;
  /** Sends one already framed binary message (dropped if the socket is no longer open). */
  send(data: Uint8Array): void;
  sendAck(doc: DocName, cursor: number, clocks: readonly ClockEntry[]): void;
  sendReject(doc: DocName, code: string, message: string): void;
  /** A doc the peer may see changed; only the multiplexed endpoint has a frame for it. */
  sendNotify(doc: DocName, cursor: number): void;
  /** The peer lost access to a doc it was subscribed to (after a membership change). */
  revokeDoc(doc: DocName): void;
  close(code: number, reason: string): void;
}

let nextPeerId = 1;
export function allocatePeerId(): number {
  return nextPeerId++;
}

/**
 * Sending with a bound on what a socket may hold unsent: a reader that does not drain is closed (4429) rather than
 * letting the server buffer without limit.
 */
/** How long a slow reader has to drain its buffer and read the 4429 close frame before the socket is cut. */
export const SLOW_READER_GRACE_MS = 5_000;

export class SocketSender {
  private closing = false;
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly metrics: SyncMetrics,
    private readonly log: Logger,
  ) {}

  get open(): boolean {
    return !this.closing && this.ws.readyState === this.ws.OPEN;
  }

  send(data: Uint8Array): void {
    if (!this.open) return;
    // A group commit sends each peer an ACK per update it stored and a relay per update of its docs: corked until
    // the current task ends, they leave in one write instead of one syscall each.
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!this.corked && socket !== undefined) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    this.ws.send(data);
    this.metrics.framesOut++;
    this.metrics.bytesOut += data.byteLength;
    // Corked bytes count as unsent: hand them to the kernel before judging the reader (uncorking twice is a no-op).
    if (this.ws.bufferedAmount > this.maxBufferedBytes && socket !== undefined) socket.uncork();
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.metrics.slowReaderCloses++;
      this.log.warn({ buffered: this.ws.bufferedAmount }, 'slow reader closed');
      // [BP-1] The close frame queues behind the unsent bytes: a reader that drains them within the grace period
      // reads 4429 and reconnects as told; one that does not is cut off then (it sees 1006). Nothing more is queued
      // meanwhile (closing), so the buffer stays at what it held.
      this.closing = true;
      this.ws.close(CloseCode.RateLimited, 'slow reader');
      const timer = setTimeout(() => this.ws.terminate(), SLOW_READER_GRACE_MS);
      timer.unref();
      this.ws.once('close', () => clearTimeout(timer));
    }
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
      // A peer that never answers the close handshake must not hold its socket for ws's 30 s close timeout.
      const timer = setTimeout(() => this.ws.terminate(), 2_000);
      timer.unref();
      this.ws.once('close', () => clearTimeout(timer));
    }
  }
}
