/**
 * One conversation's chain of segment docs on this device (SPEC 3.5): which segments exist (held in local storage,
 * or named by the server), which are in memory, the head that new messages go into (SEG-2), and the unread counts
 * of held segments that are not in memory, so the conversation list never loads history (SEG-6).
 *
 * Memory: the head stays loaded; a segment below the floor of the open view is unloaded once it is durable,
 * acknowledged and not syncing (SEG-7). Storage: with `keepLocalSegments`, an unloaded, fully read segment older
 * than the newest `keepLocalSegments` is deleted locally and fetched again when paged to.
 */
import { Emitter } from '../events/emitter.js';
import {
  segmentDocName,
  type ConversationId,
  type DocName,
  CONV_META,
  parseMeta,
  parseSystemEvent,
  CONV_SYSTEM,
  type SystemEvent,
  type ConversationMeta,
} from '@concord/protocol';
import { newestOf, type Located, type Segment } from './merge.js';
import { microtask } from '../platform.js';

export interface HistoryHost {
  /** Load a segment doc from local storage (empty when not held); it is attached before this resolves. */
  open(name: DocName): Promise<void>;
  /** Sync a segment with the server now; false when offline or refused. */
  fetch(name: DocName): Promise<boolean>;
  /** Whether a handshake for the doc is running. */
  isSyncing(name: DocName): boolean;
  /** Drop a loaded segment from memory once its writes are durable; with `forget`, delete the local copy too. */
  unload(name: DocName, forget: boolean): void;
  /** Persist the unread counts of held segments that are not loaded. */
  saveUnread(id: ConversationId, unread: ReadonlyMap<number, number>): void;
  /** Keep at most this many newest segments in local storage (null: keep all). */
  readonly keepLocalSegments: number | null;
  /** SEG-2's threshold on this device. */
  readonly segmentMessages: number;
}

export interface ConversationFigures {
  readonly last: Located | undefined;
  readonly unread: number;
}

export class ConvHistory {
  /** `changed`: messages, receipts or segments changed (debounced); `acked`: what the server holds changed. */
  readonly events = new Emitter<{ changed: void; acked: void }>();
  private headN = 0;
  private readonly held = new Set<number>();
  private readonly loaded = new Map<number, Segment>();
  private readonly offs = new Map<number, () => void>();
  /** Unread counts of held segments not in memory (RCPT-2 per segment, SEG-4). */
  private readonly storedUnread = new Map<number, number>();
  /** Lowest segment the open view shows; segments from it up stay loaded. */
  private floor: number | null = null;
  private readonly pins = new Map<number, number>();
  private sweepQueued = false;
  private emitQueued = false;
  private ackQueued = false;

  constructor(
    readonly id: ConversationId,
    private readonly host: HistoryHost,
  ) {}

  /** The highest segment this device knows of (SEG-2). */
  get head(): number {
    return this.headN;
  }

  name(n: number): DocName {
    return segmentDocName(this.id, n);
  }

  /** Loaded segments, in no particular order. */
  segments(): IterableIterator<Segment> {
    return this.loaded.values();
  }

  segment(n: number): Segment | undefined {
    return this.loaded.get(n);
  }

  isHeld(n: number): boolean {
    return this.held.has(n) || this.loaded.has(n);
  }

  /** Every segment this device holds locally or has in memory. */
  heldSegments(): number[] {
    return [...new Set([...this.held, ...this.loaded.keys()])].sort((a, b) => a - b);
  }

  /** Segments this device holds locally but has not loaded, with unread messages. */
  unloadedUnread(): number[] {
    return [...this.storedUnread.keys()].filter((n) => !this.loaded.has(n));
  }

  /** A segment exists (held locally, or named by the server). Segments are contiguous (SEG-3). */
  known(n: number, held = false): void {
    if (held) this.held.add(n);
    if (n > this.headN) {
      this.headN = n;
      this.queueSweep();
      this.changed();
    }
  }

  restoreUnread(entries: Iterable<readonly [number, number]>): void {
    for (const [n, count] of entries) if (!this.loaded.has(n) && count > 0) this.storedUnread.set(n, count);
    this.changed();
  }

  /**
   * The sync policy (SEG-5): the head and newer, what this device holds, and what the open view shows; older
   * segments wait for paging.
   */
  wants(n: number): boolean {
    return n >= this.headN || this.isHeld(n) || (this.floor !== null && n >= this.floor);
  }

  /**
   * A segment finished syncing. SEG-6: a device that does not hold the segment before it fetches that one too while
   * this one still has messages the account has not read, so its unread count agrees with the account's other
   * devices at a cost bounded by what is unread, not by the history.
   */
  synced(n: number): void {
    const seg = this.loaded.get(n);
    if (seg !== undefined && n > 0 && seg.index.unreadCount() > 0 && !this.isHeld(n - 1)) {
      this.ensureFetched(n - 1).catch(() => {
        // Closing or offline: the next sync of this segment tries again.
      });
    }
    this.queueSweep();
  }

  attach(seg: Segment): void {
    if (this.loaded.has(seg.n)) return;
    this.loaded.set(seg.n, seg);
    this.storedUnread.delete(seg.n);
    this.offs.set(
      seg.n,
      seg.handle.events.on('changed', ({ source }) => {
        if (source !== 'ack') {
          if (seg.index.size > 0) this.held.add(seg.n);
          this.changed();
        } else this.acked();
        this.queueSweep();
      }),
    );
    if (seg.index.size > 0) this.held.add(seg.n);
    this.known(seg.n);
    this.queueSweep();
    this.changed();
  }

  /** Load segment `n` (from local storage; empty if this device does not hold it). */
  async ensure(n: number): Promise<Segment> {
    const have = this.loaded.get(n);
    if (have !== undefined) return have;
    this.pin(n);
    try {
      await this.host.open(this.name(n));
    } finally {
      this.unpin(n);
    }
    const seg = this.loaded.get(n);
    if (seg === undefined) throw new Error(`segment ${this.name(n)} did not load`);
    return seg;
  }

  /** Load segment `n` and, when this device does not hold it, fetch it from the server. */
  async ensureFetched(n: number): Promise<Segment> {
    const heldBefore = this.isHeld(n);
    const seg = await this.ensure(n);
    if (!heldBefore || seg.index.size === 0) {
      this.pin(n);
      try {
        await this.host.fetch(this.name(n));
      } finally {
        this.unpin(n);
      }
    }
    return seg;
  }

  /** SEG-2: the head, or the next segment once this device's copy of the head holds `segmentMessages` messages. */
  async writeSegment(): Promise<Segment> {
    const head = await this.ensure(this.headN);
    if (head.index.size < this.host.segmentMessages) return head;
    return this.ensure(head.n + 1);
  }

  /** Newest message and the account's unread count over the whole conversation, without loading history. */
  figures(): ConversationFigures {
    let unread = 0;
    for (const seg of this.loaded.values()) unread += seg.index.unreadCount();
    for (const [n, count] of this.storedUnread) if (!this.loaded.has(n)) unread += count;
    return { last: newestOf(this.loaded.values()), unread };
  }

  /** The server-written meta, when segment 0 is loaded. */
  meta(): ConversationMeta | null {
    const seg0 = this.loaded.get(0);
    return seg0 === undefined ? null : parseMeta(seg0.handle.doc.getMap<unknown>(CONV_META));
  }

  /** [GROUP-5] The server's system events, from segment 0 when it is loaded, in HLC order. */
  systemEvents(): SystemEvent[] {
    const seg0 = this.loaded.get(0);
    if (seg0 === undefined) return [];
    const out: SystemEvent[] = [];
    seg0.handle.doc.getMap<unknown>(CONV_SYSTEM).forEach((value, key) => {
      const e = parseSystemEvent(key, value);
      if (e !== null) out.push(e);
    });
    return out.sort((a, b) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : 1));
  }

  /** The open view shows segments from `n` up (null: no view). */
  setFloor(n: number | null): void {
    this.floor = n;
    this.queueSweep();
  }

  get viewFloor(): number | null {
    return this.floor;
  }

  pin(n: number): void {
    this.pins.set(n, (this.pins.get(n) ?? 0) + 1);
  }

  unpin(n: number): void {
    const c = (this.pins.get(n) ?? 0) - 1;
    if (c > 0) this.pins.set(n, c);
    else {
      this.pins.delete(n);
      this.queueSweep();
    }
  }

  /** Called when a handshake ends or acknowledgements arrive: unload what is no longer needed. */
  queueSweep(): void {
    if (this.sweepQueued) return;
    this.sweepQueued = true;
    microtask(() => {
      this.sweepQueued = false;
      this.sweep();
    });
  }

  /** The runtime dropped every doc (close): forget loaded state without unloading through the host. */
  clear(): void {
    for (const off of this.offs.values()) off();
    this.offs.clear();
    this.loaded.clear();
    this.events.removeAll();
  }

  private sweep(): void {
    for (const [n, seg] of [...this.loaded]) {
      if (n === this.headN || (this.floor !== null && n >= this.floor) || this.pins.has(n)) continue;
      if (seg.handle.hasUnacked() || this.host.isSyncing(seg.handle.name)) continue;
      this.unload(n, seg);
    }
  }

  private unload(n: number, seg: Segment): void {
    const unread = seg.index.unreadCount();
    this.offs.get(n)?.();
    this.offs.delete(n);
    this.loaded.delete(n);
    if (unread > 0) this.storedUnread.set(n, unread);
    else this.storedUnread.delete(n);
    const keep = this.host.keepLocalSegments;
    const forget = keep !== null && n <= this.headN - keep && unread === 0;
    if (forget) this.held.delete(n);
    this.host.unload(seg.handle.name, forget);
    this.host.saveUnread(this.id, this.storedUnread);
    this.changed();
  }

  private acked(): void {
    if (this.ackQueued) return;
    this.ackQueued = true;
    microtask(() => {
      this.ackQueued = false;
      this.events.emit('acked', undefined);
    });
  }

  private changed(): void {
    if (this.emitQueued) return;
    this.emitQueued = true;
    microtask(() => {
      this.emitQueued = false;
      this.events.emit('changed', undefined);
    });
  }
}
