/**
 * An in-process stand-in of sync-server speaking the same protocol (SPEC.md WIRE-*, ACK-*), used to test the
 * client end to end while the real server is built. It keeps docs across stop()/start() like durable storage.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import {
  CloseCode,
  decodeFrame,
  encodeFrame,
  FrameKind,
  type Frame,
  PROTOCOL_VERSION,
  CONV_META,
  USER_CONVS,
  asConversationId,
  asDeviceId,
  asUserId,
  type CreateConversationResponse,
  type SessionIssued,
} from '@concord/protocol';
import type { FetchInitLike, FetchLike, FetchResponseLike, SocketFactory } from '../../src/platform.js';
import { blobIdOf } from '../../src/attachments/blobs.js';
import { FakeClientSocket, Link, type Acceptor, type ServerSide } from './fakeSocket.js';

interface Conn {
  side: ServerSide;
  userId: string | null;
  deviceId: string | null;
  subscribed: Set<string>;
}

export class FakeServer implements Acceptor {
  running = true;
  version = PROTOCOL_VERSION;
  cursor = 0;
  readonly docs = new Map<string, { doc: Y.Doc; changedAt: number }>();
  readonly users = new Map<string, { userId: string; password: string }>();
  readonly tokens = new Map<string, { userId: string; deviceId: string }>();
  readonly members = new Map<string, Set<string>>();
  readonly conns = new Set<Conn>();
  /** Return a reason to REJECT an update (tests of failed status). */
  rejectUpdate: ((doc: string, userId: string, update: Uint8Array) => string | null) | null = null;
  /** BLOB-1/2: blobs by `<conversationId>/<blobId>`. */
  readonly blobs = new Map<string, { bytes: Uint8Array; mime: string }>();
  /** Every blob PUT received (status answered), for assertions. */
  readonly blobPuts: { key: string; status: number }[] = [];
  /** Answer blob PUTs with this status instead (tests of retries and refusals). */
  failBlobPut: number | null = null;
  /** Every frame received, for assertions (doc names of SYNC frames). */
  readonly log: { device: string | null; frame: Frame }[] = [];
  private seq = 0;
  private readonly awareness = new Map<string, Frame>();

  readonly fetch: FetchLike = async (url, init) => this.http(url, init);

  socketFactory(link: Link = new Link()): SocketFactory {
    const acceptor: Acceptor = this;
    return (url) => new FakeClientSocket(url, acceptor, link);
  }

  stop(): void {
    this.running = false;
    for (const c of [...this.conns]) c.side.close(CloseCode.GoingAway, 'restart');
  }
  start(): void {
    this.running = true;
  }

  accept(side: ServerSide): { onMessage(data: Uint8Array): void; onClose(): void } | null {
    if (!this.running) return null;
    const conn: Conn = { side, userId: null, deviceId: null, subscribed: new Set() };
    this.conns.add(conn);
    return { onMessage: (data) => this.onMessage(conn, data), onClose: () => this.conns.delete(conn) };
  }

  private send(conn: Conn, frame: Frame): void {
    conn.side.send(encodeFrame(frame));
  }

  private docOf(name: string): Y.Doc {
    let d = this.docs.get(name);
    if (d === undefined) {
      d = { doc: new Y.Doc(), changedAt: 0 };
      this.docs.set(name, d);
    }
    return d.doc;
  }

  private canSee(userId: string, doc: string): boolean {
    if (doc === `user:${userId}`) return true;
    return doc.startsWith('conv:') && this.members.get(doc.slice(5))?.has(userId) === true;
  }

  private onMessage(conn: Conn, data: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(data);
    } catch {
      conn.side.close(CloseCode.ProtocolError);
      return;
    }
    this.log.push({ device: conn.deviceId, frame });
    if (conn.userId === null) {
      if (frame.kind !== FrameKind.Hello) return conn.side.close(CloseCode.ProtocolError);
      if (frame.version !== this.version) {
        this.send(conn, { kind: FrameKind.Error, code: 'version_mismatch', message: 'bad version' });
        return conn.side.close(CloseCode.VersionMismatch, 'version mismatch');
      }
      const auth = this.tokens.get(frame.token);
      if (auth === undefined) return conn.side.close(CloseCode.Unauthorized, 'bad token');
      conn.userId = auth.userId;
      conn.deviceId = auth.deviceId;
      const changed = [...this.docs].filter(([n, d]) => d.changedAt > frame.cursor && this.canSee(auth.userId, n)).map(([n]) => n);
      this.send(conn, { kind: FrameKind.Welcome, version: this.version, userId: auth.userId, deviceId: auth.deviceId, cursor: this.cursor, changed, serverTime: Date.now() });
      return;
    }
    const userId = conn.userId;
    switch (frame.kind) {
      case FrameKind.Sync: {
        if (!this.canSee(userId, frame.doc)) {
          this.send(conn, { kind: FrameKind.Reject, doc: frame.doc, code: 'forbidden', message: 'not a member' });
          return;
        }
        conn.subscribed.add(frame.doc);
        const doc = this.docOf(frame.doc);
        const d = decoding.createDecoder(frame.payload);
        const type = decoding.readVarUint(d);
        if (type === syncProtocol.messageYjsSyncStep1) {
          const sv = decoding.readVarUint8Array(d);
          const e = encoding.createEncoder();
          syncProtocol.writeSyncStep2(e, doc, sv);
          this.send(conn, { kind: FrameKind.Sync, doc: frame.doc, payload: encoding.toUint8Array(e) });
          const e1 = encoding.createEncoder();
          syncProtocol.writeSyncStep1(e1, doc);
          this.send(conn, { kind: FrameKind.Sync, doc: frame.doc, payload: encoding.toUint8Array(e1) });
          return;
        }
        const update = decoding.readVarUint8Array(d);
        const reason = this.rejectUpdate?.(frame.doc, userId, update) ?? null;
        if (reason !== null) {
          this.send(conn, { kind: FrameKind.Reject, doc: frame.doc, code: 'invalid_update', message: reason });
          return;
        }
        this.store(frame.doc, update, conn);
        const sv = Y.decodeStateVector(Y.encodeStateVector(doc));
        const clocks = [...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).keys()].map((client) => ({ client, clock: sv.get(client) ?? 0 }));
        this.send(conn, { kind: FrameKind.Ack, doc: frame.doc, cursor: this.cursor, clocks });
        return;
      }
      case FrameKind.Awareness:
        this.awareness.set(`${frame.doc}\u0000${conn.deviceId ?? ''}`, frame);
        for (const c of this.conns) if (c !== conn && c.subscribed.has(frame.doc)) this.send(c, frame);
        return;
      case FrameKind.QueryAwareness:
        for (const [key, f] of this.awareness) {
          if (key.startsWith(`${frame.doc}\u0000`) && !key.endsWith(`\u0000${conn.deviceId ?? ''}`)) this.send(conn, f);
        }
        return;
      case FrameKind.Ping:
        this.send(conn, { kind: FrameKind.Pong, nonce: frame.nonce });
        return;
      case FrameKind.Unsubscribe:
        conn.subscribed.delete(frame.doc);
        return;
      default:
        return;
    }
  }

  /** Store an update (durable at once here), relay it to subscribers and NOTIFY other devices that may see it. */
  private store(name: string, update: Uint8Array, from: Conn | null, applied = false): void {
    const doc = this.docOf(name);
    const before = Y.encodeStateVector(doc);
    if (!applied) Y.applyUpdate(doc, update);
    // A no-op (an empty SyncStep2 answer) is not a change: no cursor, no relay.
    if (!applied && equalBytes(before, Y.encodeStateVector(doc))) return;
    const entry = this.docs.get(name);
    if (entry !== undefined) entry.changedAt = ++this.cursor;
    const e = encoding.createEncoder();
    syncProtocol.writeUpdate(e, update);
    const payload = encoding.toUint8Array(e);
    for (const c of this.conns) {
      if (c === from || c.userId === null || !this.canSee(c.userId, name)) continue;
      if (c.subscribed.has(name)) this.send(c, { kind: FrameKind.Sync, doc: name, payload });
      else this.send(c, { kind: FrameKind.Notify, doc: name, cursor: this.cursor });
    }
  }

  private serverWrite(name: string, change: (doc: Y.Doc) => void): void {
    const doc = this.docOf(name);
    const before = Y.encodeStateVector(doc);
    doc.transact(() => change(doc));
    this.store(name, Y.encodeStateAsUpdate(doc, before), null, true);
  }

  /**
   * Writes into a doc as a server that checks nothing would (an older or a broken one): what a device must survive
   * even though the real server refuses it.
   */
  inject(name: string, change: (doc: Y.Doc) => void): void {
    this.serverWrite(name, change);
  }

  /** Close every socket of a device with 4401 and forget its token. */
  kick(deviceId: string): void {
    for (const [t, a] of this.tokens) if (a.deviceId === deviceId) this.tokens.delete(t);
    for (const c of this.conns) if (c.deviceId === deviceId) c.side.close(CloseCode.Unauthorized, 'revoked');
  }

  private id(prefix: string): string {
    return `${prefix}${++this.seq}`;
  }

  private async http(url: string, init?: FetchInitLike): Promise<FetchResponseLike> {
    const res = (status: number, body: unknown) => ({ status, ok: status < 300, text: async () => JSON.stringify(body) });
    const err = (status: number, code: string) => res(status, { error: { code, message: code } });
    if (!this.running) throw new TypeError('fetch failed');
    const u = new URL(url);
    const method = init?.method ?? 'GET';
    const token = (init?.headers?.['authorization'] ?? '').replace(/^Bearer /, '');
    const auth = this.tokens.get(token);
    const blob = /^\/v1\/conversations\/([^/]+)\/blobs\/([^/]+)$/.exec(u.pathname);
    if (blob !== null) {
      // BLOB-1/BLOB-2, the parts client-core relies on: membership, the hash check, idempotent PUT, 404 until uploaded.
      const [, conv = '', blobId = ''] = blob;
      const key = `${conv}/${blobId}`;
      if (auth === undefined) return err(401, 'unauthorized');
      if (!this.members.has(conv)) return err(404, 'not_found');
      if (this.members.get(conv)?.has(auth.userId) !== true) return err(403, 'forbidden');
      if (method === 'PUT') {
        const raw = init?.body as unknown;
        const bytes = raw instanceof Uint8Array ? raw.slice() : new TextEncoder().encode(String(raw ?? ''));
        const status = this.failBlobPut ?? (blobIdOf(bytes) !== blobId ? 400 : this.blobs.has(key) ? 200 : 201);
        this.blobPuts.push({ key, status });
        if (status === 201) this.blobs.set(key, { bytes, mime: init?.headers?.['content-type'] ?? 'application/octet-stream' });
        return status < 300 ? res(status, { blobId, size: bytes.byteLength, mime: this.blobs.get(key)?.mime }) : err(status, status === 400 ? 'blob_mismatch' : `http_${status}`);
      }
      if (method === 'GET') {
        const b = this.blobs.get(key);
        if (b === undefined) return err(404, 'not_found');
        const copy = b.bytes.slice();
        return { status: 200, ok: true, text: async () => new TextDecoder().decode(copy), arrayBuffer: async () => copy.buffer };
      }
      return err(405, 'method_not_allowed');
    }
    const body = init?.body !== undefined ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const newSession = (userId: string) => {
      const deviceId = this.id('d');
      const t = this.id('tok');
      this.tokens.set(t, { userId, deviceId });
      // The real server's answer (SessionIssued): client-core reads it with the protocol's parser.
      const issued: SessionIssued = { userId: asUserId(userId), deviceId: asDeviceId(deviceId), token: t, expiresAt: Date.now() + 30 * 24 * 3_600_000 };
      return res(201, issued);
    };
    if (method === 'POST' && u.pathname === '/v1/accounts') {
      const username = String(body['username']);
      if (this.users.has(username)) return err(409, 'conflict');
      const userId = this.id('u');
      this.users.set(username, { userId, password: String(body['password']) });
      return newSession(userId);
    }
    if (method === 'POST' && u.pathname === '/v1/sessions') {
      const user = this.users.get(String(body['username']));
      if (user === undefined || user.password !== body['password']) return err(401, 'unauthorized');
      return newSession(user.userId);
    }
    if (auth === undefined) return err(401, 'unauthorized');
    if (method === 'DELETE' && u.pathname.startsWith('/v1/sessions/')) {
      this.kick(decodeURIComponent(u.pathname.slice('/v1/sessions/'.length)));
      return res(204, {});
    }
    if (method === 'GET' && u.pathname === '/v1/users') {
      const name = u.searchParams.get('username') ?? '';
      const user = this.users.get(name);
      return user === undefined ? err(404, 'not_found') : res(200, { userId: user.userId, username: name, displayName: name });
    }
    if (method === 'POST' && u.pathname === '/v1/conversations') {
      const members = [...new Set([auth.userId, ...((body['members'] as string[]) ?? [])])];
      const id = this.id('c');
      const kind = body['kind'] === 'group' ? 'group' : 'direct';
      const title = typeof body['title'] === 'string' ? body['title'] : '';
      this.members.set(id, new Set(members));
      const createdAt = Date.now();
      this.serverWrite(`conv:${id}`, (d) => {
        const m = d.getMap(CONV_META);
        m.set('kind', kind);
        m.set('title', title);
        m.set('members', members);
        m.set('createdAt', createdAt);
        m.set('createdBy', auth.userId);
      });
      for (const member of members) {
        this.serverWrite(`user:${member}`, (d) => d.getMap(USER_CONVS).set(id, { kind, title, members, createdAt }));
      }
      const created: CreateConversationResponse = { conversationId: asConversationId(id), created: true };
      return res(201, created);
    }
    const leave = /^\/v1\/conversations\/([^/]+)\/leave$/.exec(u.pathname);
    if (method === 'POST' && leave !== null) {
      // HTTP-21 as far as MEMBER-1 needs it: the member goes, and so does the conversation from their user doc.
      const conv = leave[1] ?? '';
      if (this.members.get(conv)?.delete(auth.userId) !== true) return err(403, 'forbidden');
      this.serverWrite(`user:${auth.userId}`, (d) => d.getMap(USER_CONVS).delete(conv));
      return res(204, {});
    }
    return err(404, 'not_found');
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
