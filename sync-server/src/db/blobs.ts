/**
 * The rows of `conversation_blobs` (SPEC BLOB-1..3): which conversation holds which blob, with the mime type and size
 * it was uploaded with. The bytes live in files (blobFiles.ts); a row is written only after its file is durable.
 */
import type Database from 'better-sqlite3';
import type { ConversationId, UserId } from '@concord/protocol';

export interface BlobRow {
  readonly conversationId: ConversationId;
  readonly blobId: string;
  readonly mime: string;
  readonly size: number;
  readonly uploadedBy: UserId;
  readonly createdAt: number;
}

interface RawBlob {
  conversation_id: string;
  blob_id: string;
  mime: string;
  size: number;
  uploaded_by: string;
  created_at: number;
}

function toBlob(raw: RawBlob): BlobRow {
  return {
    conversationId: raw.conversation_id as ConversationId,
    blobId: raw.blob_id,
    mime: raw.mime,
    size: raw.size,
    uploadedBy: raw.uploaded_by as UserId,
    createdAt: raw.created_at,
  };
}

/** What `add` did: the row (the first upload's, when it existed), or null if the uploader is no longer a member. */
export type AddBlobResult = { readonly row: BlobRow; readonly created: boolean } | null;

export class BlobRepo {
  private readonly getStmt: Database.Statement<[string, string], RawBlob>;
  private readonly heldStmt: Database.Statement<[string], { one: number }>;
  private readonly insertStmt: Database.Statement<[string, string, string, number, string, number]>;
  private readonly isMemberStmt: Database.Statement<[string, string], { one: number }>;
  private readonly addTx: (row: BlobRow) => AddBlobResult;
  private readonly unreferencedStmt: Database.Statement<[string], { bytes: number }>;
  private readonly staleStmt: Database.Statement<[number], { conversation_id: string; blob_id: string }>;
  private readonly deleteStmt: Database.Statement<[string, string]>;
  private readonly listStmt: Database.Statement<[string], RawBlob>;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare(
      `SELECT conversation_id, blob_id, mime, size, uploaded_by, created_at
         FROM conversation_blobs WHERE conversation_id = ? AND blob_id = ?`,
    );
    this.listStmt = db.prepare(
      `SELECT conversation_id, blob_id, mime, size, uploaded_by, created_at
         FROM conversation_blobs WHERE conversation_id = ? ORDER BY created_at, blob_id`,
    );
    this.heldStmt = db.prepare('SELECT 1 AS one FROM conversation_blobs WHERE blob_id = ? LIMIT 1');
    this.insertStmt = db.prepare(
      `INSERT INTO conversation_blobs (conversation_id, blob_id, mime, size, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    // [BLOB-5] Rows no stored message refers to: an upload's bytes wait here until their message is committed.
    const unreferenced = 'NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.conversation_id = b.conversation_id AND r.blob_id = b.blob_id)';
    this.unreferencedStmt = db.prepare(`SELECT coalesce(sum(size), 0) AS bytes FROM conversation_blobs b WHERE uploaded_by = ? AND ${unreferenced}`);
    this.staleStmt = db.prepare(`SELECT conversation_id, blob_id FROM conversation_blobs b WHERE created_at < ? AND ${unreferenced} LIMIT 1000`);
    this.deleteStmt = db.prepare('DELETE FROM conversation_blobs WHERE conversation_id = ? AND blob_id = ?');
    this.isMemberStmt = db.prepare(
      'SELECT 1 AS one FROM conversation_members WHERE conversation_id = ? AND user_id = ?',
    );
    // Membership is read again in the transaction that inserts: an upload that was streaming while its sender was
    // removed must not land in the conversation (BLOB-3).
    this.addTx = db.transaction((row: BlobRow): AddBlobResult => {
      if (this.isMemberStmt.get(row.conversationId, row.uploadedBy) === undefined) return null;
      const inserted = this.insertStmt.run(
        row.conversationId,
        row.blobId,
        row.mime,
        row.size,
        row.uploadedBy,
        row.createdAt,
      );
      if (inserted.changes === 1) return { row, created: true };
      const existing = this.getStmt.get(row.conversationId, row.blobId);
      if (existing === undefined) throw new Error('conversation_blobs: a conflicting row is not there');
      return { row: toBlob(existing), created: false };
    });
  }

  /** [EXPORT-1] Every blob uploaded to the conversation, oldest first. */
  listOf(conversationId: string): BlobRow[] {
    return this.listStmt.all(conversationId).map(toBlob);
  }

  get(conversationId: string, blobId: string): BlobRow | null {
    const raw = this.getStmt.get(conversationId, blobId);
    return raw === undefined ? null : toBlob(raw);
  }

  /** Inserts the row unless the conversation already holds the blob (then the stored row is returned). */
  add(row: BlobRow): AddBlobResult {
    return this.addTx(row);
  }

  /** [BLOB-5] Bytes of the user's uploads that no stored message refers to. */
  unreferencedBytes(userId: string): number {
    return this.unreferencedStmt.get(userId)?.bytes ?? 0;
  }

  /** [BLOB-5] Removes up to 1,000 rows uploaded before `before` that no stored message refers to; returns their blob ids. */
  removeUnreferenced(before: number): string[] {
    const rows = this.staleStmt.all(before);
    for (const r of rows) this.deleteStmt.run(r.conversation_id, r.blob_id);
    return rows.map((r) => r.blob_id);
  }

  /** Whether any conversation holds the blob, i.e. whether its file is still needed. */
  isHeld(blobId: string): boolean {
    return this.heldStmt.get(blobId) !== undefined;
  }
}
