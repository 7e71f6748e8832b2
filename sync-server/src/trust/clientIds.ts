/**
 * [TRUST-6] Yjs client ids are bound to the user that first used them, in the server's own SQLite database, so
 * that structs carrying a client id are attributable: deletions are checked against the owner of the deleted
 * items' client id, and a client id seen from two users is refused. The server's own writer binds its ids to
 * SERVER_IDENTITY, which no user id can equal (ID-1 does not allow `~`).
 *
 * Client ids are random per Y.Doc instance (DESIGN 6), so the table grows with sessions that write; a row is ~40
 * bytes. Lookups hit a bounded in-memory cache first: the hot path is one Map lookup.
 */
import type Database from 'better-sqlite3';

export const SERVER_IDENTITY = '~server';

export interface ClientIdRegistry {
  /** The user (or SERVER_IDENTITY) a client id is bound to, or null if it was never seen. */
  owner(client: number): string | null;
  /** Binds an unbound id; returns the owner afterwards (the existing one if it was already bound). */
  bind(client: number, owner: string): string;
}

const CACHE_LIMIT = 100_000;

export class SqliteClientIdRegistry implements ClientIdRegistry {
  private readonly cache = new Map<number, string>();
  private readonly select: Database.Statement<[number], { user_id: string }>;
  private readonly insert: Database.Statement<[number, string, number]>;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS client_ids (
        client INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        first_seen INTEGER NOT NULL
      );
    `);
    this.select = db.prepare('SELECT user_id FROM client_ids WHERE client = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO client_ids (client, user_id, first_seen) VALUES (?, ?, ?)');
  }

  owner(client: number): string | null {
    const cached = this.cache.get(client);
    if (cached !== undefined) return cached;
    const row = this.select.get(client);
    if (row === undefined) return null;
    this.remember(client, row.user_id);
    return row.user_id;
  }

  bind(client: number, owner: string): string {
    const existing = this.owner(client);
    if (existing !== null) return existing;
    this.insert.run(client, owner, this.now());
    // INSERT OR IGNORE: if another writer of the same database bound it in between, its binding wins.
    const row = this.select.get(client);
    const bound = row?.user_id ?? owner;
    this.remember(client, bound);
    return bound;
  }

  private remember(client: number, owner: string): void {
    // Dropping the whole cache when full is crude but bounded and O(1) amortized; the table stays the truth.
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(client, owner);
  }
}
