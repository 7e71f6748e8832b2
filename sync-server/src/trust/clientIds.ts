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
  /** Writes bindings made since the last write (they are written at the end of the turn by themselves). */
  flush(): void;
}

const CACHE_LIMIT = 100_000;

export class SqliteClientIdRegistry implements ClientIdRegistry {
  private readonly cache = new Map<number, string>();
  private readonly select: Database.Statement<[number], { user_id: string }>;
  private readonly insertMany: (rows: readonly [number, string, number][]) => void;
  /** Bindings made this turn and not yet written: never evicted, unlike the cache. */
  private readonly pinned = new Map<number, string>();
  private pending: [number, string, number][] = [];
  private flushScheduled: NodeJS.Immediate | null = null;

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
    // OR IGNORE: a binding is made once per id; the in-memory check above already refused a second owner.
    const insert = db.prepare<[number, string, number]>('INSERT OR IGNORE INTO client_ids (client, user_id, first_seen) VALUES (?, ?, ?)');
    this.insertMany = db.transaction((rows: readonly [number, string, number][]) => {
      for (const row of rows) insert.run(...row);
    });
  }

  owner(client: number): string | null {
    const pinned = this.pinned.get(client);
    if (pinned !== undefined) return pinned;
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
    // The binding holds in memory at once; the row is written inside the hub's next group commit, in the same
    // transaction as the updates that rely on it (SyncHubOptions.inCommit), so no crash can keep the structs and lose
    // their binding. With synchronous=FULL a row per statement would cost an fsync per new client id (measured: a
    // third of the pipeline's throughput at 200 new sessions). Bindings no commit picks up (awareness only) are
    // written in this turn's setImmediate.
    this.pinned.set(client, owner);
    this.pending.push([client, owner, this.now()]);
    this.flushScheduled ??= setImmediate(() => {
      try {
        this.flush();
      } catch {
        // The database closed under a pending write (shutdown without flush) or failed: the bindings stay in
        // memory for this process; an unbound id with structs is refused later (TRUST-6), which costs the honest
        // client a new client id, never another user's data. Nothing may throw out of a timer.
      }
    });
    return owner;
  }

  /** Writes pending bindings (also called by close paths and tests). */
  flush(): void {
    if (this.flushScheduled !== null) {
      clearImmediate(this.flushScheduled);
      this.flushScheduled = null;
    }
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    try {
      this.insertMany(rows);
    } finally {
      for (const [client, owner] of rows) {
        this.pinned.delete(client);
        this.remember(client, owner);
      }
    }
  }

  private remember(client: number, owner: string): void {
    // Dropping the whole cache when full is crude but bounded and O(1) amortized; the table stays the truth.
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(client, owner);
  }
}
