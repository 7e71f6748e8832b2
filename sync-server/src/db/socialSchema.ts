/**
 * The social layer's tables (SPEC SOCIAL-*, GROUP-*, PROFILE-*), migrated as their own component ('social', see
 * migrate.ts) so that they never interleave with the accounts steps. Steps are append-only once released.
 */
import type { Migration } from './migrate.js';

export const SOCIAL_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      -- [GROUP-1] Admins of a group; the owner is conversation_members.role = 'owner'. Leaving drops the row.
      CREATE TABLE conversation_admins (
        conversation_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (conversation_id, user_id),
        FOREIGN KEY (conversation_id, user_id) REFERENCES conversation_members (conversation_id, user_id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      -- [GROUP-3] A group's avatar: a blob id of the group (BLOB-1), NULL for none.
      ALTER TABLE conversations ADD COLUMN avatar TEXT;

      -- [CONTACT-1] Contacts are symmetric: one row per direction, written and removed together.
      CREATE TABLE contacts (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        contact_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        since INTEGER NOT NULL,
        PRIMARY KEY (user_id, contact_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE contact_requests (
        from_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        to_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        note TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (from_id, to_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX requests_to ON contact_requests (to_id, from_id);

      -- [BLOCK-1] user_id blocked blocked_id; the blocked side is never told.
      CREATE TABLE blocks (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        blocked_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, blocked_id)
      ) STRICT, WITHOUT ROWID;

      -- [PRIVACY-1/2] [PROFILE-1] [CONTACT-5] Per-user settings; a missing row means the defaults.
      CREATE TABLE user_social (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        find_by TEXT NOT NULL DEFAULT 'everyone' CHECK (find_by IN ('everyone', 'contacts', 'nobody')),
        group_add TEXT NOT NULL DEFAULT 'everyone' CHECK (group_add IN ('everyone', 'contacts')),
        status TEXT NOT NULL DEFAULT '',
        avatar TEXT,
        add_code TEXT UNIQUE
      ) STRICT;
    `);
  },
];
