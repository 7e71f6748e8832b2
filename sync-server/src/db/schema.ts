/** The accounts tables: users, their devices (one session each), conversations, membership and blobs. */
import type { Migration } from './migrate.js';

export const ACCOUNT_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      -- One row per device session. The token itself is never stored, only its SHA-256.
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX devices_by_user ON devices (user_id);

      -- direct_key is the sorted pair of user ids of a direct chat, so there is one direct chat per pair.
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
        title TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES users (id),
        created_at INTEGER NOT NULL,
        direct_key TEXT UNIQUE
      ) STRICT;

      CREATE TABLE conversation_members (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, user_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX members_by_user ON conversation_members (user_id, conversation_id);
    `);
  },
  // [BLOB-1] One row per blob of a conversation; the bytes are one file per content under <data>/blobs/, shared by
  // every conversation that holds them, so a row is what lets a conversation's members read a blob (BLOB-2).
  (db) => {
    db.exec(`
      CREATE TABLE conversation_blobs (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        blob_id TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded_by TEXT NOT NULL REFERENCES users (id),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (conversation_id, blob_id)
      ) STRICT, WITHOUT ROWID;
      -- Whether any conversation still holds a file's bytes.
      CREATE INDEX blobs_by_blob ON conversation_blobs (blob_id);
    `);
  },
  (db) => {
    // [BLOB-5] Which blobs a stored message refers to (written in the group commit that stores the message), so
    // that uploads no message refers to count against their uploader's quota and are collected.
    db.exec(`
      CREATE TABLE blob_refs (
        conversation_id TEXT NOT NULL,
        blob_id TEXT NOT NULL,
        PRIMARY KEY (conversation_id, blob_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX blobs_by_uploader ON conversation_blobs (uploaded_by);
      CREATE INDEX blobs_by_age ON conversation_blobs (created_at);
    `);
  },
  // [ACCOUNT-1] A deleted account keeps a tombstone row (its id is in messages, its name stays reserved);
  // [ADMIN-1] an operator can disable an account. Both are NULL for a normal account.
  (db) => {
    db.exec(`
      ALTER TABLE users ADD COLUMN deleted_at INTEGER;
      ALTER TABLE users ADD COLUMN disabled_at INTEGER;
      -- The session sweep looks for revocations made by another process (the admin CLI, ADMIN-2).
      CREATE INDEX devices_by_revoked ON devices (revoked_at) WHERE revoked_at IS NOT NULL;
    `);
  },
];
