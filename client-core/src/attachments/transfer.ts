/**
 * Moving attachment bytes between this device and the server (ATTACH-1, ATTACH-2, ATTACH-5, ATTACH-6; the server
 * side is BLOB-1/2/6 and UPLOAD-1..4).
 *
 * Uploads: every pending upload in the kv goes out whenever the connection comes online (and right after a send
 * while online): one PUT when small, else chunk by chunk through a resumable session (upload.ts). Accepted: the
 * record goes, the bytes stay as the local copy. Unreachable, 401, 408, 429 and 5xx: the record stays, and the round
 * is tried again after a backoff while online (and on every new connection). Any other 4xx is final (not a member any
 * more, too big, bad mime): the record is kept as failed, the refusal reported, and nothing more happens until the
 * user retries it (`retry`). `cancel` stops an upload at its next chunk and keeps it the same way.
 *
 * Downloads: the local copy first; else fetched (in ranges above one chunk, resumed from the parts kept, download.ts),
 * checked against the blob id, kept, returned. Every transfer reports progress (`TransferProgress`).
 */
import { ClientErrorCode, ConcordError, HttpError, InvalidInputError } from '../errors.js';
import { randomId, type FetchLike, type FetchResponseLike, type RandomBytes, type Timers } from '../platform.js';
import { type ConversationId, type Attachment } from '@concord/protocol';
import { blobPath, parseBlobUrl } from './blobs.js';
import { downloadRanges, mismatch } from './download.js';
import { ATTACHMENT_CHUNK_BYTES, BlobMismatch, bytesSource, hashSource, ingest, type AttachmentProgress, type AttachmentSource, type IngestOptions } from './ingest.js';
import { jsSha256, type DigestFactory } from './sha256.js';
import type { AttachmentStore, PendingUpload } from './store.js';
import { CANCELLED, uploadOne, type UploadOutcome } from './upload.js';
import { drain, errorOf, Wire } from './wire.js';

/**
 * What to do after one upload attempt, from its HTTP status (0: the server could not be reached):
 * `done` (accepted), `next` (keep it for the next connection, go on with the others), `stop` (keep it and end this
 * round: the others would fail the same way), `give_up` (final refusal: drop the record and report it).
 */
export type UploadDecision = 'done' | 'next' | 'stop' | 'give_up';

export function uploadDecision(status: number): UploadDecision {
  if (status >= 200 && status < 300) return 'done';
  // Unreachable, or the session was refused: CONN-4 ends this runtime and the next login's uploader retries.
  if (status === 0 || status === 401) return 'stop';
  // Request timeout and rate limiting are 4xx that say "later", not "never".
  if (status === 408 || status === 429) return 'next';
  if (status >= 400 && status < 500) return 'give_up';
  return 'next';
}

export interface UploadRefusal {
  readonly conversationId: ConversationId;
  readonly blobId: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/**
 * [ATTACH-5] Where one attachment's transfer stands, for a progress bar: `active` while bytes move, `waiting` for
 * the next try (offline, or the server said later), `done`, `failed` (given up: `error` says why; uploads wait for
 * `retryUpload`), `cancelled` by the user.
 */
export interface TransferProgress {
  readonly direction: 'upload' | 'download';
  readonly conversationId: ConversationId;
  readonly blobId: string;
  /** The attachment's url (BLOB-1 path), as in the message. */
  readonly url: string;
  readonly state: 'active' | 'waiting' | 'done' | 'failed' | 'cancelled';
  readonly done: number;
  readonly total: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** After a round that left uploads for later while online: the next try waits this long, doubling up to the cap. */
const RETRY_BASE_MS = 1000;
const RETRY_CAP_MS = 60_000;

export interface AttachmentTransferOptions {
  /** The HTTP API's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: FetchLike;
  /** Uploads run only while this is true; `kick` on the way online. */
  readonly isOnline: () => boolean;
  /** An upload refused for good (see `uploadDecision`). */
  readonly refused: (r: UploadRefusal) => void;
  readonly storageError: (err: Error) => void;
  /** Stage ids of chunked attachments. */
  readonly random: RandomBytes;
  /** SHA-256 in pieces (ATTACH-3); default: the pure-JS one. */
  readonly digest?: DigestFactory;
  /** Chunk size of reads, hashing and stored parts (ATTACH-3); default ATTACHMENT_CHUNK_BYTES. */
  readonly chunkBytes?: number;
  /** The 0 ms timer between chunks (ATTACH-3) and the retry backoff; default the global ones. */
  readonly timers?: Timers;
  /** Blobs up to this size go in one PUT; larger ones through a resumable session (UPLOAD-1). Default 4 chunks. */
  readonly resumableAboveBytes?: number;
  /** [ATTACH-5] Every change of a transfer's progress or state. */
  readonly progress?: (p: TransferProgress) => void;
}

export class AttachmentTransfer {
  private round: Promise<void> | null = null;
  private again = false;
  private disposed = false;
  /** Conversations being deleted (MEMBER-1): their in-flight uploads' refusals (403 now) are expected, not news. */
  private readonly forgotten = new Set<string>();
  private readonly downloads = new Map<string, Promise<Uint8Array>>();
  /** Stages being written now (ATTACH-3): the sweep of abandoned parts leaves them alone. */
  private readonly staging = new Set<string>();
  private swept = false;
  private readonly chunking: IngestOptions;
  private readonly wire: Wire;
  private readonly timers: Timers | null;
  /** Uploads and downloads the user cancelled, by `<conversationId>/<blobId>`, until their loop notices. */
  private readonly cancelledUploads = new Set<string>();
  private readonly cancelledDownloads = new Set<string>();
  /** The upload in progress now (one at a time), by `<conversationId>/<blobId>`. */
  private uploading: string | null = null;
  private retryTimer: unknown = null;
  private retryDelay = RETRY_BASE_MS;

  constructor(
    readonly store: AttachmentStore,
    private readonly o: AttachmentTransferOptions,
  ) {
    this.chunking = {
      digest: o.digest ?? jsSha256,
      chunkBytes: o.chunkBytes ?? ATTACHMENT_CHUNK_BYTES,
      ...(o.timers !== undefined ? { nextTurn: turnOn(o.timers) } : {}),
      newStage: () => randomId(o.random),
      staging: (stage, active) => {
        if (active) this.staging.add(stage);
        else this.staging.delete(stage);
      },
    };
    this.wire = new Wire(o.baseUrl, o.token, o.fetch);
    this.timers = o.timers ?? null;
  }

  /**
   * ATTACH-3: store a source's bytes in the conversation chunk by chunk (read, hashed, stored, a turn of the event
   * loop between chunks) and return their blob id.
   */
  ingest(conversationId: ConversationId, source: AttachmentSource, onProgress?: AttachmentProgress): Promise<string> {
    return ingest(this.store, conversationId, source, this.chunking, onProgress);
  }

  /** Start an upload round now if online; one is running: run another after it (new records may have come). */
  kick(): void {
    if (this.disposed || !this.o.isOnline()) return;
    if (this.round !== null) {
      this.again = true;
      return;
    }
    this.round = this.rounds().finally(() => {
      this.round = null;
    });
  }

  /** The current round (tests). */
  async settled(): Promise<void> {
    while (this.round !== null) await this.round;
  }

  /**
   * Stop: no new round, and a request in flight touches no storage when it ends (the store may be closed or wiped
   * by then); its record stays, and the next session uploads it again (BLOB-1 answers 200 to a repeat).
   */
  dispose(): void {
    this.disposed = true;
    if (this.retryTimer !== null) this.timers?.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * [ATTACH-5] Puts a given-up or cancelled upload back in the queue (the user tapped retry) and starts a round.
   * Bytes this device has but no record for (uploaded before, or a record lost) are queued again too: the server
   * answers 200 for a blob it has. False when this device does not have the bytes.
   */
  async retry(conversationId: ConversationId, blobId: string, mime: string, size: number): Promise<boolean> {
    this.cancelledUploads.delete(`${conversationId}/${blobId}`);
    if (!(await this.store.updateUpload(conversationId, blobId, { failure: null }))) {
      if (!(await this.store.has(conversationId, blobId))) return false;
      await this.store.markPending(conversationId, blobId, mime, size);
    }
    this.report('upload', conversationId, blobId, 'waiting', 0, size);
    this.retryDelay = RETRY_BASE_MS;
    this.kick();
    return true;
  }

  /**
   * [ATTACH-5] Stops an upload: at its next chunk when it is running, at once otherwise. The record stays, marked
   * `cancelled`, so `retry` can queue it again (the server's session is dropped; a retry starts a new one).
   */
  async cancelUpload(conversationId: ConversationId, blobId: string): Promise<void> {
    const key = `${conversationId}/${blobId}`;
    const p = await this.store.upload(conversationId, blobId);
    if (p === null || p.failure !== undefined) return;
    if (this.uploading === key) {
      this.cancelledUploads.add(key);
      return;
    }
    await this.markCancelled(p);
  }

  /** [ATTACH-5] Stops a download at its next range; its `bytes()` rejects with `cancelled` and keeps nothing. */
  cancelDownload(conversationId: ConversationId, blobId: string): void {
    const key = `${conversationId}/${blobId}`;
    if (this.downloads.has(key)) this.cancelledDownloads.add(key);
  }

  /** [ATTACH-5] Where this device's upload of the blob stands; null when there is none (done, or not this device's). */
  async uploadProgress(conversationId: ConversationId, blobId: string): Promise<TransferProgress | null> {
    const p = await this.store.upload(conversationId, blobId);
    if (p === null) return null;
    const base = { direction: 'upload' as const, conversationId, blobId, url: blobPath(conversationId, blobId), done: 0, total: p.size };
    if (p.failure !== undefined) {
      return { ...base, state: p.failure.code === ClientErrorCode.Cancelled ? 'cancelled' : 'failed', error: { code: p.failure.code, message: p.failure.message } };
    }
    return { ...base, state: this.uploading === `${conversationId}/${blobId}` ? 'active' : 'waiting' };
  }

  /** MEMBER-1: the conversation is being deleted from this device: none of its uploads starts or is reported now. */
  forgetting(conversationId: ConversationId): void {
    this.forgotten.add(conversationId);
  }

  /**
   * MEMBER-1: drop the conversation's pending uploads and bytes. Afterwards the conversation is like any other
   * again: if the account is added back, what it sends there goes out.
   */
  async forget(conversationId: ConversationId): Promise<void> {
    this.forgotten.add(conversationId);
    try {
      await this.store.forget(conversationId);
    } finally {
      this.forgotten.delete(conversationId);
    }
  }

  /** ATTACH-2: the bytes of an attachment, from this device if it has them, else from the server (kept after). */
  async bytes(attachment: Attachment): Promise<Uint8Array> {
    const ref = parseBlobUrl(attachment.url);
    if (ref === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `not a blob url of this server: ${JSON.stringify(attachment.url)}`);
    const local = await this.store.bytes(ref.conversationId, ref.blobId);
    if (local !== undefined) return local;
    const key = `${ref.conversationId}/${ref.blobId}`;
    let p = this.downloads.get(key);
    if (p === undefined) {
      const size = attachment.size;
      p = this.download(ref.conversationId, ref.blobId, size).then(
        (bytes) => {
          this.report('download', ref.conversationId, ref.blobId, 'done', bytes.byteLength, bytes.byteLength);
          return bytes;
        },
        (err: unknown) => {
          const code = err instanceof ConcordError ? err.code : ClientErrorCode.Network;
          const state = code === ClientErrorCode.Cancelled ? 'cancelled' : code === ClientErrorCode.Network ? 'waiting' : 'failed';
          this.report('download', ref.conversationId, ref.blobId, state, 0, size, { code, message: err instanceof Error ? err.message : String(err) });
          throw err;
        },
      );
      const settled = p.finally(() => {
        this.downloads.delete(key);
        this.cancelledDownloads.delete(key);
      });
      settled.catch(() => undefined);
      this.downloads.set(key, p);
    }
    return p;
  }

  private async download(conversationId: ConversationId, blobId: string, size: number): Promise<Uint8Array> {
    const key = `${conversationId}/${blobId}`;
    let whole: FetchResponseLike | null = null;
    if (Number.isSafeInteger(size) && size > this.chunking.chunkBytes) {
      // [ATTACH-6] In ranges, resumable; a server without ranges answers the whole blob, read below.
      const got = await downloadRanges(
        {
          wire: this.wire,
          store: this.store,
          digest: this.chunking.digest,
          chunkBytes: this.chunking.chunkBytes,
          newStage: this.chunking.newStage,
          progress: (done, total) => this.report('download', conversationId, blobId, 'active', done, total),
          cancelled: () => this.cancelledDownloads.has(key),
          ...(this.chunking.nextTurn === undefined ? {} : { nextTurn: this.chunking.nextTurn }),
        },
        conversationId,
        blobId,
        size,
      );
      if ('bytes' in got) return got.bytes;
      whole = got.whole;
    }
    let res: FetchResponseLike;
    try {
      res = whole ?? (await this.wire.getBytes(blobPath(conversationId, blobId)));
    } catch (err) {
      throw new HttpError(
        ClientErrorCode.Network,
        `this device has no copy of the attachment and cannot reach the server: ${err instanceof Error ? err.message : String(err)}`,
        0,
      );
    }
    if (res.status === 404) {
      await drain(res);
      throw new HttpError(ClientErrorCode.AttachmentUnavailable, 'the server does not have this attachment yet (its sender has not uploaded it); try again later', 404);
    }
    if (res.status < 200 || res.status >= 300) {
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
      throw new HttpError(ClientErrorCode.Network, `the attachment download broke off: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    // Checked and kept chunk by chunk (ATTACH-3): a 25 MiB download is not hashed or written in one go either.
    try {
      await ingest(this.store, conversationId, bytesSource(bytes), this.chunking, undefined, blobId);
    } catch (err) {
      if (err instanceof BlobMismatch) throw mismatch(blobId);
      // The bytes may be good; not keeping them only costs a fetch next time. They are checked before use.
      this.o.storageError(err instanceof Error ? err : new Error(String(err)));
      if ((await hashSource(bytesSource(bytes), this.chunking)) !== blobId) throw mismatch(blobId);
    }
    return bytes;
  }

  private report(
    direction: TransferProgress['direction'],
    conversationId: ConversationId,
    blobId: string,
    state: TransferProgress['state'],
    done: number,
    total: number,
    error?: { code: string; message: string },
  ): void {
    if (this.disposed || this.o.progress === undefined) return;
    const p: TransferProgress = { direction, conversationId, blobId, url: blobPath(conversationId, blobId), state, done, total, ...(error === undefined ? {} : { error }) };
    try {
      this.o.progress(p);
    } catch {
      // An app's listener that throws must not break the transfer.
    }
  }

  private async markCancelled(p: PendingUpload): Promise<void> {
    if (p.uploadId !== undefined) {
      // Best effort: a session left behind expires on the server (UPLOAD-4).
      await this.wire.send('DELETE', `/v1/conversations/${p.conversationId}/uploads/${p.uploadId}`);
    }
    await this.store.updateUpload(p.conversationId, p.blobId, { uploadId: null, failure: { code: CANCELLED.code, message: CANCELLED.message, status: 0 } });
    this.report('upload', p.conversationId, p.blobId, 'cancelled', 0, p.size, { code: CANCELLED.code, message: CANCELLED.message });
  }

  /** While online, a round that left uploads for later runs again after a backoff (not only on the next connection). */
  private scheduleRetry(): void {
    if (this.disposed || this.timers === null || this.retryTimer !== null) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(RETRY_CAP_MS, this.retryDelay * 2);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }

  private async rounds(): Promise<void> {
    let later = false;
    do {
      this.again = false;
      try {
        later = await this.uploadAll();
      } catch (err) {
        if (!this.disposed) this.o.storageError(err instanceof Error ? err : new Error(String(err)));
      }
    } while (this.again && !this.disposed && this.o.isOnline());
    if (later && this.o.isOnline()) this.scheduleRetry();
    else if (!later) this.retryDelay = RETRY_BASE_MS;
  }

  /** One pass over the pending uploads; true when some are left for a later try. */
  private async uploadAll(): Promise<boolean> {
    if (!this.swept) {
      // Once per runtime: parts an ingest left when the app died mid-pick (ATTACH-3).
      this.swept = true;
      await this.store.sweepStages(this.staging);
    }
    let later = false;
    for (const p of await this.store.pending()) {
      if (this.disposed || !this.o.isOnline()) return true;
      if (this.forgotten.has(p.conversationId) || p.failure !== undefined) continue;
      const source = await this.store.source(p.conversationId, p.blobId);
      if (source === undefined) {
        // The local copy is gone (storage damaged): nothing to upload, ever.
        await this.store.uploaded(p.conversationId, p.blobId);
        continue;
      }
      const key = `${p.conversationId}/${p.blobId}`;
      this.uploading = key;
      let result: UploadOutcome;
      try {
        result = await uploadOne(
          {
            wire: this.wire,
            store: this.store,
            chunkBytes: this.chunking.chunkBytes,
            resumableAbove: this.o.resumableAboveBytes ?? 4 * this.chunking.chunkBytes,
            progress: (done, total) => this.report('upload', p.conversationId, p.blobId, 'active', done, total),
            cancelled: () => this.cancelledUploads.has(key) || this.disposed,
            ...(this.chunking.nextTurn === undefined ? {} : { nextTurn: this.chunking.nextTurn }),
          },
          p,
          source,
        );
      } finally {
        this.uploading = null;
      }
      if (this.disposed) return true;
      if (result === CANCELLED) {
        this.cancelledUploads.delete(key);
        const current = await this.store.upload(p.conversationId, p.blobId);
        if (current !== null) await this.markCancelled(current);
        continue;
      }
      const { status, code, message } = result;
      const decision = uploadDecision(status);
      if (decision === 'stop' || decision === 'next') {
        this.report('upload', p.conversationId, p.blobId, 'waiting', 0, p.size, { code, message });
        later = true;
        if (decision === 'stop') return true;
        continue;
      }
      if (decision === 'done') {
        await this.store.uploaded(p.conversationId, p.blobId);
        this.report('upload', p.conversationId, p.blobId, 'done', p.size, p.size);
        continue;
      }
      // [ATTACH-5] Given up: kept as failed (the user may retry), reported once.
      await this.store.updateUpload(p.conversationId, p.blobId, { uploadId: null, failure: { code, message, status } });
      if (!this.forgotten.has(p.conversationId)) {
        this.report('upload', p.conversationId, p.blobId, 'failed', 0, p.size, { code, message });
        this.o.refused({ conversationId: p.conversationId, blobId: p.blobId, status, code, message });
      }
    }
    return later;
  }
}

function turnOn(timers: Timers): () => Promise<void> {
  return () => new Promise<void>((resolve) => void timers.setTimeout(resolve, 0));
}
