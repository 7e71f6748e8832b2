/**
 * The wiring class: one socket per device, connected to the SyncEngine. Owns reconnects (exponential backoff
 * with full jitter, immediate on network-online), the application heartbeat (PING every `intervalMs`; the link is
 * dead after `maxMissed` intervals without any inbound frame) and the connection state.
 *
 * States: `offline` -> `connecting` (socket opening, HELLO sent, handshakes running) -> `online` (authenticated and
 * every initial handshake done). The close codes after which it stops reconnecting are the protocol's
 * (`isTerminalCloseCode`, CLOSE-1): 4401 (CONN-4), 4426 (CONN-5) and 4403.
 */
import { Emitter } from '../events/emitter.js';
import { CloseCode, decodeFrame, encodeFrame, FrameKind, isTerminalCloseCode, type Frame } from '@concord/protocol';
import { WS_OPEN, type SocketFactory, type SocketLike, type SocketMessageEvent, type Timers } from '../platform.js';
import type { SyncEngine } from '../sync/engine.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

export type ConnectionState = 'offline' | 'connecting' | 'online';

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Why the last connection attempt or link failed (null when none failed yet). */
  readonly reason: string | null;
}

export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly maxMissed: number;
}
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 10_000, maxMissed: 2 };

export interface ConnectionEvents {
  state: ConnectionStatus;
  /** 4401: the session is no longer valid; reconnecting stopped. */
  sessionInvalid: { readonly reason: string };
  /** 4426 or a WELCOME of another version; reconnecting stopped. */
  versionMismatch: { readonly reason: string };
}

export interface ConnectionOptions {
  readonly url: string;
  readonly openSocket: SocketFactory;
  readonly engine: SyncEngine;
  readonly timers: Timers;
  readonly random01: () => number;
  readonly backoff: BackoffOptions;
  readonly heartbeat: HeartbeatOptions;
}

/** The state's reason after a terminal close that came without one. */
const FATAL_REASON: Readonly<Record<number, string>> = {
  [CloseCode.Unauthorized]: 'session invalid',
  [CloseCode.VersionMismatch]: 'protocol version mismatch',
  [CloseCode.Forbidden]: 'closed 4403: forbidden',
};

export class Connection {
  readonly events = new Emitter<ConnectionEvents>();
  private status: ConnectionStatus = { state: 'offline', reason: null };
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private beatTimer: unknown = null;
  private silentBeats = 0;
  private nonce = 0;
  private running = false;
  private readonly offEngine: (() => void)[] = [];

  constructor(private readonly o: ConnectionOptions) {
    this.offEngine.push(
      o.engine.events.on('synced', () => {
        this.attempt = 0;
        this.setState('online', this.status.reason);
      }),
      o.engine.events.on('versionMismatch', ({ serverVersion }) => this.fatal(CloseCode.VersionMismatch, `server speaks protocol ${serverVersion}`)),
      o.engine.events.on('serverError', ({ code, message }) => {
        this.status = { state: this.status.state, reason: `${code}: ${message}` };
      }),
    );
  }

  get state(): ConnectionStatus {
    return this.status;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** The network came back: skip the backoff wait. */
  kick(): void {
    if (!this.running || this.socket !== null) return;
    this.clearRetry();
    this.attempt = 0;
    this.connect();
  }

  /** Drop the current link as if the network failed (tests, and the app going to background). */
  drop(reason = 'dropped'): void {
    if (this.socket !== null) this.linkDown(reason, true);
  }

  stop(): void {
    this.running = false;
    this.clearRetry();
    const s = this.socket;
    this.detach();
    if (s !== null) safeClose(s, CloseCode.Normal, 'client closing');
    this.setState('offline', this.status.reason);
  }

  dispose(): void {
    this.stop();
    for (const off of this.offEngine) off();
    this.events.removeAll();
  }

  private connect(): void {
    this.setState('connecting', this.status.reason);
    let socket: SocketLike;
    try {
      socket = this.o.openSocket(this.o.url);
    } catch (err) {
      this.socket = null;
      this.scheduleRetry(`cannot open socket: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.socket = socket;
    this.silentBeats = 0;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.o.engine.open((frame) => this.send(socket, frame));
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.silentBeats = 0;
      const bytes = toBytes(ev.data);
      if (bytes === null) return;
      let frame: Frame;
      try {
        frame = decodeFrame(bytes);
      } catch {
        // Untrusted input: a frame we cannot decode is dropped, the link stays.
        return;
      }
      this.o.engine.handleFrame(frame);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.onClose(ev.code, ev.reason);
    };
    socket.onerror = () => {
      // The close event follows and carries what we can know.
    };
    this.startHeartbeat(socket);
  }

  private onClose(code: number, reason: string): void {
    if (isTerminalCloseCode(code)) {
      this.fatal(code, reason.length > 0 ? reason : (FATAL_REASON[code] ?? `closed ${code}`));
      return;
    }
    this.linkDown(`closed ${code}${reason.length > 0 ? `: ${reason}` : ''}`, false);
  }

  private fatal(code: number, reason: string): void {
    this.running = false;
    this.clearRetry();
    const s = this.socket;
    this.detach();
    if (s !== null) safeClose(s, CloseCode.Normal, 'stopping');
    this.setState('offline', reason);
    // 4403 has no event of its own: the multiplexed endpoint refuses docs one by one (REJECT), so a server that
    // closes this socket with it is not one this client can work with; the state's reason says so.
    if (code === CloseCode.Unauthorized) this.events.emit('sessionInvalid', { reason });
    else if (code === CloseCode.VersionMismatch) this.events.emit('versionMismatch', { reason });
  }

  private linkDown(reason: string, closeSocket: boolean): void {
    const s = this.socket;
    this.detach();
    if (closeSocket && s !== null) safeClose(s, CloseCode.Normal, reason);
    if (this.running) this.scheduleRetry(reason);
    else this.setState('offline', reason);
  }

  private detach(): void {
    const s = this.socket;
    this.socket = null;
    if (this.beatTimer !== null) this.o.timers.clearTimeout(this.beatTimer);
    this.beatTimer = null;
    this.o.engine.close();
    if (s !== null) {
      s.onopen = null;
      s.onmessage = null;
      s.onclose = null;
      s.onerror = null;
    }
  }

  private scheduleRetry(reason: string): void {
    this.setState('offline', reason);
    const delay = backoffDelay(this.attempt++, this.o.backoff, this.o.random01);
    this.clearRetry();
    this.retryTimer = this.o.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.running && this.socket === null) this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.o.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private startHeartbeat(socket: SocketLike): void {
    const beat = (): void => {
      if (this.socket !== socket) return;
      if (this.silentBeats >= this.o.heartbeat.maxMissed) {
        this.linkDown('heartbeat timeout', true);
        return;
      }
      this.silentBeats++;
      if (socket.readyState === WS_OPEN) this.send(socket, { kind: FrameKind.Ping, nonce: this.nonce++ });
      this.beatTimer = this.o.timers.setTimeout(beat, this.o.heartbeat.intervalMs);
    };
    this.beatTimer = this.o.timers.setTimeout(beat, this.o.heartbeat.intervalMs);
  }

  private send(socket: SocketLike, frame: Frame): void {
    if (this.socket !== socket || socket.readyState !== WS_OPEN) return;
    try {
      socket.send(encodeFrame(frame));
    } catch (err) {
      this.linkDown(`send failed: ${err instanceof Error ? err.message : String(err)}`, true);
    }
  }

  private setState(state: ConnectionState, reason: string | null): void {
    if (this.status.state === state && this.status.reason === reason) return;
    this.status = { state, reason };
    this.events.emit('state', this.status);
  }
}

/** Binary frames only: the protocol sends no text frames, so a string is dropped like an undecodable frame. */
function toBytes(data: SocketMessageEvent['data']): Uint8Array | null {
  if (typeof data === 'string') return null;
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

function safeClose(socket: SocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}
