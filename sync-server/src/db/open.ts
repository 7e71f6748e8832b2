/**
 * The server's one SQLite file, `<dataDir>/concord.db`. WAL with synchronous=FULL: a committed transaction survives
 * power loss, which is what lets the server acknowledge after a write (ACK-1). Accounts (db/) and docs (sync/)
 * share the file; each part migrates its own tables (see migrate.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { ACCOUNT_MIGRATIONS } from './schema.js';
import { SOCIAL_MIGRATIONS } from './socialSchema.js';

export const DB_FILE_NAME = 'concord.db';

export function openDatabase(dataDir: string): Database.Database {
  // 0o700: the file holds password hashes and token hashes; other local users have no business reading it.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, DB_FILE_NAME));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, 'accounts', ACCOUNT_MIGRATIONS);
    migrate(db, 'social', SOCIAL_MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
