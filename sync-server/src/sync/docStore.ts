/**
 * Durable doc persistence in the server's SQLite database (SPEC DUR-*): per doc a snapshot plus a short tail of
 * updates, and one global, monotonically increasing sequence number (the server cursor) over all stored updates.
 *
 * The store is binary and uninterpreted: it never parses a CRDT; the hub hands it bytes and compaction snapshots.
 * better-sqlite3 is synchronous, so every method completes before the caller's next statement: a write that
 * returned is committed (WAL), which is what lets the hub acknowledge right after `append`.
 */
import type Database from 'better-sqlite3';
import { migrate, type Migration } from '../db/migrate.js';

export interface StoredDoc {
  /** Y.encodeStateAsUpdate of the doc at `snapshotSeq`, or null if never compacted. */
  readonly snapshot: Uint8Array | null;
  /** Updates stored after the snapshot, oldest first. */
  readonly tail: Uint8Array[];
  /** Seq of the doc's newest stored update; 0 if the doc does not exist. */
  readonly lastSeq: number;
}

/** Replace a doc's snapshot and its tail up to `uptoSeq` by `snapshot` (the doc's state at `uptoSeq`). */
export interface Compaction {
  readonly doc: string;
  readonly snapshot: Uint8Array;
  readonly uptoSeq: number;
}

export interface UpdateWrite {
  readonly doc: string;
  readonly data: Uint8Array;
}

function toBuffer(data: Uint8Array): Buffer {
  // A view, not a copy: better-sqlite3 binds Buffers, and the bytes are copied into SQLite anyway.
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The doc tables, versioned with the accounts' migrations (db/migrate.ts).
 *
 * Step 1 (the original layout, created IF NOT EXISTS so databases made before it was versioned pass through).
 * Step 2 chains each doc's tail: every update row names the doc's previous update (`prev`), and the `(doc, seq)`
 * index goes. The index put one leaf page per doc of a group commit into the WAL: at 2,000 updates/s across 100
 * conversations a commit of ~10 updates wrote ~18 pages (~75 KB) for ~3 KB of updates. Chained rows are appended
 * at the end of the rowid tree, so a commit writes the last leaf, the touched `docs` rows and little else
 * (bench/README "Load"); a doc's tail is read by walking `prev` back from `docs.last_seq`, which only loads and
 * compactions do.
 */
const DOC_MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS doc_updates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS doc_updates_by_doc ON doc_updates (doc, seq);
      CREATE TABLE IF NOT EXISTS doc_snapshots (
        doc TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        upto_seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS docs (
        name TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        tail INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `);
  },
  (db) => {
    db.exec('ALTER TABLE doc_updates ADD COLUMN prev INTEGER');
    // Existing tails are chained through the index before it goes.
    db.exec(`UPDATE doc_updates SET prev = (
      SELECT max(o.seq) FROM doc_updates o WHERE o.doc = doc_updates.doc AND o.seq < doc_updates.seq)`);
    db.exec('DROP INDEX doc_updates_by_doc');
  },
];

/** A doc's tail rows newer than `upto`, newest first: the chain from `last` back through `prev`. */
const TAIL_CHAIN = `
  WITH RECURSIVE chain(seq, prev, data) AS (
    SELECT seq, prev, data FROM doc_updates WHERE seq = @last AND doc = @doc AND seq > @upto
    UNION ALL
    SELECT u.seq, u.prev, u.data FROM chain JOIN doc_updates u ON u.seq = chain.prev WHERE u.doc = @doc AND u.seq > @upto
  )`;

export class DocStore {
  private readonly insertUpdate: Database.Statement<[string, number | null, Buffer]>;
  private readonly touchDoc: Database.Statement<[string, number, number]>;
  private readonly selectDoc: Database.Statement<[string], { last_seq: number; tail: number }>;
  private readonly selectSnapshot: Database.Statement<[string], { data: Buffer; upto_seq: number }>;
  private readonly selectTail: Database.Statement<[{ doc: string; last: number; upto: number }], { data: Buffer }>;
  private readonly upsertSnapshot: Database.Statement<[string, Buffer, number]>;
  private readonly deleteTail: Database.Statement<[{ doc: string; upto: number }]>;
  private readonly resetTail: Database.Statement<[{ doc: string; last: number; upto: number }]>;
  private readonly appendTx: (writes: readonly UpdateWrite[], compactions: readonly Compaction[]) => number[];
  private cursorValue: number;

  constructor(private readonly db: Database.Database) {
    migrate(db, 'docs', DOC_MIGRATIONS);
    this.insertUpdate = db.prepare('INSERT INTO doc_updates (doc, prev, data) VALUES (?, ?, ?)');
    this.touchDoc = db.prepare(
      'INSERT INTO docs (name, last_seq, tail) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET last_seq = excluded.last_seq, tail = tail + excluded.tail',
    );
    this.selectDoc = db.prepare('SELECT last_seq, tail FROM docs WHERE name = ?');
    this.selectSnapshot = db.prepare('SELECT data, upto_seq FROM doc_snapshots WHERE doc = ?');
    this.selectTail = db.prepare(`${TAIL_CHAIN} SELECT data FROM chain ORDER BY seq`);
    this.upsertSnapshot = db.prepare(
      'INSERT INTO doc_snapshots (doc, data, upto_seq) VALUES (?, ?, ?) ON CONFLICT (doc) DO UPDATE SET data = excluded.data, upto_seq = excluded.upto_seq',
    );
    // The rows the snapshot covers: the chain from `upto` back (older rows went with earlier snapshots).
    this.deleteTail = db.prepare(`
      DELETE FROM doc_updates WHERE seq IN (
        WITH RECURSIVE chain(seq, prev) AS (
          SELECT seq, prev FROM doc_updates WHERE seq = @upto AND doc = @doc
          UNION ALL
          SELECT u.seq, u.prev FROM chain JOIN doc_updates u ON u.seq = chain.prev WHERE u.doc = @doc
        )
        SELECT seq FROM chain)`);
    this.resetTail = db.prepare(`UPDATE docs SET tail = (${TAIL_CHAIN} SELECT count(*) FROM chain) WHERE name = @doc`);

    this.appendTx = db.transaction((writes: readonly UpdateWrite[], compactions: readonly Compaction[]) => {
      // Compactions ride on the group commit: no transaction (and fsync) of their own on the hot path.
      for (const c of compactions) this.compactRows(c.doc, c.snapshot, c.uptoSeq);
      const seqs: number[] = [];
      // One `docs` row read and update per doc per batch, not per update: under load a batch holds many updates
      // of a doc. `last` is also the next row's `prev`.
      const touched = new Map<string, { last: number; count: number }>();
      for (const w of writes) {
        let t = touched.get(w.doc);
        if (t === undefined) touched.set(w.doc, (t = { last: this.selectDoc.get(w.doc)?.last_seq ?? 0, count: 0 }));
        const seq = Number(this.insertUpdate.run(w.doc, t.last === 0 ? null : t.last, toBuffer(w.data)).lastInsertRowid);
        seqs.push(seq);
        t.last = seq;
        t.count++;
      }
      for (const [doc, t] of touched) this.touchDoc.run(doc, t.last, t.count);
      return seqs;
    });
    // AUTOINCREMENT keeps the highest seq ever used in sqlite_sequence even after compaction deleted the rows,
    // so the cursor never goes backwards across restarts.
    const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'doc_updates'").get() as
      | { seq: number }
      | undefined;
    this.cursorValue = row?.seq ?? 0;
  }

  /** The server cursor: seq of the newest stored update (0 on an empty server). */
  cursor(): number {
    return this.cursorValue;
  }

  private compactRows(doc: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.upsertSnapshot.run(doc, toBuffer(snapshot), uptoSeq);
    this.deleteTail.run({ doc, upto: uptoSeq });
    const last = this.selectDoc.get(doc)?.last_seq ?? 0;
    this.resetTail.run({ doc, last, upto: uptoSeq });
  }

  /**
   * Stores updates, and applies compactions, in one transaction (group commit); returns the updates' seqs, in
   * order. Throws if nothing was stored.
   */
  append(writes: readonly UpdateWrite[], compactions: readonly Compaction[] = []): number[] {
    if (writes.length === 0 && compactions.length === 0) return [];
    const seqs = this.appendTx(writes, compactions);
    const last = seqs[seqs.length - 1];
    if (last !== undefined) this.cursorValue = last;
    return seqs;
  }

  /** Seq of the doc's newest update, or 0 if it has never been written. */
  lastSeq(doc: string): number {
    return this.selectDoc.get(doc)?.last_seq ?? 0;
  }

  /** How many updates the doc's tail holds (what a load would replay after the snapshot). */
  tailLength(doc: string): number {
    return this.selectDoc.get(doc)?.tail ?? 0;
  }

  load(doc: string): StoredDoc {
    const meta = this.selectDoc.get(doc);
    if (meta === undefined) return { snapshot: null, tail: [], lastSeq: 0 };
    const snap = this.selectSnapshot.get(doc);
    const tail = this.selectTail.all({ doc, last: meta.last_seq, upto: snap?.upto_seq ?? 0 }).map((r) => r.data);
    return { snapshot: snap?.data ?? null, tail, lastSeq: meta.last_seq };
  }

  /** Names of docs among `docs` whose newest update is after `cursor` (WIRE-2). */
  changedSince(docs: Iterable<string>, cursor: number): string[] {
    const changed: string[] = [];
    for (const doc of docs) {
      const row = this.selectDoc.get(doc);
      if (row !== undefined && row.last_seq > cursor) changed.push(doc);
    }
    return changed;
  }
}

/**
 * Read-only lookups in the `docs` table for the parts that decide about doc names: the access policy (the segments
 * a conversation has, WIRE-2/SEG-1) and the trust layer (whether a segment exists, SEG-3). Statements are prepared
 * on first use: the table is created by DocStore, which the sync service builds after the access policy.
 */
export class DocCatalog {
  private existsStmt: Database.Statement<[string], { one: number }> | null = null;
  private rangeStmt: Database.Statement<[string, string], { name: string }> | null = null;

  constructor(private readonly db: Database.Database) {}

  /** Whether the doc has stored data (a `docs` row: written once, never removed). */
  exists(doc: string): boolean {
    this.existsStmt ??= this.db.prepare('SELECT 1 AS one FROM docs WHERE name = ?');
    return this.existsStmt.get(doc) !== undefined;
  }

  /**
   * [SEG-1] Names of a conversation's segment docs k >= 1 that hold stored data, lowest segment first. One range
   * scan of the `docs` primary key: `conv:<id>/` up to (excluding) `conv:<id>0`; `0` directly follows `/` in byte
   * order, so the range holds exactly the names `conv:<id>/...`. Numeric order is length, then text (no leading zeros).
   */
  segmentDocs(conversationId: string): string[] {
    this.rangeStmt ??= this.db.prepare('SELECT name FROM docs WHERE name >= ? AND name < ? ORDER BY length(name), name');
    return this.rangeStmt.all(`conv:${conversationId}/`, `conv:${conversationId}0`).map((r) => r.name);
  }
}
