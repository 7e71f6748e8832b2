/*
 * VIEW-9 (WEB-SCROLL-1, HAPP-SCROLL-1): the platform-free part of keeping a chat on its newest message. The view
 * follows the newest message while it is at the bottom; one's own new message always brings it down; scrolled up,
 * it stays put and counts what arrived below for a "jump to latest" button. A chat opened with unread messages
 * shows an "N new messages" divider above the first of them. The apps only report scrolling and changes and
 * scroll when told.
 */
import type { Message } from '../conversation/conversation.js';
import { counted, WORDS_EN, type ViewWords } from './words.js';

/** Within this many pixels of the end counts as at the bottom (a rounding of fractional scroll offsets). */
export const NEAR_BOTTOM_PX = 40;

export function isNearBottom(scrollHeight: number, scrollTop: number, clientHeight: number): boolean {
  return scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
}

export class ScrollFollow {
  private follow = true;
  private count = 0;
  /** The newest message shown last time ('' before the first). */
  private newestId = '';

  /** Whether the view keeps to the bottom. */
  get following(): boolean {
    return this.follow;
  }

  /** New messages that arrived below while scrolled up. */
  get below(): number {
    return this.count;
  }

  /** The user scrolled: `atBottom` is where the view is now. True when `following` changed. */
  scrolled(atBottom: boolean): boolean {
    if (atBottom) this.count = 0;
    if (atBottom === this.follow) return false;
    this.follow = atBottom;
    return true;
  }

  /** Older messages were put on top on the user's scroll up: the view stays where it is. */
  pagedUp(): void {
    this.follow = false;
  }

  /**
   * The shown messages changed; `newest` is the last one now (undefined for none). True when the view should scroll
   * to the bottom.
   */
  shown(newest: Message | undefined): boolean {
    const id = newest === undefined ? '' : newest.id;
    const arrived = id !== '' && id !== this.newestId && this.newestId !== '';
    this.newestId = id;
    if (arrived && newest !== undefined && newest.own) this.follow = true;
    if (this.follow) {
      this.count = 0;
      return true;
    }
    if (arrived) this.count++;
    return false;
  }

  /** The "jump to latest" button was pressed: scroll to the bottom and follow again. */
  jump(): void {
    this.follow = true;
    this.count = 0;
  }

  /** The button's text: `Jump to latest ↓`, or what arrived below (`2 new messages ↓`). */
  jumpText(w: ViewWords = WORDS_EN): string {
    return `${this.count === 0 ? w.jumpToLatest : newMessagesText(this.count, w)} ↓`;
  }
}

/** `1 new message`, `3 new messages`. */
export function newMessagesText(count: number, w: ViewWords = WORDS_EN): string {
  return count === 1 ? w.newMessagesOne : counted(w.newMessagesMany, count);
}

/**
 * Where the "N new messages" divider goes in a chat opened with `unread` unread messages: the id of the first of
 * them (counting others' messages from the newest back: one's own are never unread), or '' for none. When fewer are
 * shown than are unread, the divider goes above the oldest shown.
 */
export function unreadDividerAt(messages: readonly Message[], unread: number): string {
  if (!(unread > 0)) return '';
  let left = unread;
  let at = '';
  for (let i = messages.length - 1; i >= 0 && left > 0; i--) {
    const m = messages[i] as Message;
    at = m.id;
    if (!m.own) left--;
  }
  return at;
}
