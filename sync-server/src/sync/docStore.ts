/**
 * Durable doc persistence in the server's SQLite database (SPEC DUR-*): per doc a snapshot plus a short tail of
 * updates, and one global, monotonically increasing sequence number (the server cursor) over all stored updates.
 *
 * The store is binary and uninterpreted: it never parses a CRDT; the hub hands it bytes and compaction snapshots.
 * better-sqlite3 is synchronous, so every method completes before the caller's next statement: a write that
 * returned is committed (WAL), which is what lets the hub acknowledge right after `append`.
 */
import { performance } from 'node:perf_hooks';
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
 * Step 1 is the original layout (created IF NOT EXISTS, so databases made before it was versioned pass through).
 * Step 2 chains each doc's tail: every update row names the doc's previous update (`prev`), and the `(doc, seq)`
 * index goes. The index put one leaf page per doc of a group commit into the WAL: at 2,000 updates/s across 100
 * conversations a commit of ~10 updates wrote ~18 pages (~75 KB) for ~3 KB of updates, and on this VM every WAL
 * frame is two `pwrite` calls. Chained rows are appended at the end of the rowid tree; a doc's tail is read by
 * walking `prev` back from the doc's newest update, which only loads and compactions do.
 * Step 3 drops AUTOINCREMENT (its `sqlite_sequence` row was one more page per commit: seqs now come from the
 * store's counter) and adds `doc_store_state`, which lets the `docs` rows be written behind (see DocStore).
 * Step 4 drops `docs.tail`: a count nothing read since step 2 (the hub counts a loaded doc's tail itself).
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
  (db) => {
    const used = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'doc_updates'").get() as { seq: number } | undefined;
    db.exec(`
      CREATE TABLE doc_updates_chained (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, prev INTEGER, data BLOB NOT NULL);
      INSERT INTO doc_updates_chained (seq, doc, prev, data) SELECT seq, doc, prev, data FROM doc_updates;
      DROP TABLE doc_updates;
      ALTER TABLE doc_updates_chained RENAME TO doc_updates;
      CREATE TABLE doc_store_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        cursor INTEGER NOT NULL,
        docs_upto INTEGER NOT NULL
      );
    `);
    // Until now every commit wrote its docs rows: they are current up to the last seq ever used.
    const cursor = used?.seq ?? 0;
    db.prepare('INSERT INTO doc_store_state (id, cursor, docs_upto) VALUES (1, ?, ?)').run(cursor, cursor);
  },
  (db) => {
    db.exec('ALTER TABLE docs DROP COLUMN tail');
  },
];

/** A doc's tail rows newer than `upto`, newest first: the chain from `last` back through `prev`. */
const TAIL_CHAIN = `
  WITH RECURSIVE chain(seq, prev, data) AS (
    SELECT seq, prev, data FROM doc_updates WHERE seq = @last AND doc = @doc AND seq > @upto
    UNION ALL
    SELECT u.seq, u.prev, u.data FROM chain JOIN doc_updates u ON u.seq = chain.prev WHERE u.doc = @doc AND u.seq > @upto
  )`;

/**
 * How long the `docs` rows of written docs may lag behind their newest update. Writing each written doc's row in
 * every group commit put one or two more pages into each commit's WAL writes; they are written together, with a
 * group commit, at most this often instead.
 */
const DOCS_WRITE_INTERVAL_MS = 1_000;
/** ... or once this many docs wait, whatever the time (bounds the memory and the catch-up at start). */
const DOCS_WRITE_MAX_PENDING = 10_000;

/**
 * [DUR-6] Seqs, and what a doc's newest update is, live in memory and are written behind:
 * - the cursor (`cursorValue`) is the newest seq handed out. `doc_store_state.cursor` is a floor for it, written
 *   with every compaction (the only thing that deletes rows) and every docs write; at start the cursor is the
 *   larger of that floor and the newest stored row, so it never goes backwards;
 * - `pendingLast` holds the newest seq of docs written since their `docs` row was. A doc's first update inserts its
 *   row at once (catalog lookups, SEG-1/SEG-3, must see every stored doc), and a compaction raises the compacted
 *   doc's row to the snapshot's seq (the rows it deletes could otherwise not be found at start);
 * - `doc_store_state.docs_upto`: every row up to it is reflected in `docs`. At start the rows after it (at most
 *   about a second of writes) are read in seq order and the `docs` rows brought up to date.
 */
export class DocStore {
  private readonly insertUpdate: Database.Statement<[number, string, number | null, Buffer]>;
  private readonly insertDoc: Database.Statement<[string, number]>;
  private readonly raiseDoc: Database.Statement<[number, string]>;
  private readonly selectDoc: Database.Statement<[string], { last_seq: number }>;
  private readonly selectSnapshot: Database.Statement<[string], { data: Buffer; upto_seq: number }>;
  private readonly selectTail: Database.Statement<[{ doc: string; last: number; upto: number }], { data: Buffer }>;
  private readonly countTail: Database.Statement<[{ doc: string; last: number; upto: number }], { n: number }>;
  private readonly upsertSnapshot: Database.Statement<[string, Buffer, number]>;
  private readonly deleteTail: Database.Statement<[{ doc: string; upto: number }]>;
  private readonly writeState: Database.Statement<[{ cursor: number; docsUpto: number }]>;
  private readonly appendTx: (writes: readonly UpdateWrite[], compactions: readonly Compaction[], alongside: (() => void) | undefined) => Committed;
  private readonly writeDocsTx: () => void;
  private cursorValue: number;
  private docsUpto: number;
  private readonly pendingLast = new Map<string, number>();
  private docsWrittenAt = performance.now();

  constructor(private readonly db: Database.Database) {
    migrate(db, 'docs', DOC_MIGRATIONS);
    this.insertUpdate = db.prepare('INSERT INTO doc_updates (seq, doc, prev, data) VALUES (?, ?, ?, ?)');
    this.insertDoc = db.prepare('INSERT INTO docs (name, last_seq) VALUES (?, ?)');
    this.raiseDoc = db.prepare('UPDATE docs SET last_seq = max(last_seq, ?) WHERE name = ?');
    this.selectDoc = db.prepare('SELECT last_seq FROM docs WHERE name = ?');
    this.selectSnapshot = db.prepare('SELECT data, upto_seq FROM doc_snapshots WHERE doc = ?');
    this.selectTail = db.prepare(`${TAIL_CHAIN} SELECT data FROM chain ORDER BY seq`);
    this.countTail = db.prepare(`${TAIL_CHAIN} SELECT count(*) AS n FROM chain`);
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
    this.writeState = db.prepare('UPDATE doc_store_state SET cursor = @cursor, docs_upto = @docsUpto WHERE id = 1');

    const state = db.prepare('SELECT cursor, docs_upto FROM doc_store_state WHERE id = 1').get() as { cursor: number; docs_upto: number };
    const newest = (db.prepare('SELECT max(seq) AS seq FROM doc_updates').get() as { seq: number | null }).seq ?? 0;
    this.cursorValue = Math.max(state.cursor, newest);
    this.docsUpto = state.docs_upto;

    this.appendTx = db.transaction((writes: readonly UpdateWrite[], compactions: readonly Compaction[], alongside: (() => void) | undefined): Committed => {
      // Nothing in memory changes until the transaction has committed: a failed commit leaves the store as it was.
      let cursor = this.cursorValue;
      const last = new Map<string, number>();
      // Compactions ride on the group commit: no transaction (and fsync) of their own on the hot path.
      for (const c of compactions) this.compactRows(c.doc, c.snapshot, c.uptoSeq);
      const seqs: number[] = [];
      for (const w of writes) {
        let prev = last.get(w.doc) ?? this.pendingLast.get(w.doc);
        if (prev === undefined) {
          prev = this.selectDoc.get(w.doc)?.last_seq;
          if (prev === undefined) this.insertDoc.run(w.doc, cursor + 1);
        }
        const seq = ++cursor;
        this.insertUpdate.run(seq, w.doc, prev === undefined || prev === 0 ? null : prev, toBuffer(w.data));
        seqs.push(seq);
        last.set(w.doc, seq);
      }
      const docsDue =
        this.pendingLast.size + last.size > DOCS_WRITE_MAX_PENDING || performance.now() - this.docsWrittenAt >= DOCS_WRITE_INTERVAL_MS;
      if (docsDue) {
        for (const [doc, seq] of this.pendingLast) if (!last.has(doc)) this.raiseDoc.run(seq, doc);
        for (const [doc, seq] of last) this.raiseDoc.run(seq, doc);
        this.writeState.run({ cursor, docsUpto: cursor });
      } else if (compactions.length > 0) {
        this.writeState.run({ cursor, docsUpto: this.docsUpto });
      }
      // Rows that must be exactly as durable as these updates (the client-id bindings they rely on, TRUST-6).
      alongside?.();
      return { seqs, last, cursor, docsWritten: docsDue };
    });
    this.writeDocsTx = db.transaction(() => {
      for (const [doc, seq] of this.pendingLast) this.raiseDoc.run(seq, doc);
      this.writeState.run({ cursor: this.cursorValue, docsUpto: this.cursorValue });
    });
    this.catchUpDocs();
  }

  /** The server cursor: seq of the newest stored update (0 on an empty server). */
  cursor(): number {
    return this.cursorValue;
  }

  /** Brings the `docs` rows up to the rows stored after `docs_upto` (an unclean stop left them behind). */
  private catchUpDocs(): void {
    if (this.docsUpto >= this.cursorValue) return;
    const rows = this.db.prepare('SELECT seq, doc FROM doc_updates WHERE seq > ? ORDER BY seq').iterate(this.docsUpto) as IterableIterator<{ seq: number; doc: string }>;
    for (const r of rows) this.pendingLast.set(r.doc, r.seq);
    this.writeDocs();
  }

  /** Writes the `docs` rows that lag behind (on close, and whenever a group commit finds them due). */
  writeDocs(): void {
    if (this.pendingLast.size === 0 && this.docsUpto === this.cursorValue) return;
    this.writeDocsTx();
    this.pendingLast.clear();
    this.docsUpto = this.cursorValue;
    this.docsWrittenAt = performance.now();
  }

  private compactRows(doc: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.upsertSnapshot.run(doc, toBuffer(snapshot), uptoSeq);
    this.deleteTail.run({ doc, upto: uptoSeq });
    // The deleted rows may be newer than the doc's row says; the snapshot's seq is where its tail starts now.
    this.raiseDoc.run(uptoSeq, doc);
  }

  /**
   * Stores updates, and applies compactions, in one transaction (group commit); returns the updates' seqs, in
   * order. Throws if nothing was stored.
   */
  /** Stores updates and compactions in one transaction; `alongside` writes its own rows in the same transaction. */
  append(writes: readonly UpdateWrite[], compactions: readonly Compaction[] = [], alongside?: () => void): number[] {
    if (writes.length === 0 && compactions.length === 0) return [];
    const done = this.appendTx(writes, compactions, alongside);
    this.cursorValue = done.cursor;
    if (done.docsWritten) {
      this.pendingLast.clear();
      this.docsUpto = done.cursor;
      this.docsWrittenAt = performance.now();
    } else {
      for (const [doc, seq] of done.last) this.pendingLast.set(doc, seq);
    }
    return done.seqs;
  }

  /** Seq of the doc's newest update, or 0 if it has never been written. */
  lastSeq(doc: string): number {
    return this.pendingLast.get(doc) ?? this.selectDoc.get(doc)?.last_seq ?? 0;
  }

  /** How many updates the doc's tail holds (what a load would replay after the snapshot). */
  tailLength(doc: string): number {
    const last = this.lastSeq(doc);
    const upto = this.selectSnapshot.get(doc)?.upto_seq ?? 0;
    return this.countTail.get({ doc, last, upto })?.n ?? 0;
  }

  load(doc: string): StoredDoc {
    const last = this.lastSeq(doc);
    if (last === 0) return { snapshot: null, tail: [], lastSeq: 0 };
    const snap = this.selectSnapshot.get(doc);
    const tail = this.selectTail.all({ doc, last, upto: snap?.upto_seq ?? 0 }).map((r) => r.data);
    return { snapshot: snap?.data ?? null, tail, lastSeq: last };
  }

  /** Names of docs among `docs` whose newest update is after `cursor` (WIRE-2). */
  changedSince(docs: Iterable<string>, cursor: number): string[] {
    const changed: string[] = [];
    for (const doc of docs) if (this.lastSeq(doc) > cursor) changed.push(doc);
    return changed;
  }
}

interface Committed {
  readonly seqs: number[];
  /** Each written doc's newest seq in this commit. */
  readonly last: Map<string, number>;
  readonly cursor: number;
  readonly docsWritten: boolean;
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
