/**
 * Reading one conversation across its loaded segments (SEG-2: display merges all segments by ORDER-1). Each
 * segment's index is already sorted, so a page is a k-way merge walked back from a position: its cost grows with the
 * page and the number of loaded segments, never with the history.
 */
import type { MessageIndex } from '../conversation/messageIndex.js';
import type { StoredMessage } from '../conversation/model.js';
import type { DocHandle } from '../doc/docHandle.js';
import { compareMessages, type MessageEntry } from '@concord/protocol';

/** A segment doc in memory: its number, handle and incremental index. */
export interface Segment {
  readonly n: number;
  readonly handle: DocHandle;
  readonly index: MessageIndex;
}

/** A message and the segment that holds it (status, receipts and edits are per segment, SEG-4). */
export interface Located {
  readonly seg: Segment;
  readonly m: StoredMessage;
}

/** First position in `list` whose entry sorts at or after `entry`. */
function lowerBound(list: readonly StoredMessage[], entry: MessageEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareMessages((list[mid] as StoredMessage).entry, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Up to `limit` messages that sort strictly before `before` (all, when null), newest of them, returned oldest
 * first. `skip` hides messages (retried failures) without counting them.
 */
export function pageBefore(
  segments: Iterable<Segment>,
  before: MessageEntry | null,
  limit: number,
  skip: (seg: Segment, m: StoredMessage) => boolean,
): Located[] {
  const cursors: { seg: Segment; list: readonly StoredMessage[]; i: number }[] = [];
  for (const seg of segments) {
    const list = seg.index.messages();
    const i = (before === null ? list.length : lowerBound(list, before)) - 1;
    if (i >= 0) cursors.push({ seg, list, i });
  }
  const out: Located[] = [];
  while (out.length < limit) {
    let best: (typeof cursors)[number] | null = null;
    for (const c of cursors) {
      if (c.i < 0) continue;
      if (best === null || compareMessages((c.list[c.i] as StoredMessage).entry, (best.list[best.i] as StoredMessage).entry) > 0) best = c;
    }
    if (best === null) break;
    const m = best.list[best.i--] as StoredMessage;
    if (!skip(best.seg, m)) out.push({ seg: best.seg, m });
  }
  return out.reverse();
}

/** The newest message over the segments, or undefined. */
export function newestOf(segments: Iterable<Segment>): Located | undefined {
  let best: Located | undefined;
  for (const seg of segments) {
    const m = seg.index.last();
    if (m !== undefined && (best === undefined || compareMessages(m.entry, best.m.entry) > 0)) best = { seg, m };
  }
  return best;
}

/** The segment holding message `id`, if loaded. */
export function locate(segments: Iterable<Segment>, id: string): Located | undefined {
  for (const seg of segments) {
    const m = seg.index.get(id);
    if (m !== undefined) return { seg, m };
  }
  return undefined;
}
