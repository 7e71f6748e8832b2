/**
 * [ATTACH-6] A download in ranges (BLOB-6): an attachment larger than one chunk is fetched a chunk at a time
 * (`Range: bytes=a-b`), each chunk stored as a part and recorded before the next is asked for, so a download cut off
 * (link lost, app closed) goes on from the last stored part, and no more than one chunk is ever in flight or in one
 * array. The parts are hashed as they come (re-hashed from storage when resumed) and checked against the blob id at
 * the end; a mismatch keeps nothing.
 */
import { toHexString } from 'lib0/buffer';
import { blobPath, type ConversationId } from '@concord/protocol';
import { ClientErrorCode, ConcordError, HttpError } from '../errors.js';
import type { FetchResponseLike } from '../platform.js';
import type { NextTurn } from './ingest.js';
import type { DigestFactory } from './sha256.js';
import type { AttachmentStore, DownloadProgress } from './store.js';
import { drain, errorOf, type Wire } from './wire.js';

export interface DownloadContext {
  readonly wire: Wire;
  readonly store: AttachmentStore;
  readonly digest: DigestFactory;
  readonly chunkBytes: number;
  readonly newStage: () => string;
  readonly progress: (done: number, total: number) => void;
  /** Checked before every range: true stops the download and drops what it stored (ATTACH-5). */
  readonly cancelled: () => boolean;
  readonly nextTurn?: NextTurn;
}

/**
 * The blob's bytes, fetched in ranges and kept; or, when the server answers a range with the whole blob (one that
 * does not do ranges), that answer for the caller to read as a whole download.
 */
export async function downloadRanges(
  ctx: DownloadContext,
  conversationId: ConversationId,
  blobId: string,
  size: number,
): Promise<{ readonly bytes: Uint8Array } | { readonly whole: FetchResponseLike }> {
  const { store } = ctx;
  let d = await store.download(conversationId, blobId);
  if (d !== null && (d.size !== size || d.partBytes !== ctx.chunkBytes)) {
    await store.endDownload(conversationId, blobId, true);
    d = null;
  }
  if (d === null) {
    d = { stage: ctx.newStage(), parts: 0, size, partBytes: ctx.chunkBytes };
    // Recorded before any part, so the sweep of abandoned stages leaves its parts alone.
    await store.setDownload(conversationId, blobId, d);
  }
  const hash = ctx.digest();
  d = await rehash(ctx, conversationId, d, hash);
  let received = Math.min(size, d.parts * d.partBytes);
  ctx.progress(received, size);
  while (received < size) {
    if (ctx.cancelled()) {
      await store.endDownload(conversationId, blobId, true);
      throw new ConcordError(ClientErrorCode.Cancelled, 'the download was cancelled');
    }
    const end = Math.min(size, received + d.partBytes) - 1;
    let res: FetchResponseLike;
    try {
      res = await ctx.wire.getBytes(blobPath(conversationId, blobId), { range: `bytes=${received}-${end}` });
    } catch (err) {
      throw unreachable(err);
    }
    if (res.status === 200) {
      await store.endDownload(conversationId, blobId, true);
      return { whole: res };
    }
    if (res.status === 404) {
      await drain(res);
      throw new HttpError(ClientErrorCode.AttachmentUnavailable, 'the server does not have this attachment yet (its sender has not uploaded it); try again later', 404);
    }
    if (res.status === 416) {
      // The message said more bytes than the blob has: these are not the bytes it names.
      await drain(res);
      await store.endDownload(conversationId, blobId, true);
      throw mismatch(blobId);
    }
    if (res.status !== 206) {
      const { code, message } = await errorOf(res);
      throw new HttpError(code, message, res.status);
    }
    if (typeof res.arrayBuffer !== 'function') {
      throw new ConcordError(ClientErrorCode.InvalidArgument, 'the fetch given to Concord cannot read binary responses (no arrayBuffer())');
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw unreachable(err);
    }
    // A short body is a link that broke off; a longer one is not what was asked for. Either way, ask again later.
    if (bytes.byteLength !== end - received + 1) throw new HttpError(ClientErrorCode.Network, `the attachment download broke off at byte ${received}`, 0);
    await hash.update(bytes);
    await store.putPart(conversationId, d.stage, d.parts, bytes);
    d = { ...d, parts: d.parts + 1 };
    await store.setDownload(conversationId, blobId, d);
    received += bytes.byteLength;
    ctx.progress(received, size);
    await ctx.nextTurn?.();
  }
  if (toHexString(await hash.digest()) !== blobId) {
    await store.endDownload(conversationId, blobId, true);
    throw mismatch(blobId);
  }
  if (await store.has(conversationId, blobId)) await store.dropStage(conversationId, d.stage);
  else await store.commitParts(conversationId, blobId, d.stage, d.parts, size, d.partBytes);
  await store.endDownload(conversationId, blobId, false);
  const bytes = await store.bytes(conversationId, blobId);
  if (bytes === undefined) throw new ConcordError(ClientErrorCode.Storage, 'the downloaded attachment could not be read back from local storage');
  return { bytes };
}

/** Feeds the parts stored so far to the hash; a missing or odd-sized part ends what counts as received. */
async function rehash(ctx: DownloadContext, conversationId: ConversationId, d: DownloadProgress, hash: ReturnType<DigestFactory>): Promise<DownloadProgress> {
  for (let i = 0; i < d.parts; i++) {
    const part = await ctx.store.part(conversationId, d.stage, i);
    const expected = Math.min(d.partBytes, d.size - i * d.partBytes);
    if (part === undefined || part.byteLength !== expected) return { ...d, parts: i };
    await hash.update(part);
  }
  return d;
}

function unreachable(err: unknown): HttpError {
  return new HttpError(
    ClientErrorCode.Network,
    `this device has no copy of the attachment and cannot reach the server: ${err instanceof Error ? err.message : String(err)}`,
    0,
  );
}

export function mismatch(blobId: string): ConcordError {
  return new ConcordError(ClientErrorCode.AttachmentMismatch, `the server's bytes do not hash to the blob id ${blobId}; nothing was kept`);
}
