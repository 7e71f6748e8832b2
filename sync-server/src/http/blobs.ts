/**
 * Attachments (SPEC BLOB-1..BLOB-3): a conversation's members upload a blob under the SHA-256 of its bytes and read
 * it back. The bytes are streamed to a temporary file and hashed as they arrive (never held in memory, never more than
 * `maxBlobBytes` read), made durable at their content path, and only then is the conversation's row committed, so a
 * row always names a whole file. Membership is read from `conversation_members` on every request (AUTHZ-2): a
 * removed member is refused at once.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, MAX_MIME_LENGTH, isBlobId, isId, isMimeType, type ConversationId, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import type { Clock } from '../config.js';
import type { BlobFile, BlobFiles, BlobUpload } from '../db/blobFiles.js';
import type { BlobRepo, BlobRow } from '../db/blobs.js';
import type { ConversationRepo } from '../db/conversations.js';
import { badRequest } from './errors.js';
import { KeyedLock } from './keyedLock.js';

export const DEFAULT_BLOB_MIME = 'application/octet-stream';
export const BLOB_MIME_MAX = MAX_MIME_LENGTH;

/** [BLOB-5] How much one user may have uploaded without a message referring to it, and for how long. */
export interface BlobQuota {
  readonly maxUnreferencedBytes: number;
  readonly unreferencedGraceMs: number;
}

export const DEFAULT_BLOB_QUOTA: BlobQuota = {
  // Ten of the largest attachments: a device back online uploads several at once, each after its message.
  maxUnreferencedBytes: 256 * 1024 * 1024,
  // A message and its upload meet within seconds; a day covers a message refused and re-sent much later.
  unreferencedGraceMs: 24 * 60 * 60 * 1000,
};

/** The answer to an upload (BLOB-1). */
export interface BlobView {
  readonly blobId: string;
  readonly size: number;
  readonly mime: string;
}

/** A blob a member may read (BLOB-2); `open` is called only when the bytes are sent (not for HEAD). */
export interface ReadableBlob {
  readonly row: BlobRow;
  /** `range` (BLOB-6): inclusive byte positions within the blob. */
  open(range?: { readonly start: number; readonly end: number }): Promise<BlobFile>;
}

export class BlobService {
  /** Per blob id, the commit in progress: a file's rename, its row and its removal must not interleave. */
  private readonly commits = new KeyedLock();

  constructor(
    private readonly conversations: ConversationRepo,
    private readonly blobs: BlobRepo,
    private readonly files: BlobFiles,
    private readonly clock: Clock,
    readonly maxBlobBytes: number,
    private readonly quota: BlobQuota = DEFAULT_BLOB_QUOTA,
    /** [UPLOAD-5] The declared bytes of the user's open resumable uploads (uploads.ts), counted with BLOB-5's. */
    private readonly sessionBytes: (userId: UserId) => number = () => 0,
  ) {}

  /**
   * [BLOB-1] Checks (ids 400, conversation 404, member 403), then reads `body` through the size limit (413) and the
   * hash (400 `blob_mismatch`); then file, then row. `created` is false when the conversation already held the blob:
   * the answer is then the stored row's, whatever this upload's type said.
   */
  async put(
    caller: UserId,
    conversationId: string,
    blobId: string,
    contentType: string | undefined,
    body: (limit: number) => AsyncIterable<Buffer>,
  ): Promise<{ created: boolean; blob: BlobView }> {
    checkIds(conversationId, blobId);
    const mime = mimeOf(contentType);
    this.checkMember(caller, conversationId);
    this.checkQuota(caller);

    const upload = await this.files.begin(blobId);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of body(this.maxBlobBytes)) {
        hash.update(chunk);
        size += chunk.length;
        await upload.write(chunk);
      }
    } catch (err) {
      await upload.discard();
      throw err;
    }
    if (hash.digest('hex') !== blobId) {
      await upload.discard();
      throw new ServiceError(ErrorCode.BlobMismatch, 'the bytes do not hash to the blob id (lowercase hex SHA-256)');
    }

    return this.publish(caller, conversationId as ConversationId, blobId, mime, size, upload);
  }

  /**
   * [BLOB-5, UPLOAD-5] Uploads wait for their message; what one user has waiting is bounded: the uploads no stored
   * message refers to, plus the declared sizes of the user's open resumable uploads. An honest client's upload goes
   * after its message, so this is reached only by uploads nobody refers to (429: a client retries later).
   */
  checkQuota(caller: UserId): void {
    const waiting = this.blobs.unreferencedBytes(caller) + this.sessionBytes(caller);
    if (waiting >= this.quota.maxUnreferencedBytes) {
      throw new ServiceError(
        ErrorCode.RateLimited,
        `BLOB-5: ${waiting} bytes of your uploads are not referred to by any message yet (at most ${this.quota.maxUnreferencedBytes})`,
        60_000,
      );
    }
  }

  /**
   * [BLOB-1, UPLOAD-3] Bytes that hashed to `blobId` become the conversation's blob: file (renamed into place, made
   * durable), then row. `created` is false when the conversation already held it (the stored row's answer).
   */
  async publish(
    caller: UserId,
    conversationId: ConversationId,
    blobId: string,
    mime: string,
    size: number,
    upload: BlobUpload,
  ): Promise<{ created: boolean; blob: BlobView }> {
    const added = await this.commits.run(blobId, async () => {
      try {
        await upload.commit();
        const result = this.blobs.add({ conversationId, blobId, mime, size, uploadedBy: caller, createdAt: this.clock() });
        if (result === null) await this.removeIfUnheld(blobId);
        return result;
      } catch (err) {
        // Nothing of a failed upload stays (BLOB-3); a file another conversation holds is not this upload's to remove.
        await this.removeIfUnheld(blobId).catch(() => undefined);
        throw err;
      }
    });
    // Removed while the bytes were streaming: the removal wins (AUTHZ-2).
    if (added === null) throw new ServiceError(ErrorCode.Forbidden, 'not a member of this conversation');
    return { created: added.created, blob: viewOf(added.row) };
  }

  /** The conversation's blob, if it holds it (an upload that need not send anything). */
  held(conversationId: string, blobId: string): BlobView | null {
    const row = this.blobs.get(conversationId, blobId);
    return row === null ? null : viewOf(row);
  }

  /**
   * [BLOB-7] Blob files no conversation holds: a crash between a file's rename and its row. Checked under the blob's
   * commit lock, so a commit in progress (file renamed, row not yet written) is never mistaken for one.
   */
  async sweepUnheldFiles(): Promise<number> {
    let removed = 0;
    for await (const blobId of this.files.ids()) {
      await this.commits.run(blobId, async () => {
        if (this.blobs.isHeld(blobId)) return;
        await this.files.remove(blobId);
        removed++;
      });
    }
    return removed;
  }

  /**
   * [BLOB-5] Forgets uploads older than the grace period that no stored message refers to, and the files no
   * conversation holds any more. Returns how many rows went.
   */
  async collect(): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = this.blobs.removeUnreferenced(this.clock() - this.quota.unreferencedGraceMs);
      removed += ids.length;
      for (const blobId of new Set(ids)) await this.commits.run(blobId, () => this.removeIfUnheld(blobId));
      if (ids.length < 1000) return removed;
    }
  }

  /** [BLOB-2] Same checks as an upload; 404 while this conversation does not hold the blob. */
  get(caller: UserId, conversationId: string, blobId: string): ReadableBlob {
    checkIds(conversationId, blobId);
    this.checkMember(caller, conversationId);
    const row = this.blobs.get(conversationId, blobId);
    if (row === null) throw new ServiceError(ErrorCode.NotFound, 'this conversation holds no such blob (yet)');
    return {
      row,
      open: async (range) => {
        const file = await this.files.open(blobId, range);
        // A row names a whole file (the file is durable before the row is written): anything else is a damaged store.
        if (file === null) throw new Error(`blob ${blobId} has a row but no file`);
        if (file.size !== row.size) {
          file.stream.destroy();
          throw new Error(`blob ${blobId} file holds ${file.size} bytes, its row says ${row.size}`);
        }
        return file;
      },
    };
  }

  checkMember(caller: UserId, conversationId: string): void {
    if (this.conversations.byId(conversationId) === null) throw new ServiceError(ErrorCode.NotFound, 'no such conversation');
    if (!this.conversations.isMember(conversationId, caller)) {
      throw new ServiceError(ErrorCode.Forbidden, 'not a member of this conversation');
    }
  }

  private async removeIfUnheld(blobId: string): Promise<void> {
    if (!this.blobs.isHeld(blobId)) await this.files.remove(blobId);
  }
}

export function checkIds(conversationId: string, blobId: string): void {
  if (!isId(conversationId)) throw badRequest('conversationId must be an id');
  if (!isBlobId(blobId)) throw badRequest('blobId must be the lowercase hex SHA-256 of the bytes (64 characters)');
}

/** The blob's type from `Content-Type`: absent or blank is `application/octet-stream`; a malformed one is 400. */
export function mimeOf(contentType: string | undefined): string {
  const given = contentType?.trim() ?? '';
  if (given === '') return DEFAULT_BLOB_MIME;
  if (!isMimeType(given)) {
    throw badRequest(`Content-Type must be a mime type (type/subtype) of at most ${BLOB_MIME_MAX} characters`);
  }
  return given;
}

function viewOf(row: BlobRow): BlobView {
  return { blobId: row.blobId, size: row.size, mime: row.mime };
}
