/*
 * The model behind a LazyForEach: a keyed list that turns "here is the new list" into the smallest change events
 * ArkUI understands (add/delete/change at an index), so an incoming message appends one row and a status tick
 * redraws one bubble instead of reloading a 100k-row list. Pure TS; the .ets IDataSource wraps it.
 */

export interface ListListener {
  onReloaded(): void;
  onAdded(index: number): void;
  onDeleted(index: number): void;
  onChanged(index: number): void;
}

export interface Keyed {
  /** Stable identity of the row. */
  readonly key: string;
  /** Changes whenever anything the row shows changes. */
  readonly version: string;
}

export class KeyedListModel<T extends Keyed> {
  private items: T[] = [];
  private readonly listeners: ListListener[] = [];

  count(): number {
    return this.items.length;
  }

  at(index: number): T | undefined {
    return this.items[index];
  }

  all(): T[] {
    return this.items;
  }

  indexOfKey(key: string): number {
    return this.items.findIndex((x: T) => x.key === key);
  }

  addListener(l: ListListener): void {
    if (!this.listeners.includes(l)) this.listeners.push(l);
  }

  removeListener(l: ListListener): void {
    const i = this.listeners.indexOf(l);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Replaces the list and notifies the smallest set of events that turns the old rows into the new ones. */
  set(next: T[]): void {
    const prev = this.items;
    this.items = next.slice();
    const ops = diff(prev, this.items);
    for (const l of this.listeners) {
      if (ops === null) {
        l.onReloaded();
        continue;
      }
      for (const op of ops) {
        if (op.kind === 'add') l.onAdded(op.index);
        else if (op.kind === 'delete') l.onDeleted(op.index);
        else l.onChanged(op.index);
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
  if (ops.length > 64 && ops.length > next.length / 2) return null;
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
