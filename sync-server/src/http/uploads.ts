/**
 * Resumable uploads (SPEC UPLOAD-1..5): a blob sent in chunks, each one durable before it is acknowledged, so an
 * upload longer than any request timeout (25 MiB at 1 Mbit/s is 3.5 minutes) goes through, and one cut off by a lost
 * link or a server restart goes on from the last acknowledged chunk. The last chunk checks the SHA-256 and publishes
 * the blob exactly as a whole-body upload does (BlobService.publish, BLOB-1).
 *
 * Every input is untrusted: ids are checked for shape, offsets must be the session's own (409 otherwise, so two
 * devices or a replayed request never interleave bytes), a chunk never passes the declared size or the chunk limit,
 * and a session is found only by its uploader in its conversation (anyone else: 404, as if it did not exist).
 */
import { createHash, type Hash } from 'node:crypto';
import { ErrorCode, isId, type ConversationId, type UploadState, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import type { Clock } from '../config.js';
import type { BlobParts } from '../db/blobParts.js';
import type { BlobFiles } from '../db/blobFiles.js';
import type { UploadRepo, UploadRow } from '../db/blobUploads.js';
import { newId } from '../db/ids.js';
import { checkIds, mimeOf, type BlobService } from './blobs.js';
import { badRequest } from './errors.js';
import { KeyedLock } from './keyedLock.js';

export interface UploadLimits {
  /** The largest chunk one request may carry. */
  readonly maxChunkBytes: number;
  /** A session no chunk touched for this long is forgotten, with its bytes (UPLOAD-4). */
  readonly sessionTtlMs: number;
  /** Open sessions per user (UPLOAD-5): each holds a row and a file. */
  readonly maxOpenPerUser: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  // 4 MiB: 32 s at 1 Mbit/s, within the 30 s request timeout only on faster links; clients pick smaller chunks
  // (client-core sends 256 KiB, 2 s at 1 Mbit/s), so a lost link costs at most one small chunk.
  maxChunkBytes: 4 * 1024 * 1024,
  // Like BLOB-5's grace: a device offline for the night resumes in the morning.
  sessionTtlMs: 24 * 60 * 60 * 1000,
  maxOpenPerUser: 32,
};

/** The running hash of a session whose chunks this process received in order: the finish needs no re-read. */
interface RunningHash {
  readonly at: number;
  readonly hash: Hash;
}

/** At most this many running hashes are kept (one per active upload); beyond, a finish re-reads its file. */
const MAX_RUNNING_HASHES = 256;

export class UploadService {
  private readonly locks = new KeyedLock();
  private readonly hashes = new Map<string, RunningHash>();

  constructor(
    private readonly repo: UploadRepo,
    private readonly parts: BlobParts,
    private readonly files: BlobFiles,
    private readonly blobs: BlobService,
    private readonly clock: Clock,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
  ) {
    // [UPLOAD-4] Before any request: files whose session row is gone (or was never committed).
    this.parts.removeUnnamed(this.repo.ids());
  }

  /**
   * [UPLOAD-1] Starts (201) or resumes (200, the same session) the caller's upload of `blobId` to the conversation;
   * 200 `done` when the conversation holds the blob already (nothing to send).
   */
  start(caller: UserId, conversationId: string, blobId: unknown, size: unknown, mime: unknown): { created: boolean; state: UploadState } {
    if (typeof blobId !== 'string') throw badRequest('blobId must be a string');
    checkIds(conversationId, blobId);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) throw badRequest('size must be a whole number of bytes, at least 1');
    if (mime !== undefined && typeof mime !== 'string') throw badRequest('mime must be a string');
    const type = mimeOf(mime);
    if (size > this.blobs.maxBlobBytes) throw new ServiceError(ErrorCode.TooBig, `a blob is at most ${this.blobs.maxBlobBytes} bytes`);
    this.blobs.checkMember(caller, conversationId);
    const held = this.blobs.held(conversationId, blobId);
    if (held !== null) return { created: false, state: { state: 'done', blob: held } };
    const existing = this.repo.find(caller, conversationId, blobId);
    if (existing !== null) {
      if (existing.size !== size) throw new ServiceError(ErrorCode.Conflict, `UPLOAD-1: an upload of this blob with size ${existing.size} is open`);
      return { created: false, state: this.openState(existing) };
    }
    if (this.repo.openOf(caller).count >= this.limits.maxOpenPerUser) {
      throw new ServiceError(ErrorCode.RateLimited, `UPLOAD-5: at most ${this.limits.maxOpenPerUser} uploads open at once`, 60_000);
    }
    this.blobs.checkQuota(caller);
    const row = this.repo.add({
      uploadId: newId(),
      conversationId: conversationId as ConversationId,
      blobId,
      userId: caller,
      mime: type,
      size,
      createdAt: this.clock(),
    });
    return { created: true, state: this.openState(row) };
  }

  /** [UPLOAD-1] Where the caller's session stands (a client that lost the answer to its last chunk asks here). */
  status(caller: UserId, conversationId: string, uploadId: string): UploadState {
    const row = this.own(caller, conversationId, uploadId);
    this.blobs.checkMember(caller, conversationId);
    return this.openState(row);
  }

  /**
   * [UPLOAD-2, UPLOAD-3] One chunk at `offset` (the query parameter, checked against the session: 409 when it is
   * not where the session stands). Durable before the answer; the chunk that completes the blob checks the hash
   * (400 `blob_mismatch`: the session is gone) and publishes it (201, or 200 when the conversation had it).
   * An empty chunk at the end finishes a session whose last chunk was stored but not published (a crash between).
   */
  async chunk(
    caller: UserId,
    conversationId: string,
    uploadId: string,
    offsetParam: string | null,
    body: (limit: number) => AsyncIterable<Buffer>,
  ): Promise<{ status: number; state: UploadState }> {
    this.own(caller, conversationId, uploadId);
    if (offsetParam === null || !/^(0|[1-9][0-9]{0,15})$/.test(offsetParam) || !Number.isSafeInteger(Number(offsetParam))) {
      throw badRequest('offset must be given as a whole number of bytes (?offset=<n>)');
    }
    const offset = Number(offsetParam);
    return this.locks.run(uploadId, async () => {
      // Read again under the lock: another request of the same session may have moved it.
      const row = this.own(caller, conversationId, uploadId);
      this.blobs.checkMember(caller, conversationId);
      if (offset !== row.received) {
        throw new ServiceError(ErrorCode.Conflict, `UPLOAD-2: the upload holds ${row.received} bytes; send the chunk at offset ${row.received}`);
      }
      // A file shorter than the row says is a damaged store; the client starts again from what is there.
      if ((await this.parts.sizeOf(uploadId)) < row.received) {
        this.repo.setReceived(uploadId, 0, this.clock());
        this.hashes.delete(uploadId);
        throw new ServiceError(ErrorCode.Conflict, 'UPLOAD-2: the upload lost its bytes; send it again from offset 0');
      }
      const running = this.hashes.get(uploadId);
      // A copy: a chunk cut off half-way must not leave its bytes in the running hash. The first chunk starts one;
      // a session resumed after a restart has none, and its finish re-reads the file.
      const hash = running !== undefined && running.at === offset ? running.hash.copy() : offset === 0 ? createHash('sha256') : null;
      const limit = Math.min(this.limits.maxChunkBytes, row.size - offset);
      const written = await this.parts.writeChunk(uploadId, offset, body(limit), hash);
      const received = offset + written;
      if (written === 0 && received < row.size) throw badRequest('UPLOAD-2: a chunk needs some bytes');
      this.repo.setReceived(uploadId, received, this.clock());
      if (received < row.size) {
        this.remember(uploadId, received, hash);
        return { status: 200, state: this.openState({ ...row, received }) };
      }
      this.hashes.delete(uploadId);
      return this.finish(caller, { ...row, received }, hash);
    });
  }

  /** [UPLOAD-4] The caller gives up: the session and its bytes go (204); unknown: 404. */
  async cancel(caller: UserId, conversationId: string, uploadId: string): Promise<void> {
    this.own(caller, conversationId, uploadId);
    await this.locks.run(uploadId, () => this.drop(uploadId));
  }

  /** [UPLOAD-4] Forgets sessions no chunk touched within the TTL, with their files. Returns how many went. */
  async collect(): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = this.repo.stale(this.clock() - this.limits.sessionTtlMs);
      for (const id of ids) await this.locks.run(id, () => this.drop(id));
      removed += ids.length;
      if (ids.length < 1000) return removed;
    }
  }

  private async finish(caller: UserId, row: UploadRow, running: Hash | null): Promise<{ status: number; state: UploadState }> {
    let hash = running;
    if (hash === null) {
      hash = createHash('sha256');
      await this.parts.hashFile(row.uploadId, row.size, hash);
    }
    if (hash.digest('hex') !== row.blobId) {
      await this.drop(row.uploadId);
      throw new ServiceError(ErrorCode.BlobMismatch, 'UPLOAD-3: the bytes do not hash to the blob id; the upload is discarded');
    }
    const upload = await this.files.adopt(this.parts.pathOf(row.uploadId), row.blobId);
    let published;
    try {
      published = await this.blobs.publish(caller, row.conversationId, row.blobId, row.mime, row.size, upload);
    } finally {
      // Published or refused (the caller was removed meanwhile): the session is over either way. Its file was
      // renamed into place or discarded by the commit; removing it again is a no-op.
      await this.drop(row.uploadId);
    }
    return { status: published.created ? 201 : 200, state: { state: 'done', blob: published.blob } };
  }

  /** Row first: a crash after it leaves a file no row names, which the next start removes (UPLOAD-4). */
  private async drop(uploadId: string): Promise<void> {
    this.hashes.delete(uploadId);
    this.repo.remove(uploadId);
    await this.parts.remove(uploadId);
  }

  /** Keeps the running hash for the next chunk (null: none, the finish re-reads the file). */
  private remember(uploadId: string, at: number, hash: Hash | null): void {
    if (hash === null) {
      this.hashes.delete(uploadId);
      return;
    }
    if (!this.hashes.has(uploadId) && this.hashes.size >= MAX_RUNNING_HASHES) {
      const oldest = this.hashes.keys().next().value;
      if (oldest !== undefined) this.hashes.delete(oldest);
    }
    this.hashes.set(uploadId, { at, hash });
  }

  /** The caller's session in this conversation; anything else (another user's, a malformed id) is 404. */
  private own(caller: UserId, conversationId: string, uploadId: string): UploadRow {
    if (!isId(conversationId)) throw badRequest('conversationId must be an id');
    if (!isId(uploadId)) throw badRequest('uploadId must be an id');
    const row = this.repo.get(uploadId);
    if (row === null || row.userId !== caller || row.conversationId !== conversationId) {
      throw new ServiceError(ErrorCode.NotFound, 'no such upload (finished, cancelled or expired: start it again)');
    }
    return row;
  }

  private openState(row: UploadRow): UploadState {
    return {
      state: 'open',
      uploadId: row.uploadId,
      blobId: row.blobId,
      size: row.size,
      offset: row.received,
      maxChunkBytes: this.limits.maxChunkBytes,
      expiresAt: row.touchedAt + this.limits.sessionTtlMs,
    };
  }
}
