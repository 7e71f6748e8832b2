/**
 * What an open chat shows: the pages paged in above (loadOlder) and the conversation's newest page, kept one
 * contiguous run of messages in ORDER-1 order (SPEC WEB-WINDOW-1).
 */
export interface WindowMessage {
  readonly id: string;
  readonly author: string;
  readonly hlc: string;
}

/** [ORDER-1] By HLC, then author, then id. */
export function displayOrder(a: WindowMessage, b: WindowMessage): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The view's newest page merged into what is shown. Shown messages before the page's first one stay; the page
 * replaces the rest exactly (a failed message the user retried is gone from the page once its re-send exists,
 * FAIL-1). If the page starts after every shown message and `predecessor(page[0].id)` (the view's message just
 * before it) is not the last one shown, more messages arrived at once than a page holds: the window starts over at
 * the page rather than show a gap, and scrolling up pages the rest in.
 */
export function mergeNewest<M extends WindowMessage>(shown: readonly M[], page: readonly M[], predecessor: (id: string) => string | undefined): M[] {
  const top = page[0];
  if (top === undefined) return shown.slice();
  let keep = shown.length;
  while (keep > 0 && displayOrder(shown[keep - 1] as M, top) >= 0) keep--;
  const last = shown[shown.length - 1];
  if (keep === shown.length && last !== undefined && predecessor(top.id) !== last.id) return page.slice();
  return [...shown.slice(0, keep), ...page];
}

/** An older page put on top, if the window still starts where the page was asked for (else the page is stale). */
export function prependOlder<M extends WindowMessage>(shown: readonly M[], page: readonly M[], askedBefore: string): M[] {
  if (shown[0]?.id !== askedBefore) return shown.slice();
  return [...page, ...shown];
}
