/**
 * Test harness of the sync tests: a real server (createServer) on port 0 over a temp data dir, accounts made
 * through the HTTP API, and a small client of the multiplexed protocol that records every frame and close.
 * Every wait has a deadline; nothing sleeps to wait for an event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, type ClientOptions } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  FrameKind,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameOf,
  CONV_MESSAGES,
} from '@concord/protocol';
import { createServer, type ConcordServer } from '../src/server.js';
import type { ServerOptions } from '../src/config.js';
import { createLogger, silentLogger } from '../src/log.js';
import type { SyncLimits } from '../src/seams.js';
import type { SyncServiceInternals } from '../src/sync/index.js';

export interface TestServer {
  readonly server: ConcordServer;
  readonly sync: SyncServiceInternals;
  readonly http: string;
  readonly ws: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'concord-sync-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function startTestServer(
  opts: { dataDir?: string; syncLimits?: Partial<SyncLimits> } & Pick<ServerOptions, 'clock' | 'tokenTtlMs' | 'sessionSweepMs'> = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const server = createServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: process.env['SYNC_TEST_LOG'] ? createLogger('debug') : silentLogger(),
    // Cheap hashing: these tests are about sync, and hundreds of scrypt hashes would dominate their run time.
    scrypt: { N: 1 << 10 },
    registrationLimits: { burst: 10_000 },
    conversationLimits: { createBurst: 1_000_000, addBurst: 1_000_000 },
    ...(opts.syncLimits ? { syncLimits: opts.syncLimits } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.tokenTtlMs !== undefined ? { tokenTtlMs: opts.tokenTtlMs } : {}),
    ...(opts.sessionSweepMs !== undefined ? { sessionSweepMs: opts.sessionSweepMs } : {}),
  });
  const addr = await server.listen();
  return {
    server,
    sync: server.sync as SyncServiceInternals,
    http: `http://127.0.0.1:${addr.port}`,
    ws: `ws://127.0.0.1:${addr.port}`,
    dataDir,
    close: () => server.close(),
  };
}

export interface Account {
  readonly userId: string;
  readonly deviceId: string;
  readonly token: string;
  readonly username: string;
}

let seq = 0;
export async function register(http: string, prefix = 'user'): Promise<Account> {
  const username = `${prefix}${process.pid}x${seq++}`;
  const res = await fetch(`${http}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { userId: string; deviceId: string; token: string };
  return { ...body, username };
}

export async function login(http: string, username: string): Promise<Account> {
  const res = await fetch(`${http}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  if (res.status !== 201) throw new Error(`login: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { userId: string; deviceId: string; token: string };
  return { ...body, username };
}

export async function createConversation(http: string, owner: Account, members: readonly Account[], kind: 'direct' | 'group' = 'group'): Promise<string> {
  const res = await fetch(`${http}/v1/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
    body: JSON.stringify({ kind, members: members.map((m) => m.userId) }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { conversationId: string }).conversationId;
}

export async function revoke(http: string, owner: Account, deviceId: string): Promise<void> {
  const res = await fetch(`${http}/v1/sessions/${deviceId}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner.token}` } });
  if (res.status >= 300) throw new Error(`revoke: ${res.status} ${await res.text()}`);
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
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

/** A raw WebSocket that records binary messages and the close, with deadline-bound waits. */
export class RawClient {
  readonly messages: Uint8Array[] = [];
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(
    readonly socket: WebSocket,
  ) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => {
      this.messages.push(new Uint8Array(data));
      for (const w of this.waiters.splice(0)) w();
    });
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => undefined);
  }

  static open(url: string, options?: ClientOptions): RawClient {
    return new RawClient(new WebSocket(url, options));
  }

  sendRaw(data: Uint8Array | string): void {
    this.socket.send(data);
  }

  /** Resolves with the first message from index `from` on that matches. */
  async waitMessage(match: (m: Uint8Array) => boolean, ms = 5000, from = 0): Promise<Uint8Array> {
    const deadline = Date.now() + ms;
    let i = from;
    for (;;) {
      for (; i < this.messages.length; i++) {
        const m = this.messages[i];
        if (m !== undefined && match(m)) return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await within(new Promise<void>((resolve) => this.waiters.push(resolve)), left, 'a message').catch(() => undefined);
    }
  }

  async waitClose(ms = 5000): Promise<Closed> {
    return within(this.closed, ms, 'close');
  }

  close(): void {
    this.socket.close();
  }
}

/** A client of /v1/sync speaking frames. */
export class MuxClient extends RawClient {
  static openSync(wsBase: string, opts: { queryToken?: string; options?: ClientOptions } = {}): MuxClient {
    const q = opts.queryToken !== undefined ? `?token=${encodeURIComponent(opts.queryToken)}` : '';
    return new MuxClient(new WebSocket(`${wsBase}/v1/sync${q}`, opts.options));
  }

  /** Connects, says HELLO and returns WELCOME. */
  static async connect(wsBase: string, token: string, cursor = 0): Promise<{ client: MuxClient; welcome: FrameOf<typeof FrameKind.Welcome> }> {
    const client = MuxClient.openSync(wsBase);
    await within(client.opened, 5000, 'open');
    client.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token, cursor });
    const welcome = await client.waitFrame(FrameKind.Welcome);
    return { client, welcome };
  }

  sendFrame(frame: Frame): void {
    this.sendRaw(encodeFrame(frame));
  }

  frames(): Frame[] {
    return this.messages.map((m) => decodeFrame(m));
  }

  async waitFrame<K extends Frame['kind']>(kind: K, match: (f: Extract<Frame, { kind: K }>) => boolean = () => true, ms = 5000): Promise<Extract<Frame, { kind: K }>> {
    const m = await this.waitMessage((bytes) => {
      const f = decodeFrame(bytes);
      return f.kind === kind && match(f as Extract<Frame, { kind: K }>);
    }, ms);
    return decodeFrame(m) as Extract<Frame, { kind: K }>;
  }

  /** Sends SyncStep1 for a doc from `ydoc` (subscribes). */
  syncStep1(doc: string, ydoc: Y.Doc): void {
    this.sendFrame({ kind: FrameKind.Sync, doc, payload: syncMessage(0, Y.encodeStateVector(ydoc)) });
  }

  sendUpdate(doc: string, update: Uint8Array): void {
    this.sendFrame({ kind: FrameKind.Sync, doc, payload: syncMessage(2, update) });
  }
}

export function syncMessage(type: 0 | 1 | 2, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

/** The Yjs update a change to a fresh replica of `base` produces. */
export function updateOf(ydoc: Y.Doc, change: (d: Y.Doc) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  const on = (u: Uint8Array): void => {
    parts.push(u);
  };
  ydoc.on('update', on);
  ydoc.transact(() => change(ydoc));
  ydoc.off('update', on);
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Y.mergeUpdates(parts);
}

/** The type and data of a y-protocols sync message. */
export function readSync(payload: Uint8Array): { type: number; data: Uint8Array } {
  const d = decoding.createDecoder(payload);
  const type = decoding.readVarUint(d);
  return { type, data: decoding.readVarUint8Array(d) };
}

/** A conversation's segment doc name (SEG-1): segment 0 is `conv:<id>`. */
export function segmentName(conversationId: string, k: number): string {
  return k === 0 ? `conv:${conversationId}` : `conv:${conversationId}/${k}`;
}

let chatSeq = 0;
/** One schema-conformant text message by `author`, as the update that adds it to `ydoc`. */
export function chatMessage(ydoc: Y.Doc, author: Account, body = 'hi'): Uint8Array {
  const id = `${author.userId}.h${chatSeq++}`;
  return updateOf(ydoc, (d) => d.getMap(CONV_MESSAGES).set(id, { id, author: author.userId, hlc: '0000000000000', type: 'text', body }));
}

/** The first frame of `kind` from message index `from` on that matches. */
export async function nextFrame<K extends Frame['kind']>(c: MuxClient, from: number, kind: K, match: (f: Extract<Frame, { kind: K }>) => boolean = () => true): Promise<Extract<Frame, { kind: K }>> {
  const m = await c.waitMessage((bytes) => {
    const f = decodeFrame(bytes);
    return f.kind === kind && match(f as Extract<Frame, { kind: K }>);
  }, 5000, from);
  return decodeFrame(m) as Extract<Frame, { kind: K }>;
}

/**
 * Subscribes to a doc and returns a replica holding what the server sent; with `follow`, the replica keeps applying
 * what the server relays afterwards.
 */
export async function openDoc(c: MuxClient, doc: string, opts: { follow?: boolean } = {}): Promise<Y.Doc> {
  const ydoc = new Y.Doc();
  const from = c.messages.length;
  c.syncStep1(doc, ydoc);
  const step2 = await nextFrame(c, from, FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 1);
  Y.applyUpdate(ydoc, readSync(step2.payload).data);
  await nextFrame(c, from, FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
  if (opts.follow === true) {
    let seen = c.messages.length;
    c.socket.on('message', () => {
      for (; seen < c.messages.length; seen++) {
        const bytes = c.messages[seen];
        if (bytes === undefined) continue;
        const f = decodeFrame(bytes);
        if (f.kind === FrameKind.Sync && f.doc === doc && f.payload[0] !== 0) Y.applyUpdate(ydoc, readSync(f.payload).data);
      }
    });
  }
  return ydoc;
}

/** Sends an update and returns the server's answer to it: ACK or REJECT. */
export async function sendUpdate(c: MuxClient, doc: string, update: Uint8Array): Promise<Frame> {
  const from = c.messages.length;
  c.sendUpdate(doc, update);
  const m = await c.waitMessage((bytes) => {
    const f = decodeFrame(bytes);
    return (f.kind === FrameKind.Ack || f.kind === FrameKind.Reject) && f.doc === doc;
  }, 5000, from);
  return decodeFrame(m);
}
