/**
 * An in-memory socket pair (client-core's SocketLike seam) for engine tests without the real server. Delivery is asynchronous
 * (setImmediate, FIFO) like a real socket. Each client gets its own `Link` so a test can cut one device's network.
 */
import type { SocketCloseEvent, SocketErrorEvent, SocketLike, SocketMessageEvent, SocketOpenEvent } from '../../src/platform.js';

export interface ServerSide {
  send(data: Uint8Array): void;
  close(code: number, reason?: string): void;
  readonly url: string;
}

export interface Acceptor {
  /** Returns the handler for the new connection, or null when the server is down. */
  accept(side: ServerSide): { onMessage(data: Uint8Array): void; onClose(): void } | null;
}

export class Link {
  up = true;
  readonly sockets = new Set<FakeClientSocket>();
  /** Cut the network: open sockets die with 1006 and new ones fail. */
  down(): void {
    this.up = false;
    for (const s of [...this.sockets]) s.die(1006, 'network down');
  }
  restore(): void {
    this.up = true;
  }
}

export class FakeClientSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: SocketOpenEvent) => void) | null = null;
  onmessage: ((ev: SocketMessageEvent) => void) | null = null;
  onclose: ((ev: SocketCloseEvent) => void) | null = null;
  onerror: ((ev: SocketErrorEvent) => void) | null = null;
  private server: { onMessage(data: Uint8Array): void; onClose(): void } | null = null;
  sentBytes = 0;
  receivedBytes = 0;

  constructor(
    readonly url: string,
    private readonly acceptor: Acceptor,
    private readonly link: Link,
  ) {
    setImmediate(() => {
      if (this.readyState !== 0) return;
      if (!link.up) return this.die(1006, 'unreachable');
      const handler = acceptor.accept({
        url,
        send: (data) => setImmediate(() => this.deliver(data)),
        close: (code, reason) => setImmediate(() => this.die(code, reason ?? '')),
      });
      if (handler === null) return this.die(1006, 'connection refused');
      this.server = handler;
      link.sockets.add(this);
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
    });
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error('socket not open');
    const copy = data.slice();
    this.sentBytes += copy.byteLength;
    setImmediate(() => {
      if (this.readyState === 1) this.server?.onMessage(copy);
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.die(code, reason);
  }

  die(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.link.sockets.delete(this);
    const server = this.server;
    this.server = null;
    server?.onClose();
    this.onclose?.({ code, reason });
  }

  private deliver(data: Uint8Array): void {
    if (this.readyState !== 1) return;
    this.receivedBytes += data.byteLength;
    // A fresh ArrayBuffer of exactly the frame, as a W3C socket with binaryType 'arraybuffer' delivers.
    this.onmessage?.({ data: data.slice().buffer });
  }
}
