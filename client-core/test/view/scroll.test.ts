import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/index.js';
import { isNearBottom, ScrollFollow, unreadDividerAt, newMessagesText, WORDS_ZH } from '../../src/view/index.js';

const msg = (id: string, own = false): Message => ({ id, author: own ? 'me' : 'u2', hlc: id, sentAt: 0, type: 'text', body: id, edited: false, deleted: false, own }) as Message;

describe('scroll to the newest message', () => {
  it('[WEB-SCROLL-1] [VIEW-9] at the bottom the view follows; scrolled up it stays and counts arrivals; jump comes back', () => {
    const f = new ScrollFollow();
    expect(f.shown(msg('a'))).toBe(true);
    expect(f.shown(msg('b'))).toBe(true);
    expect(f.scrolled(false)).toBe(true);
    expect(f.jumpText()).toBe('Jump to latest ↓');
    expect(f.shown(msg('c'))).toBe(false);
    expect(f.shown(msg('d'))).toBe(false);
    // A change that is not a new message (a status tick) is not counted.
    expect(f.shown(msg('d'))).toBe(false);
    expect(f.below).toBe(2);
    expect(f.jumpText()).toBe('2 new messages ↓');
    f.jump();
    expect([f.following, f.below]).toEqual([true, 0]);
    expect(f.shown(msg('e'))).toBe(true);
  });

  it("[WEB-SCROLL-1] [VIEW-9] one's own new message brings the view down; reaching the bottom clears the count", () => {
    const f = new ScrollFollow();
    f.shown(msg('a'));
    f.scrolled(false);
    f.shown(msg('b'));
    expect(f.below).toBe(1);
    expect(f.shown(msg('c', true))).toBe(true);
    expect([f.following, f.below]).toEqual([true, 0]);
    f.scrolled(false);
    f.shown(msg('d'));
    expect(f.scrolled(true)).toBe(true);
    expect(f.below).toBe(0);
    f.pagedUp();
    expect(f.shown(msg('d'))).toBe(false);
    expect(isNearBottom(1000, 561, 400)).toBe(true);
    expect(isNearBottom(1000, 500, 400)).toBe(false);
  });

  it('[WEB-SCROLL-1] [VIEW-9] the unread divider goes above the first unread message (own messages are never unread)', () => {
    const list = [msg('a'), msg('b'), msg('c'), msg('d', true), msg('e')];
    expect(unreadDividerAt(list, 0)).toBe('');
    expect(unreadDividerAt(list, 1)).toBe('e');
    expect(unreadDividerAt(list, 2)).toBe('c');
    expect(unreadDividerAt(list, 99)).toBe('a');
    expect(newMessagesText(1)).toBe('1 new message');
    expect(newMessagesText(3)).toBe('3 new messages');
    expect(newMessagesText(3, WORDS_ZH)).toBe('3条新消息');
  });
});
