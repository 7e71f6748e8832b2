import { describe, expect, it } from 'vitest';
import { badgeLabel, badgeText, statusGlyph, statusLabel, statusRank, typingText, WORDS_ZH } from '../../src/view/index.js';

describe('badges, statuses, typing', () => {
  it('[WEB-BADGE-1] nothing for 0, the count up to 99, then 99+', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(-3)).toBe('');
    expect(badgeText(Number.NaN)).toBe('');
    expect(badgeText(1)).toBe('1');
    expect(badgeText(99)).toBe('99');
    expect(badgeText(100)).toBe('99+');
    expect(badgeText(12_345)).toBe('99+');
    expect(badgeLabel(1)).toBe('1 unread message');
    expect(badgeLabel(150)).toBe('150 unread messages');
    expect(badgeLabel(0)).toBe('no unread messages');
    expect(badgeLabel(3, WORDS_ZH)).toBe('3条未读消息');
  });

  it('[WEB-STATUS-1] every status has a distinct label; read and delivered differ only in label and style', () => {
    const all = ['sending', 'sent', 'delivered', 'read', 'failed'] as const;
    const labels = all.map((s) => statusLabel(s));
    expect(new Set(labels).size).toBe(all.length);
    expect(statusGlyph('sent')).toBe('✓');
    expect(statusGlyph('delivered')).toBe('✓✓');
    expect([...all].sort((a, b) => statusRank(a) - statusRank(b))).toEqual(['failed', 'sending', 'sent', 'delivered', 'read']);
    expect(statusLabel('read', WORDS_ZH)).toBe('已读');
  });

  it('[WEB-TYPING-1] one line for any number of typists', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Ann'])).toBe('Ann is typing…');
    expect(typingText(['Ann', 'Bo'])).toBe('Ann and Bo are typing…');
    expect(typingText(['Ann', 'Bo', 'Cy'])).toBe('3 people are typing…');
    expect(typingText(['Ann', 'Bo'], WORDS_ZH)).toBe('Ann和Bo正在输入…');
  });
});
