/**
 * ATTACH-3: attachment bytes in chunks. The incremental SHA-256 against node:crypto; an ingest reads no more than a
 * chunk at a time, in order, reports progress up to the total, stores parts no larger than a chunk, gives the event
 * loop a turn per chunk and leaves nothing behind when it fails; abandoned parts are swept; a chunked download is
 * checked and kept in parts; and a source sent on one device arrives byte-exact on the other (in-process backend).
 */
import { waitFor } from '@concord/test-support';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { AttachmentStore } from '../src/attachments/store.js';
import { AttachmentTransfer } from '../src/attachments/transfer.js';
import { Sha256 } from '../src/attachments/sha256.js';
import type { AttachmentSource } from '../src/attachments/ingest.js';
import { blobPath } from '../src/attachments/blobs.js';
import type { FetchLike } from '../src/platform.js';
import type { ConversationId } from '@concord/protocol';
import type { Message } from '../src/conversation/conversation.js';
import { FakeBackend } from './helpers/fakeBackend.js';
import { threeDevices, type World } from './helpers/scenarios.js';
import { codeOf, expectSame, sampleBytes } from './helpers/attachmentScenarios.js';
import { convEvents, until } from './helpers/wait.js';

const CONV = 'conv1' as ConversationId;
const CHUNK = 64 * 1024;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A source over bytes that records every read. */
function recordingSource(bytes: Uint8Array, failAt?: number): AttachmentSource & { reads: { offset: number; length: number }[] } {
  const reads: { offset: number; length: number }[] = [];
  return {
    size: bytes.byteLength,
    reads,
    read(offset, length) {
      reads.push({ offset, length });
      if (failAt !== undefined && offset >= failAt) return Promise.reject(new Error('the file went away'));
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
  };
}

function transfer(storage = new MemoryStorageAdapter(), fetch: FetchLike = () => Promise.reject(new Error('offline'))) {
  const errors: Error[] = [];
  const t = new AttachmentTransfer(new AttachmentStore(storage), {
    baseUrl: 'http://srv',
    token: 'tok',
    fetch,
    isOnline: () => false,
    refused: () => undefined,
    storageError: (e) => errors.push(e),
    random: (n) => new Uint8Array(randomBytes(n)),
    chunkBytes: CHUNK,
  });
  return { t, storage, errors };
}

/** Counts turns of the event loop (a chain of 0 ms timers) and the longest gap between two of them. */
function loopWatch(): { stop: () => { turns: number; longestGapMs: number } } {
  let turns = 0;
  let longest = 0;
  let last = performance.now();
  let on = true;
  const tick = () => {
    if (!on) return;
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    turns++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    stop: () => {
      on = false;
      return { turns, longestGapMs: Math.max(longest, performance.now() - last) };
    },
  };
}

describe('ATTACH-3 chunked attachment bytes', () => {
  it('[ATTACH-3] the incremental SHA-256 equals node:crypto for any split of the input', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 70_000]) {
      const data = sampleBytes(n, n + 1);
      for (const step of [1, 7, 63, 64, 65, 4096]) {
        const s = new Sha256();
        for (let i = 0; i < n; i += step) s.update(data.subarray(i, i + step));
        expect(Buffer.from(s.digest()).toString('hex'), `${n} bytes in steps of ${step}`).toBe(sha(data));
      }
    }
  });

  it('[ATTACH-3] an ingest reads at most a chunk at a time in order, stores parts of at most a chunk, reports progress to 100% and yields to the event loop per chunk', async () => {
    const { t, storage } = transfer();
    const bytes = sampleBytes(40 * CHUNK + 123, 3);
    const src = recordingSource(bytes);
    const progress: number[] = [];
    const watch = loopWatch();
    const blobId = await t.ingest(CONV, src, (done, total) => progress.push(done / total));
    const loop = watch.stop();
    const chunks = Math.ceil(bytes.byteLength / CHUNK);
    expect(blobId).toBe(sha(bytes));
    expect(src.reads).toHaveLength(chunks);
    expect(Math.max(...src.reads.map((r) => r.length))).toBeLessThanOrEqual(CHUNK);
    expect(src.reads.map((r) => r.offset)).toEqual(Array.from({ length: chunks }, (_, i) => i * CHUNK));
    expect(progress).toHaveLength(chunks);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
    expect(progress.at(-1)).toBe(1);
    // Without a turn per chunk the timer chain would run once or twice in all.
    expect(loop.turns).toBeGreaterThanOrEqual(chunks - 1);
    const parts = await storage.listKv('bpart:');
    expect(parts).toHaveLength(chunks);
    for (const k of parts) expect((await storage.getKv(k))!.byteLength).toBeLessThanOrEqual(CHUNK);
    expect(await storage.listKv('bref:')).toEqual([`bref:${CONV}/${blobId}`]);
    expect(await storage.listKv('blob:')).toEqual([]);
    expectSame(await t.store.bytes(CONV, blobId), bytes);
  });

  it('[ATTACH-3] bytes that fit one chunk are one value; the same bytes again add no parts; a failed read leaves no parts', async () => {
    const { t, storage } = transfer();
    const small = sampleBytes(CHUNK, 4);
    const id = await t.ingest(CONV, recordingSource(small));
    expect(await storage.listKv()).toEqual([`blob:${CONV}/${id}`]);
    const big = sampleBytes(3 * CHUNK + 1, 5);
    const bigId = await t.ingest(CONV, recordingSource(big));
    const keys = await storage.listKv();
    expect(await t.ingest(CONV, recordingSource(big))).toBe(bigId);
    expect(await storage.listKv()).toEqual(keys);
    const failing = recordingSource(sampleBytes(5 * CHUNK, 6), 2 * CHUNK);
    await expect(t.ingest(CONV, failing)).rejects.toThrow('the file went away');
    expect(await storage.listKv()).toEqual(keys);
  });

  it('[ATTACH-3] parts no bref names (an ingest cut off by a crash) are swept by the next upload round; named parts stay', async () => {
    const storage = new MemoryStorageAdapter();
    const first = transfer(storage);
    const big = sampleBytes(3 * CHUNK, 7);
    const id = await first.t.ingest(CONV, recordingSource(big));
    const kept = await storage.listKv('bpart:');
    await first.t.store.putPart(CONV, 'crashedstage', 0, sampleBytes(10));
    await first.t.store.putPart(CONV, 'crashedstage', 1, sampleBytes(10));
    expect(await first.t.store.sweepStages(new Set(['crashedstage']))).toBe(0);
    let online = false;
    const again = new AttachmentTransfer(new AttachmentStore(storage), {
      baseUrl: 'http://srv',
      token: 'tok',
      fetch: () => Promise.reject(new Error('unreachable')),
      isOnline: () => online,
      refused: () => undefined,
      storageError: () => undefined,
      random: (n) => new Uint8Array(randomBytes(n)),
    });
    online = true;
    again.kick();
    await again.settled();
    expect(await storage.listKv('bpart:')).toEqual(kept);
    expectSame(await again.store.bytes(CONV, id), big);
  });

  it('[ATTACH-3] a download larger than a chunk is checked and kept in parts; bytes that do not hash to the id keep nothing', async () => {
    const big = sampleBytes(5 * CHUNK + 9, 8);
    const id = sha(big);
    let served = big;
    const fetch: FetchLike = () =>
      Promise.resolve({ status: 200, ok: true, text: () => Promise.resolve(''), arrayBuffer: () => Promise.resolve(served.slice().buffer) });
    const { t, storage } = transfer(new MemoryStorageAdapter(), fetch);
    const wrongId = sha(sampleBytes(10));
    served = big;
    expect(await codeOf(t.bytes({ url: blobPath(CONV, wrongId), name: 'x', mime: 'application/octet-stream', size: big.byteLength }))).toBe('attachment_mismatch');
    expect(await storage.listKv()).toEqual([]);
    expectSame(await t.bytes({ url: blobPath(CONV, id), name: 'x', mime: 'application/octet-stream', size: big.byteLength }), big);
    expect(await storage.listKv('bpart:')).toHaveLength(6);
    expectSame(await t.store.bytes(CONV, id), big);
  });
});

describe('ATTACH-3 through the client (in-process backend)', () => {
  let w: World;
  afterEach(async () => {
    for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
  });

  it('[ATTACH-3] an AttachmentSource sent on one device arrives byte-exact on the other, with progress to 100%', async () => {
    w = { be: new FakeBackend(), devices: [] };
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const bytes = sampleBytes(1024 * 1024 + 77, 9);
    const src = recordingSource(bytes);
    let last = 0;
    const m = await c1.sendAttachment(src, { type: 'file', name: 'big.bin', mime: 'application/octet-stream' }, { onProgress: (d, n) => (last = d / n) });
    expect(last).toBe(1);
    expect(m.attachment?.size).toBe(bytes.byteLength);
    expect(m.attachment?.url).toBe(blobPath(convId as ConversationId, sha(bytes)));
    expect(Math.max(...src.reads.map((r) => r.length))).toBeLessThanOrEqual(256 * 1024);
    const cb = await b.client.conversation(convId);
    await until('bob has the message', () => cb.message(m.id) !== null, [convEvents(cb)]);
    const downloaded = async (): Promise<boolean> => {
      const code = await codeOf(b.client.attachmentBytes(cb.message(m.id) as Message));
      // The upload may still be on its way: BLOB-2 answers 404 until then.
      if (code !== 'resolved' && code !== 'attachment_unavailable') throw new Error(`bob's download: ${code}`);
      return code === 'resolved';
    };
    await waitFor("bob's download", downloaded, { timeoutMs: 10_000, intervalMs: 20 });
    expectSame(await b.client.attachmentBytes(cb.message(m.id) as Message), bytes);
  });
});
