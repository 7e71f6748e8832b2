/*
 * The model behind a LazyForEach: a keyed list that turns "here is the new list" into the smallest change events
 * ArkUI understands (add/delete/change at an index), so an incoming message appends one row and a status tick
 * redraws one bubble instead of reloading a 100k-row list. A chat changes it by range (prepend an older page, replace
 * one row, replace the tail, drop the top), so a change costs what it touches, not the rows held. Pure TS; the .ets
 * IDataSource wraps it.
 */
import type { Keyed } from '@concord/client-core';
import { Deque } from './deque';

export interface ListListener {
  onReloaded(): void;
  onAdded(index: number): void;
  onDeleted(index: number): void;
  onChanged(index: number): void;
}

/** More single events than this (and than half the rows) and a reload is cheaper for ArkUI. */
const RELOAD_OPS = 64;

export class KeyedListModel<T extends Keyed> {
  private readonly items = new Deque<T>();
  /** What all() returned last, until the next change (only tests and tools read the whole list). */
  private snapshot: T[] | null = null;
  private readonly listeners: ListListener[] = [];

  count(): number {
    return this.items.length;
  }

  at(index: number): T | undefined {
    return this.items.at(index);
  }

  /** Every row, as a new array (O(rows); pages read rows with `at`). */
  all(): T[] {
    let s = this.snapshot;
    if (s === null) {
      s = this.items.toArray();
      this.snapshot = s;
    }
    return s;
  }

  indexOfKey(key: string): number {
    for (let i = 0; i < this.items.length; i++) {
      const row = this.items.at(i);
      if (row !== undefined && row.key === key) return i;
    }
    return -1;
  }

  addListener(l: ListListener): void {
    if (!this.listeners.includes(l)) this.listeners.push(l);
  }

  removeListener(l: ListListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /**
   * Replaces the list and notifies the smallest set of events that turns the old rows into the new ones. Diffs
   * every row (O(rows)): for lists rebuilt wholesale (conversations); a chat uses the range operations below.
   */
  set(next: T[]): void {
    const prev = this.all();
    this.items.reset(next);
    this.snapshot = null;
    this.emit(diff(prev, next), 0);
  }

  /**
   * Inserts `rows` above row 0 (an older page): one add per new row, at 0..rows.length-1 in that order, and nothing
   * for the rows already there. O(rows.length).
   */
  prepend(rows: T[]): void {
    if (rows.length === 0) return;
    this.items.prepend(rows);
    this.snapshot = null;
    for (const l of this.listeners) for (let i = 0; i < rows.length; i++) l.onAdded(i);
  }

  /**
   * Replaces the row at `index` with `row` (the same key): a change event when its version differs, none when the
   * row shows the same thing.
   */
  replaceAt(index: number, row: T): void {
    const old = this.items.at(index);
    if (old === undefined || old === row) return;
    this.items.setAt(index, row);
    this.snapshot = null;
    if (old.version === row.version) return;
    for (const l of this.listeners) l.onChanged(index);
  }

  /**
   * Rows from `start` to the end become `next` (the newest page merged into the tail): the events are the diff of
   * that range only, at their indexes in the whole list, so the cost is the range's, not the list's. A reordering
   * inside the range reloads.
   */
  replaceFrom(start: number, next: T[]): void {
    const from = Math.max(0, Math.min(start, this.items.length));
    const prev = this.items.slice(from, this.items.length);
    this.items.truncate(from);
    this.items.append(next);
    this.snapshot = null;
    this.emit(diff(prev, next), from);
  }

  /** Drops the first `count` rows (back at the bottom after a long scroll): one delete at 0 per row, or a reload when that is more events than rows kept. */
  removeFront(count: number): void {
    const n = Math.max(0, Math.min(count, this.items.length));
    if (n === 0) return;
    this.items.dropFront(n);
    this.snapshot = null;
    const reload = n > RELOAD_OPS && n > this.items.length / 2;
    for (const l of this.listeners) {
      if (reload) l.onReloaded();
      else for (let i = 0; i < n; i++) l.onDeleted(0);
    }
  }

  /** Sends `ops` (indexes relative to `offset`), or a reload for null. */
  private emit(ops: ListOp[] | null, offset: number): void {
    for (const l of this.listeners) {
      if (ops === null) {
        l.onReloaded();
        continue;
      }
      for (const op of ops) {
        if (op.kind === 'add') l.onAdded(op.index + offset);
        else if (op.kind === 'delete') l.onDeleted(op.index + offset);
        else l.onChanged(op.index + offset);
      }
    }
  }
}

export class ListOp {
  readonly kind: string;
  readonly index: number;
  /** kind is 'add', 'delete' or 'change'. */
  constructor(kind: string, index: number) {
    this.kind = kind;
    this.index = index;
  }
}

/**
 * Ops in application order, or null when a reload is simpler (reordering). Handles what a chat and a conversation
 * list actually do: insert anywhere (new message, older page on top), delete anywhere, change in place.
 * Rows that moved (a conversation jumping to the top) are expressed as delete + add.
 */
export function diff<T extends Keyed>(prev: T[], next: T[]): ListOp[] | null {
  const ops: ListOp[] = [];
  const nextKeys = new Set<string>(next.map((x: T) => x.key));
  // 1. deletes (from the end, so earlier indexes stay valid) of rows that are gone.
  const kept: T[] = [];
  for (let i = prev.length - 1; i >= 0; i--) {
    const row = prev[i] as T;
    if (!nextKeys.has(row.key)) ops.push(new ListOp('delete', i));
  }
  for (const row of prev) if (nextKeys.has(row.key)) kept.push(row);
  // 2. the kept rows must appear in next in the same relative order; a row that moved is deleted and re-added.
  const lis = stableSubsequence(kept, next);
  const stay = new Set<string>(lis);
  for (let i = kept.length - 1; i >= 0; i--) {
    const row = kept[i] as T;
    if (!stay.has(row.key)) {
      ops.push(new ListOp('delete', i));
    }
  }
  const remaining = kept.filter((x: T) => stay.has(x.key));
  const before = new Map<string, T>();
  for (const r of remaining) before.set(r.key, r);
  // 3. walk next: rows not in `remaining` are adds at their final index; kept rows with a new version are changes.
  let j = 0;
  for (let i = 0; i < next.length; i++) {
    const row = next[i] as T;
    const old = before.get(row.key);
    if (old === undefined) ops.push(new ListOp('add', i));
    else {
      if (old.version !== row.version) ops.push(new ListOp('change', i));
      j++;
    }
  }
  if (j !== remaining.length) return null;
  // A rebuild is cheaper for ArkUI than thousands of single events.
  if (ops.length > RELOAD_OPS && ops.length > next.length / 2) return null;
  return ops;
}

/** Keys of `kept` that form the longest run in the same order in `next` (patience LIS, O(n log n)). */
function stableSubsequence<T extends Keyed>(kept: T[], next: T[]): string[] {
  const pos = new Map<string, number>();
  next.forEach((x: T, i: number) => {
    pos.set(x.key, i);
  });
  const seq: number[] = kept.map((x: T) => pos.get(x.key) ?? -1);
  const tails: number[] = [];
  const tailIdx: number[] = [];
  const parent: number[] = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((tails[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = v;
    tailIdx[lo] = i;
    parent[i] = lo > 0 ? (tailIdx[lo - 1] as number) : -1;
  }
  const out: string[] = [];
  let k = tails.length > 0 ? (tailIdx[tails.length - 1] as number) : -1;
  while (k >= 0) {
    out.push((kept[k] as T).key);
    k = parent[k] as number;
  }
  return out.reverse();
}
