/**
 * [BLOB-5] Records which blobs accepted messages refer to. The trust rule notes a message's attachment when the
 * update is accepted; the rows are written inside the group commit that stores the message (SyncHubOptions.inCommit),
 * so a reference exists on disk exactly when its message does. The HTTP side reads `blob_refs` for the upload quota
 * and the collection of unreferenced uploads.
 */
import type Database from 'better-sqlite3';

export class BlobRefRecorder {
  private pending: [string, string][] = [];
  private insert: Database.Statement<[string, string]> | null = null;

  // The table is the server's (db/schema.ts): prepared on first use, so the trust rules also run on a bare database.
  constructor(private readonly db: Database.Database) {}

  note(conversationId: string, blobId: string): void {
    this.pending.push([conversationId, blobId]);
  }

  /** Writes what was noted; called inside the group commit's transaction. */
  flush(): void {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    this.insert ??= this.db.prepare('INSERT OR IGNORE INTO blob_refs (conversation_id, blob_id) VALUES (?, ?)');
    for (const [conv, blob] of rows) this.insert.run(conv, blob);
  }
}
