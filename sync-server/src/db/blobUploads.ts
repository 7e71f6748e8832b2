/**
 * Resumable upload sessions (SPEC UPLOAD-1..5): one row per blob being uploaded in chunks, with the number of bytes
 * the server holds durably (`received`). The bytes are a file per session (blobParts.ts); the row is written before
 * the file exists and `received` only moves after the bytes are fsynced, so the file always holds at least what the
 * row says. Its own migration component (`uploads`), so it grows independently of the accounts tables.
 */
import type Database from 'better-sqlite3';
import type { ConversationId, UserId } from '@concord/protocol';
import { migrate, type Migration } from './migrate.js';

const UPLOAD_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE upload_sessions (
        upload_id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        blob_id TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        received INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        touched_at INTEGER NOT NULL
      ) STRICT;
      -- One session per (uploader, conversation, blob): a second start resumes the first.
      CREATE UNIQUE INDEX uploads_by_blob ON upload_sessions (user_id, conversation_id, blob_id);
      CREATE INDEX uploads_by_age ON upload_sessions (touched_at);
    `);
  },
];

export interface UploadRow {
  readonly uploadId: string;
  readonly conversationId: ConversationId;
  readonly blobId: string;
  readonly userId: UserId;
  readonly mime: string;
  readonly size: number;
  readonly received: number;
  readonly createdAt: number;
  readonly touchedAt: number;
}

interface RawUpload {
  upload_id: string;
  conversation_id: string;
  blob_id: string;
  user_id: string;
  mime: string;
  size: number;
  received: number;
  created_at: number;
  touched_at: number;
}

function toRow(r: RawUpload): UploadRow {
  return {
    uploadId: r.upload_id,
    conversationId: r.conversation_id as ConversationId,
    blobId: r.blob_id,
    userId: r.user_id as UserId,
    mime: r.mime,
    size: r.size,
    received: r.received,
    createdAt: r.created_at,
    touchedAt: r.touched_at,
  };
}

const COLUMNS = 'upload_id, conversation_id, blob_id, user_id, mime, size, received, created_at, touched_at';

export class UploadRepo {
  private readonly byIdStmt: Database.Statement<[string], RawUpload>;
  private readonly byBlobStmt: Database.Statement<[string, string, string], RawUpload>;
  private readonly insertStmt: Database.Statement<[string, string, string, string, string, number, number, number]>;
  private readonly receivedStmt: Database.Statement<[number, number, string]>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly staleStmt: Database.Statement<[number], { upload_id: string }>;
  private readonly bytesStmt: Database.Statement<[string], { bytes: number; n: number }>;
  private readonly idsStmt: Database.Statement<[], { upload_id: string }>;

  constructor(db: Database.Database) {
    migrate(db, 'uploads', UPLOAD_MIGRATIONS);
    this.byIdStmt = db.prepare(`SELECT ${COLUMNS} FROM upload_sessions WHERE upload_id = ?`);
    this.byBlobStmt = db.prepare(`SELECT ${COLUMNS} FROM upload_sessions WHERE user_id = ? AND conversation_id = ? AND blob_id = ?`);
    this.insertStmt = db.prepare(
      `INSERT INTO upload_sessions (upload_id, conversation_id, blob_id, user_id, mime, size, received, created_at, touched_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    );
    this.receivedStmt = db.prepare('UPDATE upload_sessions SET received = ?, touched_at = ? WHERE upload_id = ?');
    this.deleteStmt = db.prepare('DELETE FROM upload_sessions WHERE upload_id = ?');
    this.staleStmt = db.prepare('SELECT upload_id FROM upload_sessions WHERE touched_at < ? LIMIT 1000');
    this.bytesStmt = db.prepare('SELECT coalesce(sum(size), 0) AS bytes, count(*) AS n FROM upload_sessions WHERE user_id = ?');
    this.idsStmt = db.prepare('SELECT upload_id FROM upload_sessions');
  }

  get(uploadId: string): UploadRow | null {
    const raw = this.byIdStmt.get(uploadId);
    return raw === undefined ? null : toRow(raw);
  }

  find(userId: string, conversationId: string, blobId: string): UploadRow | null {
    const raw = this.byBlobStmt.get(userId, conversationId, blobId);
    return raw === undefined ? null : toRow(raw);
  }

  add(row: Omit<UploadRow, 'received' | 'touchedAt'>): UploadRow {
    this.insertStmt.run(row.uploadId, row.conversationId, row.blobId, row.userId, row.mime, row.size, row.createdAt, row.createdAt);
    return { ...row, received: 0, touchedAt: row.createdAt };
  }

  /** The bytes up to `received` are durable (fsynced) and acknowledged. */
  setReceived(uploadId: string, received: number, now: number): void {
    this.receivedStmt.run(received, now, uploadId);
  }

  remove(uploadId: string): void {
    this.deleteStmt.run(uploadId);
  }

  /** [UPLOAD-4] Up to 1,000 sessions no chunk touched since `before`. */
  stale(before: number): string[] {
    return this.staleStmt.all(before).map((r) => r.upload_id);
  }

  /** [UPLOAD-5] The declared sizes of the user's open sessions, and how many there are. */
  openOf(userId: string): { bytes: number; count: number } {
    const r = this.bytesStmt.get(userId);
    return { bytes: r?.bytes ?? 0, count: r?.n ?? 0 };
  }

  /** Every session id (the start-up sweep of files without a row). */
  ids(): Set<string> {
    return new Set(this.idsStmt.all().map((r) => r.upload_id));
  }
}
