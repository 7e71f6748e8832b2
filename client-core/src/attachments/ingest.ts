/**
 * Attachment bytes in chunks (ATTACH-3): a picked 25 MiB file must not be read, hashed and stored in one go on the
 * UI thread of a low-end board (one readSync, a pure-JS hash of 28 s without a JIT, one 25 MiB transaction). The
 * bytes come from an `AttachmentSource` read chunk by chunk; each chunk is hashed (incrementally, natively where the
 * platform gives a digest) and stored as its own part, the event loop gets a turn between chunks, and progress is
 * reported after each one.
 */
import { toHexString } from 'lib0/buffer';
import type { ConversationId } from '@concord/protocol';
import type { DigestFactory } from './sha256.js';
import type { AttachmentStore } from './store.js';

/**
 * Where an attachment's bytes come from: its size up front, then reads of `length` bytes at `offset`, in order from
 * 0. The app's file picker adapter implements it over the platform's file API; `bytesSource` wraps bytes in memory.
 */
export interface AttachmentSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Called after each chunk with the bytes done so far and the total; the last call has `done === total`. */
export type AttachmentProgress = (done: number, total: number) => void;

/**
 * Default chunk: 256 KiB costs ~0.2 s of pure-JS SHA-256 without a JIT (the fallback's worst case per turn of the
 * event loop) and is half an RDB row part (RDB_CHUNK_BYTES), so a chunk is one row.
 */
export const ATTACHMENT_CHUNK_BYTES = 256 * 1024;

export function bytesSource(bytes: Uint8Array): AttachmentSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  };
}

/** One macrotask turn (a 0 ms timer): timers, input and rendering may run before the next chunk. */
export type NextTurn = () => Promise<void>;

export const timerTurn: NextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Reads the source chunk by chunk, in order, handing each to `each`, with a turn of the event loop after each. */
export async function eachChunk(
  source: AttachmentSource,
  chunkBytes: number,
  each: (bytes: Uint8Array, index: number) => Promise<void>,
  onProgress?: AttachmentProgress,
  nextTurn: NextTurn = timerTurn,
): Promise<void> {
  const size = source.size;
  for (let offset = 0, index = 0; offset < size; offset += chunkBytes, index++) {
    const length = Math.min(chunkBytes, size - offset);
    const bytes = await source.read(offset, length);
    // A file that shrank (or a short read) must not be hashed as if complete.
    if (bytes.byteLength !== length) throw new Error(`read ${bytes.byteLength} of ${length} bytes at offset ${offset} of ${size}`);
    await each(bytes, index);
    onProgress?.(offset + length, size);
    await nextTurn();
  }
}

export interface IngestOptions {
  readonly digest: DigestFactory;
  readonly chunkBytes: number;
  /** The turn of the event loop between chunks (client-core's injected timers; default a global 0 ms timer). */
  readonly nextTurn?: NextTurn;
  /** A fresh stage id (random, so two ingests never share parts). */
  readonly newStage: () => string;
  /** Called with the stage while it is being written, and with null when done, so a sweep leaves it alone. */
  readonly staging?: (stage: string, active: boolean) => void;
}

/** Hash of a source, chunk by chunk (a download's check against its blob id). */
export async function hashSource(source: AttachmentSource, o: Pick<IngestOptions, 'digest' | 'chunkBytes' | 'nextTurn'>, onProgress?: AttachmentProgress): Promise<string> {
  const d = o.digest();
  await eachChunk(source, o.chunkBytes, (bytes) => d.update(bytes), onProgress, o.nextTurn);
  return toHexString(await d.digest());
}

/**
 * Stores the source's bytes in the conversation and returns their blob id: one value when they fit one chunk, else
 * parts under a stage committed by a `bref` at the end. The same bytes already stored: the new parts are dropped.
 * `expectBlobId` (downloads): bytes that hash otherwise are dropped and the mismatch thrown, nothing kept.
 */
export async function ingest(
  store: AttachmentStore,
  conversationId: ConversationId,
  source: AttachmentSource,
  o: IngestOptions,
  onProgress?: AttachmentProgress,
  expectBlobId?: string,
): Promise<string> {
  const d = o.digest();
  if (source.size <= o.chunkBytes) {
    const bytes = await source.read(0, source.size);
    if (bytes.byteLength !== source.size) throw new Error(`read ${bytes.byteLength} of ${source.size} bytes`);
    await d.update(bytes);
    const blobId = toHexString(await d.digest());
    if (expectBlobId !== undefined && blobId !== expectBlobId) throw new BlobMismatch(blobId, expectBlobId);
    await store.putWhole(conversationId, blobId, bytes);
    onProgress?.(source.size, source.size);
    return blobId;
  }
  const stage = o.newStage();
  o.staging?.(stage, true);
  let parts = 0;
  try {
    await eachChunk(
      source,
      o.chunkBytes,
      async (bytes, index) => {
        await d.update(bytes);
        await store.putPart(conversationId, stage, index, bytes);
        parts = index + 1;
      },
      onProgress,
      o.nextTurn,
    );
    const blobId = toHexString(await d.digest());
    if (expectBlobId !== undefined && blobId !== expectBlobId) throw new BlobMismatch(blobId, expectBlobId);
    if (await store.has(conversationId, blobId)) await store.dropStage(conversationId, stage);
    else await store.commitParts(conversationId, blobId, stage, parts, source.size, o.chunkBytes);
    return blobId;
  } catch (err) {
    // Best effort: what is left is swept later (sweepStages).
    await store.dropStage(conversationId, stage).catch(() => undefined);
    throw err;
  } finally {
    o.staging?.(stage, false);
  }
}

/** The bytes do not hash to the blob id they were fetched as. */
export class BlobMismatch extends Error {
  constructor(
    readonly actual: string,
    readonly expected: string,
  ) {
    super(`the bytes hash to ${actual}, not to the blob id ${expected}`);
    this.name = 'BlobMismatch';
  }
}
