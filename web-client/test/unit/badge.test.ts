import { describe, expect, it } from 'vitest';
import { badgeLabel, badgeText } from '../../src/display/badge.js';
import { STATUS_RANK, statusView } from '../../src/display/status.js';
import { typingText } from '../../src/display/typing.js';
import { parseRoute } from '../../src/ui/routes.js';

describe('badges, statuses, typing, routes', () => {
  it('[WEB-BADGE-1] nothing for 0, the count up to 99, then 99+', () => {
    expect(badgeText(0)).toBeNull();
    expect(badgeText(-3)).toBeNull();
    expect(badgeText(1)).toBe('1');
    expect(badgeText(99)).toBe('99');
    expect(badgeText(100)).toBe('99+');
    expect(badgeText(12_345)).toBe('99+');
    expect(badgeLabel(1)).toBe('1 unread message');
    expect(badgeLabel(150)).toBe('150 unread messages');
    expect(badgeLabel(0)).toBe('no unread messages');
  });

  it('[WEB-STATUS-1] every status has a distinct label; read and delivered differ only in label and style', () => {
    const all = ['sending', 'sent', 'delivered', 'read', 'failed'] as const;
    const labels = all.map((s) => statusView(s).label);
    expect(new Set(labels).size).toBe(all.length);
    expect(statusView('sent').glyph).toBe('✓');
    expect(statusView('delivered').glyph).toBe('✓✓');
    expect([...all].sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b])).toEqual(['failed', 'sending', 'sent', 'delivered', 'read']);
  });

  it('[WEB-TYPING-1] one line for any number of typists', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Ann'])).toBe('Ann is typing…');
    expect(typingText(['Ann', 'Bo'])).toBe('Ann and Bo are typing…');
    expect(typingText(['Ann', 'Bo', 'Cy'])).toBe('3 people are typing…');
  });

  it('[WEB-ROUTE-1] hash routes', () => {
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#/')).toEqual({ name: 'home' });
    expect(parseRoute('#/c/abc-1')).toEqual({ name: 'chat', id: 'abc-1' });
    expect(parseRoute('#/c/')).toEqual({ name: 'home' });
    expect(parseRoute('#/new')).toEqual({ name: 'new' });
    expect(parseRoute('#/devices')).toEqual({ name: 'devices' });
    expect(parseRoute('#/whatever')).toEqual({ name: 'home' });
  });
});
