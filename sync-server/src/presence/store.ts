/**
 * [PRES-2] [PRES-3] What the server keeps of presence: when each user was last online, and who may see it. Its own
 * component in `schema_versions` (migrate.ts), so it migrates apart from the account tables.
 */
import type Database from 'better-sqlite3';
import { PRESENCE_VISIBILITY, type PresenceVisibility } from '@concord/protocol';
import { migrate, type Migration } from '../db/migrate.js';

const MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE presence (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        last_seen INTEGER,
        visibility TEXT NOT NULL DEFAULT 'everyone' CHECK (visibility IN ('everyone', 'contacts', 'nobody'))
      ) STRICT;
    `);
  },
];

export class PresenceStore {
  private readonly readRow: Database.Statement<[string], { last_seen: number | null; visibility: string }>;
  private readonly writeSeen: Database.Statement<[string, number]>;
  private readonly writeVisibility: Database.Statement<[string, string]>;
  private readonly directPartners: Database.Statement<[{ u: string }], { user_id: string }>;
  private readonly contactRow: Database.Statement<[string, string], { one: number }>;
  private readonly blockRow: Database.Statement<[string, string], { one: number }>;

  constructor(db: Database.Database) {
    migrate(db, 'presence', MIGRATIONS);
    this.readRow = db.prepare('SELECT last_seen, visibility FROM presence WHERE user_id = ?');
    this.writeSeen = db.prepare(
      'INSERT INTO presence (user_id, last_seen) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET last_seen = excluded.last_seen',
    );
    this.writeVisibility = db.prepare(
      'INSERT INTO presence (user_id, visibility) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET visibility = excluded.visibility',
    );
    // The other member of every direct chat of a user, and the user's contacts (CONTACT-*): the people whose chat
    // header or contact list shows this user's presence (PRES-2).
    this.directPartners = db.prepare(`
      SELECT other.user_id AS user_id
      FROM conversation_members mine
      JOIN conversations c ON c.id = mine.conversation_id AND c.kind = 'direct'
      JOIN conversation_members other ON other.conversation_id = c.id AND other.user_id <> mine.user_id
      WHERE mine.user_id = @u
      UNION
      SELECT contact_id AS user_id FROM contacts WHERE user_id = @u`);
    this.contactRow = db.prepare('SELECT 1 AS one FROM contacts WHERE user_id = ? AND contact_id = ?');
    this.blockRow = db.prepare('SELECT 1 AS one FROM blocks WHERE user_id = ? AND blocked_id = ?');
  }

  lastSeen(userId: string): number | null {
    return this.readRow.get(userId)?.last_seen ?? null;
  }

  setLastSeen(userId: string, at: number): void {
    try {
      this.writeSeen.run(userId, at);
    } catch (err) {
      // A user deleted while connected has no row to keep: their presence goes with the account.
      if (!(err instanceof Error && /FOREIGN KEY/.test(err.message))) throw err;
    }
  }

  visibility(userId: string): PresenceVisibility {
    const v = this.readRow.get(userId)?.visibility;
    return (PRESENCE_VISIBILITY as readonly string[]).includes(v ?? '') ? (v as PresenceVisibility) : 'everyone';
  }

  setVisibility(userId: string, v: PresenceVisibility): void {
    this.writeVisibility.run(userId, v);
  }

  /** [PRES-3] `contacts` visibility: whether `a` lists `b` as a contact. */
  areContacts(a: string, b: string): boolean {
    return this.contactRow.get(a, b) !== undefined;
  }

  /** [BLOCK-1] A user who blocked the viewer is never shown to them. */
  blocked(blocker: string, viewer: string): boolean {
    return this.blockRow.get(blocker, viewer) !== undefined;
  }

  directPartnersOf(userId: string): string[] {
    return this.directPartners.all({ u: userId }).map((r) => r.user_id);
  }
}
