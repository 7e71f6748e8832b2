/*
 * The rows of an open chat (a LazyForEach model): the loaded messages in display order, each with the ChatRow it
 * shows as and its time-label anchor (client-core's VIEW-3 rule, one step at a time). A deque, so an older page
 * goes on top without copying what is loaded: paging and live updates cost what they change, never the rows held.
 * The window rules (ORDER-1 order, the newest page replacing the tail, starting over rather than leaving a gap) are
 * client-core's VIEW-8, shared with the web client.
 */
import { chatTimeLabel, daysAgo, displayOrder, formatSize, leavesGap, lowerBound, newMessagesText, NO_LABEL_YET, showsTimeLabel, unreadDividerAt } from '@concord/client-core';
import type { Message, ViewWords } from '@concord/client-core';
import { Deque } from '../logic/deque';
import { KeyedListModel } from '../logic/listModel';
import { ChatRow, KIND_TEXT } from './rows';

/** A loaded message, the row it shows as, and the time-label anchor after it. */
class ChatEntry {
  readonly msg: Message;
  readonly row: ChatRow;
  /** sentAt of the last message at or above this one that shows a time label. */
  readonly anchor: number;
  constructor(msg: Message, row: ChatRow, anchor: number) {
    this.msg = msg;
    this.row = row;
    this.anchor = anchor;
  }
}

export class ChatRows {
  readonly rows = new KeyedListModel<ChatRow>();
  private readonly entries = new Deque<ChatEntry>();
  /** When and in which language the labels were written: a label's text depends on the day and the words. */
  private labelNow: number;
  private labelWords: ViewWords;
  /** Names arrived since the rows were written: the next update rewrites every row once. */
  private namesStale = false;
  /** Unread when the chat opened: the divider goes above the first of them, decided on the first page. */
  private readonly unreadAtOpen: number;
  private dividerId = '';
  private dividerDecided = false;
  private readonly now: () => number;
  private readonly words: () => ViewWords;
  /** Others' names over their bubbles ('' for none: own messages, direct chats). */
  private readonly authorName: (m: Message) => string;

  constructor(now: () => number, words: () => ViewWords, authorName: (m: Message) => string, unreadAtOpen: number) {
    this.now = now;
    this.words = words;
    this.authorName = authorName;
    this.unreadAtOpen = unreadAtOpen;
    this.labelNow = now();
    this.labelWords = words();
  }

  get length(): number {
    return this.entries.length;
  }

  /** The loaded message at `index` (0 = the oldest loaded). */
  message(index: number): Message | undefined {
    const e = this.entries.at(index);
    return e === undefined ? undefined : e.msg;
  }

  /** A loaded message by id (the newest rows first: that is where the user taps). */
  find(id: string): Message | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries.at(i);
      if (e !== undefined && e.msg.id === id) return e.msg;
    }
    return undefined;
  }

  /** Member names arrived: every row is rewritten once, at the next update. */
  namesChanged(): void {
    this.namesStale = true;
    this.refreshLabels();
  }

  /**
   * The view's newest page (display order) replaces the tail; pages loaded above it stay, unless the page would
   * leave a gap (`predecessor`: the view's message before an id), when the rows start over at the page. True when
   * the rows started over.
   */
  merge(page: Message[], predecessor: (id: string) => string | undefined): boolean {
    this.refreshLabels();
    if (!this.dividerDecided && page.length > 0) {
      this.dividerDecided = true;
      this.dividerId = unreadDividerAt(page, this.unreadAtOpen);
    }
    const gap = leavesGap(this.message(this.entries.length - 1), page.length > 0 ? page[0] : undefined, predecessor);
    // The rows model is rewritten from index 0 by the merge below (one diff, no reload).
    if (gap) this.entries.truncate(0);
    this.mergeTail(page);
    return gap;
  }

  /**
   * An older page (display order) goes on top; of the rows already shown only those whose time label the page
   * changes are touched (the old top row, and the rows below it until the label anchors agree again).
   */
  prepend(page: Message[]): void {
    this.refreshLabels();
    const added: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let anchor = NO_LABEL_YET;
    for (const m of page) {
      const show = showsTimeLabel(m.sentAt, anchor);
      if (show) anchor = m.sentAt;
      const e = this.entryFor(m, show, anchor, undefined);
      added.push(e);
      rows.push(e.row);
    }
    this.entries.prepend(added);
    this.rows.prepend(rows);
    this.relabelFrom(added.length, anchor);
  }

  /** Back at the bottom: the rows above the newest page (display order) go, and the page replaces what is left. */
  keepOnly(page: Message[]): void {
    this.refreshLabels();
    const top = page.length > 0 ? page[0] : undefined;
    const start = top === undefined ? this.entries.length : this.lowerBound(top);
    this.entries.dropFront(start);
    this.rows.removeFront(start);
    this.mergeTail(page);
  }

  private lowerBound(m: Message): number {
    return lowerBound(this.entries.length, (i: number) => (this.entries.at(i) as ChatEntry).msg, m);
  }

  /**
   * Rewrites the rows from where `page` starts to the end with exactly the page's messages: a loaded one in that
   * range that the page lacks is no longer shown (a retried failed message, FAIL-1). Rows whose message and label
   * did not change stay the same objects and send no event. Costs the range plus a binary search.
   */
  private mergeTail(page: Message[]): void {
    const n = this.entries.length;
    const top = page.length > 0 ? page[0] : undefined;
    const start = top === undefined ? n : this.lowerBound(top);
    const old = this.entries.slice(start, n);
    const before = start > 0 ? this.entries.at(start - 1) : undefined;
    let anchor = before === undefined ? NO_LABEL_YET : before.anchor;
    const next: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let p = 0;
    for (const m of page) {
      let prev = p < old.length ? old[p] : undefined;
      while (prev !== undefined && displayOrder(prev.msg, m) < 0) {
        p++;
        prev = p < old.length ? old[p] : undefined;
      }
      if (prev !== undefined && prev.msg.id === m.id) p++;
      else prev = undefined;
      const show = showsTimeLabel(m.sentAt, anchor);
      if (show) anchor = m.sentAt;
      const e = this.entryFor(m, show, anchor, prev);
      next.push(e);
      rows.push(e.row);
    }
    this.entries.truncate(start);
    this.entries.append(next);
    this.rows.replaceFrom(start, rows);
  }

  /**
   * The label anchor above row `index` is now `anchorAbove`: relabels from there down, and stops at the first row
   * whose anchor comes out as before (every label below it is then unchanged).
   */
  private relabelFrom(index: number, anchorAbove: number): void {
    let anchor = anchorAbove;
    for (let i = index; i < this.entries.length; i++) {
      const e = this.entries.at(i);
      if (e === undefined) return;
      const show = showsTimeLabel(e.msg.sentAt, anchor);
      if (show) anchor = e.msg.sentAt;
      const updated = this.entryFor(e.msg, show, anchor, e);
      if (updated.row !== e.row || updated.anchor !== e.anchor) {
        this.entries.setAt(i, updated);
        this.rows.replaceAt(i, updated.row);
      }
      if (anchor === e.anchor) return;
    }
  }

  /**
   * Labels depend on the calendar day of "now" and on the language (and group bubbles on names): when any changed
   * since they were written, every row is relabelled once (unchanged rows keep their object and send no event).
   */
  private refreshLabels(): void {
    const now = this.now();
    const words = this.words();
    const stale = words !== this.labelWords || daysAgo(this.labelNow, now) !== 0 || this.namesStale;
    this.namesStale = false;
    this.labelNow = now;
    this.labelWords = words;
    if (!stale || this.entries.length === 0) return;
    const all: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let anchor = NO_LABEL_YET;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries.at(i);
      if (e === undefined) continue;
      const show = showsTimeLabel(e.msg.sentAt, anchor);
      if (show) anchor = e.msg.sentAt;
      const updated = this.entryFor(e.msg, show, anchor, e);
      all.push(updated);
      rows.push(updated.row);
    }
    this.entries.reset(all);
    this.rows.set(rows);
  }

  /** The entry for `m` with its label decided; `prev`'s row object is kept when it shows exactly the same. */
  private entryFor(m: Message, showLabel: boolean, anchor: number, prev: ChatEntry | undefined): ChatEntry {
    const label = showLabel ? chatTimeLabel(m.sentAt, this.labelNow, this.labelWords) : '';
    const a = m.deleted ? undefined : m.attachment;
    const divider = m.id === this.dividerId ? newMessagesText(this.unreadAtOpen, this.labelWords) : '';
    const row = new ChatRow(
      m.id,
      m.author,
      m.deleted ? '' : m.body,
      m.own,
      m.status ?? '',
      label,
      m.sentAt,
      a === undefined ? KIND_TEXT : m.type,
      a === undefined ? '' : a.name,
      a === undefined ? '' : formatSize(a.size),
      a === undefined ? '' : a.mime,
      this.authorName(m),
      divider,
    );
    const r = prev === undefined ? undefined : prev.row;
    // The same object when nothing shown changed: LazyForEach then gets no event for it.
    if (r !== undefined && r.id === m.id && r.version === row.version && r.author === row.author && r.mine === row.mine && r.sentAt === row.sentAt) {
      return new ChatEntry(m, r, anchor);
    }
    return new ChatEntry(m, row, anchor);
  }
}
