import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDatabase } from '../src/db/open.js';
import { DocStore } from '../src/sync/docStore.js';
import { removeDir, tempDataDir } from './syncHarness.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function freshDir(): string {
  const dir = tempDataDir();
  cleanups.push(() => removeDir(dir));
  return dir;
}

function open(dir: string): Database.Database {
  const db = openDatabase(dir);
  cleanups.push(() => {
    if (db.open) db.close();
  });
  return db;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('doc store', () => {
  it('[DUR-6] interleaved group commits keep each doc its own tail, in order, across compaction and restart', () => {
    const dir = freshDir();
    let db = open(dir);
    let store = new DocStore(db);
    const docs = ['conv:a', 'conv:b', 'conv:c'];
    const expected = new Map<string, string[]>(docs.map((d) => [d, []]));
    let n = 0;
    for (let batch = 0; batch < 20; batch++) {
      const writes = [];
      for (let i = 0; i < 7; i++) {
        const doc = docs[(batch * 7 + i * (batch % 3 === 0 ? 1 : 2)) % docs.length] as string;
        const data = `${doc}#${n++}`;
        writes.push({ doc, data: bytes(data) });
        expected.get(doc)?.push(data);
      }
      store.append(writes);
    }
    for (const doc of docs) expect(store.load(doc).tail.map(text)).toEqual(expected.get(doc));

    // Compact conv:b at its newest update; it holds the newest row overall, so the cursor must not go back.
    const b = store.append([{ doc: 'conv:b', data: bytes('conv:b#last') }]);
    expected.get('conv:b')?.push('conv:b#last');
    const cursor = store.cursor();
    expect(b[0]).toBe(cursor);
    store.append([], [{ doc: 'conv:b', snapshot: bytes('snapshot of b'), uptoSeq: cursor }]);
    expect(store.load('conv:b')).toEqual({ snapshot: expect.anything(), tail: [], lastSeq: cursor });
    expect(store.tailLength('conv:b')).toBe(0);
    const rows = (doc: string): number => (db.prepare('SELECT count(*) AS n FROM doc_updates WHERE doc = ?').get(doc) as { n: number }).n;
    expect(rows('conv:b')).toBe(0);
    expect(rows('conv:a')).toBe(expected.get('conv:a')?.length);

    // Updates after the snapshot chain onto a deleted row and still load; a second compaction takes only them.
    const after = store.append([
      { doc: 'conv:b', data: bytes('b after 1') },
      { doc: 'conv:a', data: bytes('a after') },
      { doc: 'conv:b', data: bytes('b after 2') },
    ]);
    expect(after[0]).toBeGreaterThan(cursor);
    expect(store.load('conv:b').tail.map(text)).toEqual(['b after 1', 'b after 2']);
    expect(store.tailLength('conv:b')).toBe(2);
    store.append([{ doc: 'conv:b', data: bytes('b after 3') }], [{ doc: 'conv:b', snapshot: bytes('snapshot 2'), uptoSeq: after[2] as number }]);
    expect(store.load('conv:b').tail.map(text)).toEqual(['b after 3']);
    expect(store.tailLength('conv:b')).toBe(1);
    expect(rows('conv:b')).toBe(1);

    db.close();
    db = open(dir);
    store = new DocStore(db);
    expect(store.cursor()).toBeGreaterThan(after[2] as number);
    expect(store.load('conv:a').tail.map(text)).toEqual([...(expected.get('conv:a') ?? []), 'a after']);
    expect(text(store.load('conv:b').snapshot ?? new Uint8Array())).toBe('snapshot 2');
    expect(store.load('conv:c').tail.map(text)).toEqual(expected.get('conv:c'));
  });

  it('[DUR-6] a database of the earlier layout is migrated in place: every update kept, new ones chained on', () => {
    const dir = freshDir();
    // The layout before DUR-6, written the way the earlier DocStore wrote it.
    const old = new Database(join(dir, 'concord.db'));
    old.pragma('journal_mode = WAL');
    old.exec(`
      CREATE TABLE doc_updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
      CREATE INDEX doc_updates_by_doc ON doc_updates (doc, seq);
      CREATE TABLE doc_snapshots (doc TEXT PRIMARY KEY, data BLOB NOT NULL, upto_seq INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE docs (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, tail INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
    `);
    const ins = old.prepare('INSERT INTO doc_updates (doc, data) VALUES (?, ?)');
    const touch = old.prepare('INSERT INTO docs (name, last_seq, tail) VALUES (?, ?, 1) ON CONFLICT (name) DO UPDATE SET last_seq = excluded.last_seq, tail = tail + 1');
    const put = (doc: string, s: string): number => {
      const seq = Number(ins.run(doc, Buffer.from(s)).lastInsertRowid);
      touch.run(doc, seq);
      return seq;
    };
    put('conv:x', 'x1');
    put('conv:y', 'y1');
    const x2 = put('conv:x', 'x2');
    put('conv:y', 'y2');
    // conv:x compacted up to x2 by the old code: snapshot written, rows up to it deleted.
    old.prepare('INSERT INTO doc_snapshots (doc, data, upto_seq) VALUES (?, ?, ?)').run('conv:x', Buffer.from('snap x'), x2);
    old.prepare('DELETE FROM doc_updates WHERE doc = ? AND seq <= ?').run('conv:x', x2);
    put('conv:x', 'x3');
    const y3 = put('conv:y', 'y3');
    old.close();

    const db = open(dir);
    const store = new DocStore(db);
    expect(store.cursor()).toBe(y3);
    expect(store.load('conv:x').tail.map(text)).toEqual(['x3']);
    expect(text(store.load('conv:x').snapshot ?? new Uint8Array())).toBe('snap x');
    expect(store.load('conv:y').tail.map(text)).toEqual(['y1', 'y2', 'y3']);
    const index = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'doc_updates_by_doc'").get();
    expect(index).toBeUndefined();
    const version = db.prepare("SELECT version FROM schema_versions WHERE component = 'docs'").get() as { version: number };
    expect(version.version).toBe(4);
    const docColumns = (db.prepare('PRAGMA table_info(docs)').all() as { name: string }[]).map((c) => c.name);
    expect(docColumns).toEqual(['name', 'last_seq']);

    store.append([{ doc: 'conv:y', data: bytes('y4') }]);
    expect(store.load('conv:y').tail.map(text)).toEqual(['y1', 'y2', 'y3', 'y4']);
    const last = store.cursor();
    store.append([], [{ doc: 'conv:y', snapshot: bytes('snap y'), uptoSeq: last }]);
    expect(store.load('conv:y').tail).toEqual([]);
    expect((db.prepare("SELECT count(*) AS n FROM doc_updates WHERE doc = 'conv:y'").get() as { n: number }).n).toBe(0);
  });

  it('[DUR-6] docs rows written behind are caught up at start after an unclean stop: cursor, newest seqs and tails all agree', () => {
    const dir = freshDir();
    const db = open(dir);
    const store = new DocStore(db);
    const first = store.append([{ doc: 'conv:p', data: bytes('p1') }, { doc: 'conv:q', data: bytes('q1') }]);
    // A new doc's row exists at once (the catalog must see every stored doc), at its first seq.
    const row = (d: Database.Database, doc: string): number | undefined => (d.prepare('SELECT last_seq FROM docs WHERE name = ?').get(doc) as { last_seq: number } | undefined)?.last_seq;
    expect(row(db, 'conv:q')).toBe(first[1]);
    const more = store.append([
      { doc: 'conv:q', data: bytes('q2') },
      { doc: 'conv:p', data: bytes('p2') },
      { doc: 'conv:q', data: bytes('q3') },
    ]);
    // Within the write interval the rows lag behind; the store itself knows better.
    expect(row(db, 'conv:q')).toBe(first[1]);
    expect(store.lastSeq('conv:q')).toBe(more[2]);
    expect(store.changedSince(['conv:p', 'conv:q'], more[1] as number)).toEqual(['conv:q']);
    // The newest update of conv:p is compacted away (its rows deleted) before the docs rows were written.
    const p3 = store.append([{ doc: 'conv:p', data: bytes('p3') }]);
    store.append([], [{ doc: 'conv:p', snapshot: bytes('snap p'), uptoSeq: p3[0] as number }]);
    const cursor = store.cursor();
    expect(cursor).toBe(p3[0]);

    // An unclean stop: this store's memory is lost; a new one opens the same file.
    const again = new DocStore(open(dir));
    expect(again.cursor()).toBe(cursor);
    expect(again.lastSeq('conv:p')).toBe(p3[0]);
    expect(again.lastSeq('conv:q')).toBe(more[2]);
    expect(again.load('conv:q').tail.map(text)).toEqual(['q1', 'q2', 'q3']);
    expect(again.load('conv:p')).toEqual({ snapshot: expect.anything(), tail: [], lastSeq: p3[0] });
    expect(again.changedSince(['conv:p', 'conv:q'], more[2] as number)).toEqual(['conv:p']);
    expect(row(db, 'conv:q')).toBe(more[2]);
    // New seqs continue after the old cursor, never reusing the compacted one.
    expect(again.append([{ doc: 'conv:p', data: bytes('p4') }])[0]).toBe(cursor + 1);
    expect(again.load('conv:p').tail.map(text)).toEqual(['p4']);
  });
});
