/*
 * VIEW-8 (WEB-WINDOW-1): what an open chat shows: the pages paged in above (loadOlder) and the conversation's newest
 * page, kept one contiguous run of messages in ORDER-1 order. The web client merges whole arrays (`mergeNewest`,
 * `prependOlder`); the harmony app's ChatSession merges into a deque by range with the same pieces (`displayOrder`,
 * `lowerBound`, `leavesGap`).
 */
import type { Message } from '../conversation/conversation.js';

/** [ORDER-1] By HLC, then author, then id. */
export function displayOrder(a: Message, b: Message): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function inDisplayOrder(list: readonly Message[]): Message[] {
  return list.slice().sort(displayOrder);
}

/** First of `count` positions whose message (`at(i)`) sorts at or after `m`: a binary search over what is shown. */
export function lowerBound(count: number, at: (index: number) => Message, m: Message): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (displayOrder(at(mid), m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether the newest page (`top` its first message) would leave a gap after `last` (the newest message shown): it
 * starts after `last`, and the view's message just before `top` (`predecessor`) is not `last`. Then more messages
 * arrived at once than a page holds (a device back online, a burst in a group), and the window starts over at the
 * page rather than show a gap; scrolling up pages the rest in, in order.
 */
export function leavesGap(last: Message | undefined, top: Message | undefined, predecessor: (id: string) => string | undefined): boolean {
  if (last === undefined || top === undefined || displayOrder(last, top) >= 0) return false;
  const prev = predecessor(top.id);
  return prev !== undefined && prev !== last.id;
}

/**
 * The view's newest page merged into what is shown. Shown messages before the page's first one stay; the page
 * replaces the rest exactly (a failed message the user retried is gone from the page once its re-send exists,
 * FAIL-1), or everything when it `leavesGap`.
 */
export function mergeNewest(shown: readonly Message[], page: readonly Message[], predecessor: (id: string) => string | undefined): Message[] {
  const top = page[0];
  if (top === undefined) return shown.slice();
  if (leavesGap(shown[shown.length - 1], top, predecessor)) return page.slice();
  const keep = lowerBound(shown.length, (i: number) => shown[i] as Message, top);
  return shown.slice(0, keep).concat(page);
}

/** An older page put on top, if the window still starts where the page was asked for (else the page is stale). */
export function prependOlder(shown: readonly Message[], page: readonly Message[], askedBefore: string): Message[] {
  const first = shown[0];
  if (first === undefined || first.id !== askedBefore) return shown.slice();
  return page.concat(shown);
}
