/**
 * The hostile-client suite's client: raw y-protocols frames over a real socket, on either endpoint, with a replica
 * of what the server sent. It never goes through client-core, which would refuse to misbehave. Every wait has a
 * deadline; nothing sleeps.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  FrameKind,
  PROTOCOL_VERSION,
  decodeFrame,
  decodePlainConcordFrame,
  encodeFrame,
  type Frame,
  CONV_MESSAGES,
} from '@concord/protocol';

export type Endpoint = 'mux' | 'plain';

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface Reject {
  readonly code: string;
  readonly message: string;
}

export const HLC = '0000000000001';

export function syncMessage(type: 0 | 1 | 2, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

/** The update `f` makes to `d`. */
export function change(d: Y.Doc, f: (d: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(d);
  d.transact(() => f(d));
  return Y.encodeStateAsUpdate(d, before);
}

export function messageValue(author: string, rand: string, body = 'hello'): [string, Record<string, unknown>] {
  const id = `${author}.${rand}`;
  return [id, { id, author, hlc: HLC, type: 'text', body }];
}

export function setMessage(d: Y.Doc, author: string, rand: string, body = 'hello'): Uint8Array {
  const [id, value] = messageValue(author, rand, body);
  return change(d, (x) => x.getMap(CONV_MESSAGES).set(id, value));
}

type Event = { kind: 'reject'; reject: Reject } | { kind: 'ack' } | { kind: 'sync'; type: number; data: Uint8Array } | { kind: 'awareness'; update: Uint8Array } | { kind: 'other'; bytes: Uint8Array };

/** One socket of one device on one doc, on either endpoint. */
export class HostileClient {
  readonly replica = new Y.Doc();
  readonly events: Event[] = [];
  readonly closed: Promise<Closed>;
  private waiters: (() => void)[] = [];
  private closeInfo: Closed | null = null;

  private constructor(
    readonly socket: WebSocket,
    readonly endpoint: Endpoint,
    readonly doc: string,
  ) {
    socket.binaryType = 'nodebuffer';
    socket.on('error', () => undefined);
    socket.on('message', (data: Buffer) => {
      this.events.push(this.parse(new Uint8Array(data)));
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code: number, reason: Buffer) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake();
      }),
    );
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Opens a socket; with `sync` (default) subscribes to `doc` and waits for the server's state. */
  static async open(wsUrl: string, endpoint: Endpoint, token: string, doc: string, opts: { sync?: boolean } = {}): Promise<HostileClient> {
    const url = endpoint === 'mux' ? `${wsUrl}/v1/sync?token=${encodeURIComponent(token)}` : `${wsUrl}/v1/doc/${encodeURIComponent(doc)}?token=${encodeURIComponent(token)}`;
    const c = new HostileClient(new WebSocket(url), endpoint, doc);
    await within(
      new Promise<void>((resolve, reject) => {
        c.socket.once('open', () => resolve());
        c.socket.once('error', reject);
        c.socket.once('close', () => resolve());
      }),
      5000,
      'open',
    );
    if (endpoint === 'mux' && c.socket.readyState === WebSocket.OPEN) {
      c.sendRaw(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: '', cursor: 0 }));
      await c.waitFor((b) => b.kind === 'other' && b.bytes[0] === FrameKind.Welcome, 'WELCOME');
    }
    if (opts.sync !== false && c.socket.readyState === WebSocket.OPEN) {
      c.sendSync(0, Y.encodeStateVector(c.replica));
      await c.waitFor((e) => e.kind === 'sync' && e.type === 1, 'SyncStep2');
    }
    return c;
  }

  private parse(bytes: Uint8Array): Event {
    try {
      if (this.endpoint === 'mux') {
        const f: Frame = decodeFrame(bytes);
        if (f.kind === FrameKind.Reject) return { kind: 'reject', reject: { code: f.code, message: f.message } };
        if (f.kind === FrameKind.Ack) return { kind: 'ack' };
        if (f.kind === FrameKind.Awareness) return { kind: 'awareness', update: f.update };
        if (f.kind === FrameKind.Sync) return this.onSync(f.payload);
        return { kind: 'other', bytes };
      }
      if (bytes[0] === FrameKind.Sync) return this.onSync(bytes.subarray(1));
      if (bytes[0] === FrameKind.Awareness) return { kind: 'awareness', update: decoding.readVarUint8Array(decoding.createDecoder(bytes.subarray(1))) };
      const concord = decodePlainConcordFrame(bytes);
      if (concord?.kind === FrameKind.Reject) return { kind: 'reject', reject: { code: concord.code, message: concord.message } };
      if (concord?.kind === FrameKind.Ack) return { kind: 'ack' };
    } catch {
      // An undecodable server message is recorded as is; tests that care look at it.
    }
    return { kind: 'other', bytes };
  }

  private onSync(payload: Uint8Array): Event {
    const d = decoding.createDecoder(payload);
    const type = decoding.readVarUint(d);
    const data = decoding.readVarUint8Array(d);
    if (type === 1 || type === 2) Y.applyUpdate(this.replica, data, 'server');
    else if (type === 0) this.sendSync(1, Y.encodeStateAsUpdate(this.replica, data));
    return { kind: 'sync', type, data };
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }

  sendSync(type: 0 | 1 | 2, data: Uint8Array, doc = this.doc): void {
    const msg = syncMessage(type, data);
    if (this.endpoint === 'mux') this.sendRaw(encodeFrame({ kind: FrameKind.Sync, doc, payload: msg }));
    else this.sendRaw(concat(new Uint8Array([FrameKind.Sync]), msg));
  }

  sendUpdate(update: Uint8Array): void {
    this.sendSync(2, update);
  }

  sendAwareness(update: Uint8Array): void {
    if (this.endpoint === 'mux') this.sendRaw(encodeFrame({ kind: FrameKind.Awareness, doc: this.doc, update }));
    else {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, FrameKind.Awareness);
      encoding.writeVarUint8Array(e, update);
      this.sendRaw(encoding.toUint8Array(e));
    }
  }

  /** Waits for an event from index `from` on; rejects at the deadline or when the socket closes first. */
  async waitFor(match: (e: Event) => boolean, what: string, ms = 5000, from = 0): Promise<Event> {
    const deadline = Date.now() + ms;
    for (let i = from; ; ) {
      for (; i < this.events.length; i++) {
        const e = this.events[i];
        if (e !== undefined && match(e)) return e;
      }
      if (this.closeInfo !== null) throw new Error(`socket closed (${this.closeInfo.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await within(new Promise<void>((resolve) => this.waiters.push(resolve)), left, what).catch(() => undefined);
    }
  }

  /** The next REJECT after event index `from`. */
  async nextReject(from: number, ms = 5000): Promise<Reject> {
    const e = await this.waitFor((x) => x.kind === 'reject', 'REJECT', ms, from);
    if (e.kind !== 'reject') throw new Error('unreachable');
    return e.reject;
  }

  /** Sends an update and returns the server's answer to it: 'ack' or the REJECT. */
  async submit(update: Uint8Array, ms = 5000): Promise<'ack' | Reject> {
    const from = this.events.length;
    this.sendUpdate(update);
    const e = await this.waitFor((x) => x.kind === 'ack' || x.kind === 'reject', 'ACK or REJECT', ms, from);
    return e.kind === 'reject' ? e.reject : 'ack';
  }

  async waitClose(ms = 5000): Promise<Closed> {
    return within(this.closed, ms, 'close');
  }

  close(): void {
    this.socket.close();
  }
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Everything clients can see of a doc, as JSON (what "honest data unchanged" compares). */
export function docJson(d: Y.Doc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['meta', 'messages', 'edits', 'receipts']) out[name] = d.getMap(name).toJSON();
  return out;
}
