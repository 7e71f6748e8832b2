/*
 * A growable ring buffer: indexed reads and writes, and insertion or removal at either end, all in time
 * proportional to the items inserted or removed (amortized: the buffer doubles when full). A chat grows at both ends
 * (older pages on top, new messages at the bottom), and an array's unshift/concat would copy every loaded row on
 * each older page. Pure TS and ArkTS-clean (pages reach it through the list model).
 */

export class Deque<T> {
  private buf: (T | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
  /** Slot of item 0. */
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** The item at `index`, or undefined outside 0..length-1. */
  at(index: number): T | undefined {
    if (!(index >= 0 && index < this.size)) return undefined;
    return this.buf[this.slot(index)];
  }

  /** Replaces the item at `index` (0..length-1; anything else is ignored). */
  setAt(index: number, item: T): void {
    if (!(index >= 0 && index < this.size)) return;
    this.buf[this.slot(index)] = item;
  }

  /** Inserts `items` (in their order) before item 0: they become items 0..items.length-1. */
  prepend(items: T[]): void {
    this.reserve(this.size + items.length);
    const mask = this.buf.length - 1;
    for (let i = items.length - 1; i >= 0; i--) {
      this.head = (this.head - 1) & mask;
      this.buf[this.head] = items[i];
    }
    this.size += items.length;
  }

  /** Appends `items` after the last item. */
  append(items: T[]): void {
    this.reserve(this.size + items.length);
    for (const item of items) {
      this.buf[this.slot(this.size)] = item;
      this.size++;
    }
  }

  /** Keeps the first `length` items, dropping the rest. */
  truncate(length: number): void {
    const keep = Math.max(0, Math.min(this.size, Math.floor(length)));
    for (let i = keep; i < this.size; i++) this.buf[this.slot(i)] = undefined;
    this.size = keep;
  }

  /** Drops the first `count` items. */
  dropFront(count: number): void {
    const n = Math.max(0, Math.min(this.size, Math.floor(count)));
    for (let i = 0; i < n; i++) this.buf[this.slot(i)] = undefined;
    this.head = (this.head + n) & (this.buf.length - 1);
    this.size -= n;
  }

  /** Items start..end-1 as a new array (clamped to the items held). */
  slice(start: number, end: number): T[] {
    const out: T[] = [];
    const to = Math.min(this.size, end);
    for (let i = Math.max(0, start); i < to; i++) out.push(this.buf[this.slot(i)] as T);
    return out;
  }

  toArray(): T[] {
    return this.slice(0, this.size);
  }

  /** Replaces every item with `items`. */
  reset(items: T[]): void {
    this.buf = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];
    this.head = 0;
    this.size = 0;
    this.append(items);
  }

  private slot(index: number): number {
    return (this.head + index) & (this.buf.length - 1);
  }

  /** Grows the buffer (a power of two) to hold `n` items, keeping item order. */
  private reserve(n: number): void {
    let cap = this.buf.length;
    if (n <= cap) return;
    while (cap < n) cap *= 2;
    const next: (T | undefined)[] = [];
    for (let i = 0; i < this.size; i++) next.push(this.buf[this.slot(i)]);
    for (let i = this.size; i < cap; i++) next.push(undefined);
    this.buf = next;
    this.head = 0;
  }
}
