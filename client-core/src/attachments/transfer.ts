/**
 * Moving attachment bytes between this device and the server (ATTACH-1, ATTACH-2; the server side is BLOB-1/2).
 *
 * Uploads: every pending upload in the kv is PUT whenever the connection comes online (and right after a send while
 * online). Accepted (200/201): the record goes, the bytes stay as the local copy. Unreachable, 401, 408, 429 and 5xx:
 * the record stays for the next connection. Any other 4xx is final (not a member any more, too big, bad mime):
 * retrying could never succeed, so the record goes and the refusal is reported.
 *
 * Downloads: the local copy first; else GET, check the bytes against the blob id, keep them, return them.
 */
import { ClientErrorCode, ConcordError, HttpError, InvalidInputError } from '../errors.js';
import { randomId, type FetchLike, type FetchResponseLike, type RandomBytes, type Timers } from '../platform.js';
import { type ConversationId, type Attachment } from '@concord/protocol';
import { blobPath, parseBlobUrl } from './blobs.js';
import { ATTACHMENT_CHUNK_BYTES, BlobMismatch, bytesSource, hashSource, ingest, type AttachmentProgress, type AttachmentSource, type IngestOptions } from './ingest.js';
import { jsSha256, type DigestFactory } from './sha256.js';
import type { AttachmentStore, PendingUpload } from './store.js';

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
  /** The 0 ms timer between chunks (ATTACH-3); default the global one. */
  readonly timers?: Timers;
}

/**
 * The seam's `FetchLike` types its body as text because every other call sends JSON. W3C fetch (browsers, Node,
 * what web-client passes) sends a Uint8Array body as raw bytes; a platform fetch that only speaks text needs a byte
 * path before it can upload attachments.
 */
type BytesFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array },
) => Promise<FetchResponseLike>;

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
      p = this.download(ref.conversationId, ref.blobId).finally(() => this.downloads.delete(key));
      this.downloads.set(key, p);
    }
    return p;
  }

  private async download(conversationId: ConversationId, blobId: string): Promise<Uint8Array> {
    let res: FetchResponseLike;
    try {
      res = await this.o.fetch(this.o.baseUrl + blobPath(conversationId, blobId), {
        method: 'GET',
        headers: { authorization: `Bearer ${this.o.token}` },
      });
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
    const mismatch = () => new ConcordError(ClientErrorCode.AttachmentMismatch, `the server's bytes do not hash to the blob id ${blobId}; nothing was kept`);
    // Checked and kept chunk by chunk (ATTACH-3): a 25 MiB download is not hashed or written in one go either.
    try {
      await ingest(this.store, conversationId, bytesSource(bytes), this.chunking, undefined, blobId);
    } catch (err) {
      if (err instanceof BlobMismatch) throw mismatch();
      // The bytes may be good; not keeping them only costs a fetch next time. They are checked before use.
      this.o.storageError(err instanceof Error ? err : new Error(String(err)));
      if ((await hashSource(bytesSource(bytes), this.chunking)) !== blobId) throw mismatch();
    }
    return bytes;
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.uploadAll();
      } catch (err) {
        if (!this.disposed) this.o.storageError(err instanceof Error ? err : new Error(String(err)));
      }
    } while (this.again && !this.disposed && this.o.isOnline());
  }

  private async uploadAll(): Promise<void> {
    if (!this.swept) {
      // Once per runtime: parts an ingest left when the app died mid-pick (ATTACH-3).
      this.swept = true;
      await this.store.sweepStages(this.staging);
    }
    for (const p of await this.store.pending()) {
      if (this.disposed || !this.o.isOnline()) return;
      if (this.forgotten.has(p.conversationId)) continue;
      const bytes = await this.store.bytes(p.conversationId, p.blobId);
      if (bytes === undefined) {
        // The local copy is gone (storage damaged): nothing to upload, ever.
        await this.store.uploaded(p.conversationId, p.blobId);
        continue;
      }
      const { status, code, message } = await this.put(p, bytes);
      if (this.disposed) return;
      const decision = uploadDecision(status);
      if (decision === 'stop') return;
      if (decision === 'next') continue;
      await this.store.uploaded(p.conversationId, p.blobId);
      if (decision === 'give_up' && !this.forgotten.has(p.conversationId)) {
        this.o.refused({ conversationId: p.conversationId, blobId: p.blobId, status, code, message });
      }
    }
  }

  private async put(p: PendingUpload, bytes: Uint8Array): Promise<{ status: number; code: string; message: string }> {
    const put = this.o.fetch as unknown as BytesFetch;
    try {
      const res = await put(this.o.baseUrl + blobPath(p.conversationId, p.blobId), {
        method: 'PUT',
        headers: { authorization: `Bearer ${this.o.token}`, 'content-type': p.mime },
        body: bytes,
      });
      const { code, message } = res.status >= 200 && res.status < 300 ? { code: '', message: '' } : await errorOf(res);
      if (res.status >= 200 && res.status < 300) await drain(res);
      return { status: res.status, code, message };
    } catch (err) {
      return { status: 0, code: ClientErrorCode.Network, message: err instanceof Error ? err.message : String(err) };
    }
  }
}

function turnOn(timers: Timers): () => Promise<void> {
  return () => new Promise<void>((resolve) => void timers.setTimeout(resolve, 0));
}

/** The server's `{"error": {code, message}}` (HTTP-2), or a code made from the status. */
async function errorOf(res: FetchResponseLike): Promise<{ code: string; message: string }> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // No body: the status says enough.
  }
  try {
    const v = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = v.error?.code;
    const message = v.error?.message;
    return { code: typeof code === 'string' ? code : `http_${res.status}`, message: typeof message === 'string' ? message : `HTTP ${res.status}` };
  } catch {
    return { code: `http_${res.status}`, message: `HTTP ${res.status}` };
  }
}

/** Read a body we do not need, so the connection can be reused. */
async function drain(res: FetchResponseLike): Promise<void> {
  try {
    await res.text();
  } catch {
    // Nothing to free.
  }
}
