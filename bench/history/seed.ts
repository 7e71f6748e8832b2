/**
 * Seeds a conversation on the real server through its real protocol (issue 6 bench): two accounts registered over
 * HTTP, the direct conversation created over HTTP, then for each segment k = 0, 1, .. each user sends their own
 * messages of that segment (and their read mark, covering the other member's messages of the segment) as one Yjs
 * update from a fresh client id, over that user's authenticated `/v1/sync` socket. Segment k goes out only after
 * both updates of k-1 were acknowledged (SEG-3), an update holds at most ~600 messages (far under 1 MiB), and the
 * two updates per segment keep each connection far under TRUST-10's rates.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { FrameKind, PROTOCOL_VERSION, decodeFrame, encodeFrame, segmentDocName } from '../../protocol/src/index.ts';
import { CONV_MESSAGES, CONV_RECEIPTS, receiptKey, type MessageEntry } from '../../protocol/src/conv.ts';
import { encodeClockVector } from '../../protocol/src/coverage.ts';
import { chat, jsonBytes } from './gen.ts';

export interface Account {
  readonly username: string;
  readonly password: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly token: string;
}

export interface Seeded {
  readonly users: [Account, Account];
  readonly convId: string;
  readonly messages: number;
  readonly segments: number;
  readonly newestId: string;
  readonly oldestId: string;
  /** Sum of the UTF-8 JSON bytes of every message entry. */
  readonly rawJsonBytes: number;
  readonly seedMs: number;
  readonly updates: number;
  readonly updateBytes: number;
  readonly maxUpdateBytes: number;
  readonly retries: number;
}

async function post<T>(base: string, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function syncUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 2); // y-protocols messageYjsUpdate
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

type Outcome = { ok: true } | { ok: false; code: string; message: string };

/** One user's authenticated /v1/sync socket: send an update for a doc, resolve on its ACK or REJECT. */
class Socket {
  private readonly waiting = new Map<string, (o: Outcome) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (f.kind === FrameKind.Ack) this.settle(f.doc, { ok: true });
      else if (f.kind === FrameKind.Reject) this.settle(f.doc, { ok: false, code: f.code, message: f.message });
      else if (f.kind === FrameKind.Error) for (const doc of [...this.waiting.keys()]) this.settle(doc, { ok: false, code: f.code, message: f.message });
    });
    ws.on('close', (code) => {
      for (const doc of [...this.waiting.keys()]) this.settle(doc, { ok: false, code: `close ${code}`, message: 'socket closed' });
    });
  }

  static open(wsBase: string, token: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsBase}/v1/sync`);
      ws.binaryType = 'nodebuffer';
      ws.once('error', reject);
      ws.once('open', () => ws.send(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token, cursor: 0 })));
      const onFirst = (data: Buffer): void => {
        const f = decodeFrame(new Uint8Array(data));
        if (f.kind !== FrameKind.Welcome) return reject(new Error(`expected WELCOME, got kind ${f.kind}`));
        ws.off('message', onFirst);
        resolve(new Socket(ws));
      };
      ws.on('message', onFirst);
    });
  }

  send(doc: string, update: Uint8Array): Promise<Outcome> {
    return new Promise((resolve) => {
      if (this.waiting.has(doc)) throw new Error(`one update per doc in flight (${doc})`);
      this.waiting.set(doc, resolve);
      this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc, payload: syncUpdate(update) }));
    });
  }

  unsubscribe(doc: string): void {
    this.ws.send(encodeFrame({ kind: FrameKind.Unsubscribe, doc }));
  }

  close(): void {
    this.ws.close(1000);
  }

  private settle(doc: string, o: Outcome): void {
    const w = this.waiting.get(doc);
    if (w === undefined) return;
    this.waiting.delete(doc);
    w(o);
  }
}

const randomClient = (): number => 1 + Math.floor(Math.random() * 0xfffffffe);

/**
 * One user's part of a segment: their messages, and their read mark covering the other member's messages of the
 * segment (the mark is written last, as a device that read the segment would). Returns the update.
 */
function segmentUpdate(
  mine: readonly MessageEntry[],
  me: Account,
  client: number,
  other: { client: number; count: number },
  newestHlc: string,
  marks: boolean,
): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = client;
  const messages = doc.getMap<unknown>(CONV_MESSAGES);
  doc.transact(() => {
    for (const m of mine) messages.set(m.id, m);
  });
  if (marks) {
    const rsv = encodeClockVector(new Map(other.count > 0 ? [[other.client, other.count]] : []));
    doc.transact(() => doc.getMap<unknown>(CONV_RECEIPTS).set(receiptKey(me.userId, me.deviceId), { dsv: rsv, rsv, rhlc: newestHlc }));
  }
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

export async function seed(opts: {
  http: string;
  messages: number;
  segmentMessages: number;
  tag: string;
  seed?: number;
  /** Each user's read mark in each segment (default): everything was read, as in a conversation both follow. */
  marks?: boolean;
  log?: (s: string) => void;
}): Promise<Seeded> {
  const log = opts.log ?? (() => undefined);
  const t0 = performance.now();
  const password = 'history bench password';
  const reg = async (name: string): Promise<Account> => {
    const username = `h${opts.tag}${name}`;
    const r = await post<{ userId: string; deviceId: string; token: string }>(opts.http, '/v1/accounts', { username, password, deviceName: 'seeder' });
    return { username, password, ...r };
  };
  const alice = await reg('a');
  const bob = await reg('b');
  const { conversationId } = await post<{ conversationId: string }>(opts.http, '/v1/conversations', { kind: 'direct', members: [bob.userId] }, alice.token);
  const wsBase = opts.http.replace(/^http/, 'ws');
  const users: [Account, Account] = [alice, bob];
  const sockets = [await Socket.open(wsBase, alice.token), await Socket.open(wsBase, bob.token)];
  const gen = chat([alice.userId, bob.userId], opts.seed ?? 6);
  const segments = Math.ceil(opts.messages / opts.segmentMessages);
  let rawJsonBytes = 0;
  let updates = 0;
  let updateBytes = 0;
  let maxUpdateBytes = 0;
  let retries = 0;
  let oldestId = '';
  let newestId = '';
  for (let k = 0; k < segments; k++) {
    const count = Math.min(opts.segmentMessages, opts.messages - k * opts.segmentMessages);
    const per: MessageEntry[][] = [[], []];
    let newestHlc = '';
    for (let i = 0; i < count; i++) {
      const m = gen.next();
      rawJsonBytes += jsonBytes(m);
      per[m.author === alice.userId ? 0 : 1]?.push(m);
      if (oldestId === '') oldestId = m.id;
      newestId = m.id;
      newestHlc = m.hlc;
    }
    const doc = segmentDocName(conversationId as never, k);
    // A fresh Yjs client id per user per segment doc, as a device writing into a new segment doc has.
    let clients = [randomClient(), randomClient()];
    for (let attempt = 0; ; attempt++) {
      const ups = [0, 1].map((u) =>
        segmentUpdate(per[u] as MessageEntry[], users[u] as Account, clients[u] as number, { client: clients[1 - u] as number, count: (per[1 - u] as MessageEntry[]).length }, newestHlc, opts.marks ?? true),
      );
      const outcomes = await Promise.all(ups.map((up, u) => (sockets[u] as Socket).send(doc, up)));
      const refused = outcomes.find((o): o is Extract<Outcome, { ok: false }> => !o.ok);
      for (const up of ups) {
        updates++;
        updateBytes += up.byteLength;
        maxUpdateBytes = Math.max(maxUpdateBytes, up.byteLength);
      }
      if (refused === undefined) break;
      // TRUST-10 (rate) is the only refusal an honest seeder may meet; anything else is a finding.
      if (refused.code !== 'rate_limited' || attempt >= 5) throw new Error(`segment ${k} refused: ${refused.code}: ${refused.message}`);
      retries++;
      await new Promise((r) => setTimeout(r, 1000));
      // TRUST-12: after a refusal continue with new client ids (what was accepted stays: only resend refused parts).
      const okUsers = outcomes.map((o) => o.ok);
      if (okUsers.some(Boolean)) throw new Error(`segment ${k}: partly refused (${refused.code}: ${refused.message})`);
      clients = [randomClient(), randomClient()];
    }
    for (const s of sockets) s.unsubscribe(doc);
    if ((k + 1) % 100 === 0 || k === segments - 1) log(`seeded ${k + 1}/${segments} segments (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  for (const s of sockets) s.close();
  return {
    users,
    convId: conversationId,
    messages: opts.messages,
    segments,
    newestId,
    oldestId,
    rawJsonBytes,
    seedMs: performance.now() - t0,
    updates,
    updateBytes,
    maxUpdateBytes,
    retries,
  };
}
