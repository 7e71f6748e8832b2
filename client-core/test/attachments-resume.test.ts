/**
 * Resumable transfers against the real sync-server on port 0 (UPLOAD-1..4, BLOB-6 on the server; ATTACH-5/6 here):
 * chunked uploads that survive a server restart and an app restart, cancel and retry, progress, and downloads in
 * ranges that go on from the parts kept. The network is the real one; a wrapper around fetch counts requests and
 * cuts the link at a chosen request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { blobPath, type ConversationId } from '@concord/protocol';
import { createConversation, register, startServer, type Session, type TestServer } from '../../sync-server/test/helpers/server.js';
import { AttachmentStore } from '../src/attachments/store.js';
import { AttachmentTransfer, type TransferProgress, type UploadRefusal } from '../src/attachments/transfer.js';
import { ingest } from '../src/attachments/ingest.js';
import { jsSha256 } from '../src/attachments/sha256.js';
import { ConcordError } from '../src/errors.js';
import type { FetchInitLike, FetchLike } from '../src/platform.js';
import { expectSame, sampleBytes } from './helpers/attachmentScenarios.js';
import { RealBackend } from './helpers/realBackend.js';
import { account, type World } from './helpers/scenarios.js';
import { clientEvents, convEvents, until, type Source } from './helpers/wait.js';
import type { Message } from '../src/conversation/conversation.js';

const CHUNK = 64 * 1024;

let srv: TestServer;
let alice: Session;
let bob: Session;
let conv: ConversationId;

beforeAll(async () => {
  srv = await startServer({ uploadLimits: { maxChunkBytes: CHUNK } });
  [alice, bob] = await Promise.all([register(srv.url, 'resume-alice'), register(srv.url, 'resume-bob')]);
  conv = (await createConversation(srv.url, alice.token, 'group', [bob.userId], 'resume')) as ConversationId;
});
afterAll(async () => {
  await srv.stop();
});

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
}

/** The real fetch, recording each request; `cut(n, sent)` true makes that request fail as a lost link would. */
function wiredFetch(cut: (n: number, s: Sent) => boolean | Promise<boolean> = () => false): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url: string, init?: FetchInitLike) => {
    const u = new URL(url);
    const s: Sent = { method: init?.method ?? 'GET', path: u.pathname + u.search, ...(init?.headers?.['range'] === undefined ? {} : { range: init.headers['range'] }) };
    sent.push(s);
    if (await cut(sent.length, s)) throw new TypeError('fetch failed');
    return globalThis.fetch(url, init as RequestInit);
  };
  return { fetch, sent };
}

function transfer(session: Session, fetch: FetchLike, storage = new MemoryStorageAdapter()) {
  const progress: TransferProgress[] = [];
  const refusals: UploadRefusal[] = [];
  const errors: Error[] = [];
  const t = new AttachmentTransfer(new AttachmentStore(storage), {
    baseUrl: srv.url,
    token: session.token,
    fetch,
    isOnline: () => true,
    refused: (r) => refusals.push(r),
    storageError: (e) => errors.push(e),
    random: (n) => new Uint8Array(randomBytes(n)),
    chunkBytes: CHUNK,
    progress: (p) => progress.push(p),
  });
  return { t, storage, progress, refusals, errors };
}

/** Stores bytes as this device's own pending attachment (what sendAttachment does) and returns the blob id. */
async function own(t: AttachmentTransfer, bytes: Uint8Array, mime = 'application/octet-stream'): Promise<string> {
  const blobId = await t.ingest(conv, { size: bytes.byteLength, read: async (o, l) => bytes.subarray(o, o + l) });
  await t.store.markPending(conv, blobId, mime, bytes.byteLength);
  return blobId;
}

const chunkOffsets = (sent: Sent[]): number[] =>
  sent.filter((s) => s.method === 'PUT' && s.path.includes('/uploads/')).map((s) => Number(new URL(s.path, 'http://x').searchParams.get('offset')));

async function serverBytes(who: Session, blobId: string): Promise<Buffer> {
  const res = await globalThis.fetch(srv.url + blobPath(conv, blobId), { headers: { Authorization: `Bearer ${who.token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('[ATTACH-5] uploads through resumable sessions', () => {
  it('[ATTACH-5] [UPLOAD-2] a large attachment goes out chunk by chunk from the stored parts, with upload progress to 100%', async () => {
    const { fetch, sent } = wiredFetch();
    const { t, progress } = transfer(alice, fetch);
    const bytes = sampleBytes(10 * CHUNK + 123, 21);
    const blobId = await own(t, bytes, 'application/pdf');
    t.kick();
    await t.settled();
    expect(chunkOffsets(sent)).toEqual(Array.from({ length: 11 }, (_, i) => i * CHUNK));
    expect(sent.some((s) => s.method === 'PUT' && s.path.includes('/blobs/'))).toBe(false);
    expect(sha(await serverBytes(bob, blobId))).toBe(blobId);
    const ups = progress.filter((p) => p.direction === 'upload' && p.blobId === blobId);
    const active = ups.filter((p) => p.state === 'active').map((p) => p.done);
    expect(active[0]).toBe(0);
    expect(active.every((d, i) => i === 0 || d >= (active[i - 1] ?? 0))).toBe(true);
    expect(ups.at(-1)).toMatchObject({ state: 'done', done: bytes.byteLength, total: bytes.byteLength, url: blobPath(conv, blobId) });
    expect(await t.store.pending()).toEqual([]);
  });

  it('[ATTACH-5] [UPLOAD-2] a link lost and the server restarted mid-upload: the upload goes on from the last acknowledged chunk, also after an app restart', async () => {
    const storage = new MemoryStorageAdapter();
    let restartAt = 4;
    const { fetch, sent } = wiredFetch(async (_n, s) => {
      if (s.method === 'PUT' && s.path.includes(`offset=${restartAt * CHUNK}`)) {
        restartAt = -1;
        await srv.restart();
        return true;
      }
      return false;
    });
    const first = transfer(alice, fetch, storage);
    const bytes = sampleBytes(8 * CHUNK + 5, 22);
    const blobId = await own(first.t, bytes);
    first.t.kick();
    await first.t.settled();
    expect(chunkOffsets(sent)).toEqual([0, 1, 2, 3, 4].map((i) => i * CHUNK));
    expect(first.progress.at(-1)).toMatchObject({ state: 'waiting', error: { code: 'network' } });
    const [record] = await first.t.store.pending();
    expect(record?.uploadId).toMatch(/^[A-Za-z0-9_-]+$/);
    first.t.dispose();

    // The app restarts: a new transfer over the same storage asks the server where the session stands.
    const second = transfer(alice, fetch, storage);
    sent.length = 0;
    second.t.kick();
    await second.t.settled();
    expect(sent[0]).toMatchObject({ method: 'GET', path: `/v1/conversations/${conv}/uploads/${record?.uploadId}` });
    expect(chunkOffsets(sent)).toEqual([4, 5, 6, 7, 8].map((i) => i * CHUNK));
    expect(sha(await serverBytes(bob, blobId))).toBe(blobId);
    expect(await second.t.store.pending()).toEqual([]);
  });

  it('[ATTACH-5] a cancelled upload stops at its next chunk and drops the server session; retry sends it again', async () => {
    const { fetch, sent } = wiredFetch();
    const { t, progress } = transfer(alice, fetch);
    const bytes = sampleBytes(12 * CHUNK, 23);
    const blobId = await own(t, bytes);
    let cancelled = false;
    const off = setInterval(() => {
      if (!cancelled && chunkOffsets(sent).length >= 3) {
        cancelled = true;
        void t.cancelUpload(conv, blobId);
      }
    }, 1);
    t.kick();
    await t.settled();
    clearInterval(off);
    const sentChunks = chunkOffsets(sent).length;
    expect(sentChunks).toBeLessThan(12);
    expect(sent.at(-1)).toMatchObject({ method: 'DELETE' });
    expect(await t.uploadProgress(conv, blobId)).toMatchObject({ state: 'cancelled', error: { code: 'cancelled' } });
    expect(progress.at(-1)).toMatchObject({ state: 'cancelled' });
    // Not uploaded by later rounds.
    t.kick();
    await t.settled();
    expect(chunkOffsets(sent)).toHaveLength(sentChunks);

    expect(await t.retry(conv, blobId, 'application/octet-stream', bytes.byteLength)).toBe(true);
    await t.settled();
    expect(sha(await serverBytes(bob, blobId))).toBe(blobId);
    expect(await t.uploadProgress(conv, blobId)).toBeNull();
  });

  it('[ATTACH-5] a given-up upload is kept as failed and re-queued when the user retries', async () => {
    const small = await startServer({ maxBlobBytes: 2 * CHUNK, uploadLimits: { maxChunkBytes: CHUNK } });
    try {
      const [a, b] = await Promise.all([register(small.url, 'giveup-alice'), register(small.url, 'giveup-bob')]);
      const c = (await createConversation(small.url, a.token, 'group', [b.userId], 'giveup')) as ConversationId;
      const progress: TransferProgress[] = [];
      const refusals: UploadRefusal[] = [];
      const t = new AttachmentTransfer(new AttachmentStore(new MemoryStorageAdapter()), {
        baseUrl: small.url,
        token: a.token,
        fetch: (url, init) => globalThis.fetch(url, init as RequestInit),
        isOnline: () => true,
        refused: (r) => refusals.push(r),
        storageError: () => undefined,
        random: (n) => new Uint8Array(randomBytes(n)),
        chunkBytes: CHUNK,
        progress: (p) => progress.push(p),
      });
      const bytes = sampleBytes(5 * CHUNK, 24);
      const blobId = await ingest(t.store, c, { size: bytes.byteLength, read: async (o, l) => bytes.subarray(o, o + l) }, { digest: jsSha256, chunkBytes: CHUNK, newStage: () => 'stage1' });
      await t.store.markPending(c, blobId, 'video/mp4', bytes.byteLength);
      t.kick();
      await t.settled();
      expect(refusals).toMatchObject([{ status: 413, code: 'too_big' }]);
      expect(await t.uploadProgress(c, blobId)).toMatchObject({ state: 'failed', error: { code: 'too_big' } });
      t.kick();
      await t.settled();
      expect(refusals).toHaveLength(1);

      await small.restart({ maxBlobBytes: 10 * CHUNK });
      expect(await t.retry(c, blobId, 'video/mp4', bytes.byteLength)).toBe(true);
      await t.settled();
      expect(progress.at(-1)).toMatchObject({ state: 'done', done: bytes.byteLength });
      const res = await globalThis.fetch(small.url + blobPath(c, blobId), { headers: { Authorization: `Bearer ${b.token}` } });
      expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(blobId);
      // Bytes this device does not have cannot be retried.
      expect(await t.retry(c, sha(randomBytes(5)), 'video/mp4', 5)).toBe(false);
    } finally {
      await small.stop();
    }
  });
});

describe('[ATTACH-6] downloads in ranges', () => {
  async function uploaded(bytes: Uint8Array): Promise<string> {
    const blobId = sha(bytes);
    const res = await globalThis.fetch(srv.url + blobPath(conv, blobId), { method: 'PUT', headers: { Authorization: `Bearer ${alice.token}` }, body: new Uint8Array(bytes) });
    expect(res.status).toBeLessThan(300);
    return blobId;
  }

  it('[ATTACH-6] a download cut off goes on from the parts kept (also after an app restart), with download progress; the bytes are checked', async () => {
    const bytes = sampleBytes(6 * CHUNK + 11, 31);
    const blobId = await uploaded(bytes);
    const attachment = { url: blobPath(conv, blobId), name: 'x.bin', mime: 'application/octet-stream', size: bytes.byteLength };
    const storage = new MemoryStorageAdapter();
    let ranges = 0;
    const { fetch, sent } = wiredFetch((_n, s) => s.range !== undefined && ++ranges === 4);
    const first = transfer(bob, fetch, storage);
    const err = await first.t.bytes(attachment).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcordError);
    expect((err as ConcordError).code).toBe('network');
    expect(first.progress.at(-1)).toMatchObject({ direction: 'download', state: 'waiting' });
    expect(await storage.listKv('bdl:')).toHaveLength(1);

    const second = transfer(bob, fetch, storage);
    sent.length = 0;
    expectSame(await second.t.bytes(attachment), bytes);
    expect(sent.map((s) => s.range)).toEqual([3, 4, 5, 6].map((i) => `bytes=${i * CHUNK}-${Math.min(bytes.byteLength, (i + 1) * CHUNK) - 1}`));
    expect(second.progress.filter((p) => p.state === 'active').map((p) => p.done)).toEqual([3, 4, 5, 6, 6].map((i, k) => (k === 4 ? bytes.byteLength : i * CHUNK)));
    expect(second.progress.at(-1)).toMatchObject({ state: 'done', done: bytes.byteLength, total: bytes.byteLength });
    expect(await storage.listKv('bdl:')).toEqual([]);
    // Kept: no request the next time.
    sent.length = 0;
    expectSame(await second.t.bytes(attachment), bytes);
    expect(sent).toEqual([]);
  });

  it('[ATTACH-6] a message that names the wrong size gets nothing kept (416 or a mismatch); a cancelled download rejects with cancelled and keeps nothing', async () => {
    const bytes = sampleBytes(3 * CHUNK, 32);
    const blobId = await uploaded(bytes);
    const { fetch } = wiredFetch();
    const { t, storage } = transfer(bob, fetch);
    const url = blobPath(conv, blobId);
    for (const size of [5 * CHUNK, 2 * CHUNK + 1]) {
      const err = await t.bytes({ url, name: 'x', mime: 'application/octet-stream', size }).catch((e: unknown) => e);
      expect((err as ConcordError).code).toBe('attachment_mismatch');
      expect(await storage.listKv()).toEqual([]);
    }
    let n = 0;
    const slow = wiredFetch(async (_i, s) => {
      if (s.range !== undefined && ++n === 2) c.t.cancelDownload(conv, blobId);
      return false;
    });
    const c = transfer(bob, slow.fetch);
    const err = await c.t.bytes({ url, name: 'x', mime: 'application/octet-stream', size: bytes.byteLength }).catch((e: unknown) => e);
    expect((err as ConcordError).code).toBe('cancelled');
    expect(await c.storage.listKv()).toEqual([]);
    expect(c.progress.at(-1)).toMatchObject({ state: 'cancelled' });
  });
});

describe('[ATTACH-5] through the client API', () => {
  it('[ATTACH-5] transfer events carry upload and download progress; cancelUpload, uploadProgress and retryUpload are what the UI calls', async () => {
    const be = await RealBackend.start({ uploadLimits: { maxChunkBytes: CHUNK } });
    const w: World = { be, devices: [] };
    try {
      const opts = { attachments: { chunkBytes: CHUNK } };
      const a = await account(w, 'alice', `ui-alice${Date.now() % 100000}`, 'register', 'memory', opts);
      const b = await account(w, 'bob', `ui-bob${Date.now() % 100000}`, 'register', 'memory', opts);
      const convId = await a.client.createConversation({ kind: 'direct', members: [b.client.session?.userId ?? ''] });
      const ca = await a.client.conversation(convId);
      const transfers: Source = (notify) => a.client.events.on('transfer', notify);
      // Offline while sending, so the message is known before its upload starts.
      be.offline(a);
      await until('alice offline', () => a.client.connection.state !== 'online', [clientEvents(a.client)]);
      const bytes = sampleBytes(10 * CHUNK + 3, 41);
      const m = await ca.sendAttachment(bytes, { type: 'file', name: 'talk.mp4', mime: 'video/mp4' });
      expect(await a.client.uploadProgress(m)).toMatchObject({ direction: 'upload', state: 'waiting', done: 0, total: bytes.byteLength });
      const events: TransferProgress[] = [];
      let tapped = false;
      a.client.events.on('transfer', (p) => {
        events.push(p);
        // The user taps cancel once the bytes started moving.
        if (p.state === 'active' && p.done >= 2 * CHUNK && !tapped) {
          tapped = true;
          void a.client.cancelUpload(m);
        }
      });
      be.online(a);
      await until('the upload is cancelled', () => events.some((e) => e.state === 'cancelled'), [transfers]);
      expect(events.filter((e) => e.state === 'active').length).toBeLessThan(11);
      expect(await a.client.uploadProgress(m)).toMatchObject({ direction: 'upload', state: 'cancelled', url: m.attachment?.url });

      expect(await a.client.retryUpload(m)).toBe(true);
      await until('the upload is done', () => events.at(-1)?.state === 'done', [transfers], 10_000);
      expect(events.at(-1)).toMatchObject({ direction: 'upload', done: bytes.byteLength, total: bytes.byteLength });
      expect(await a.client.uploadProgress(m)).toBeNull();

      const cb = await b.client.conversation(convId);
      const id = m.id;
      await until('bob has the message', () => cb.message(id) !== null, [convEvents(cb)]);
      const down: TransferProgress[] = [];
      b.client.events.on('transfer', (p) => down.push(p));
      expectSame(await b.client.attachmentBytes(cb.message(id) as Message), bytes);
      expect(down.filter((p) => p.state === 'active').length).toBeGreaterThanOrEqual(11);
      expect(down.at(-1)).toMatchObject({ direction: 'download', state: 'done', done: bytes.byteLength });
      // Not this device's upload: nothing to retry.
      expect(await b.client.uploadProgress(cb.message(id) as Message)).toBeNull();
    } finally {
      for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
      await be.stop();
    }
  }, 30_000);
});
