import { describe, expect, it } from 'vitest';
import { chatTimeLabel, clockTime, daysAgo, fullTimestamp, listTimeLabel, WORDS_EN, WORDS_ZH, wordsFor } from '../../src/view/index.js';

// Local times: the labels are for the viewer's own time zone. Wednesday 2025-06-18 15:30.
const at = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2025, 6, 18, 15, 30);

describe('chat time labels', () => {
  it('[WEB-TIME-1] today shows the time only', () => {
    expect(chatTimeLabel(at(2025, 6, 18, 9, 5), NOW)).toBe('09:05');
    expect(chatTimeLabel(at(2025, 6, 18, 0, 0), NOW)).toBe('00:00');
  });
  it('[WEB-TIME-1] yesterday, then the weekday within a week, then the date', () => {
    expect(chatTimeLabel(at(2025, 6, 17, 23, 59), NOW)).toBe('Yesterday 23:59');
    expect(chatTimeLabel(at(2025, 6, 16, 8, 0), NOW)).toBe('Monday 08:00');
    expect(chatTimeLabel(at(2025, 6, 12, 8, 0), NOW)).toBe('Thursday 08:00');
    expect(chatTimeLabel(at(2025, 6, 11, 8, 0), NOW)).toBe('Jun 11 08:00');
    expect(chatTimeLabel(at(2024, 12, 31, 22, 1), NOW)).toBe('Dec 31, 2024 22:01');
  });
  it('[WEB-TIME-1] a stamp from a later day (a fast clock elsewhere) gets a date; one later today reads as today', () => {
    expect(chatTimeLabel(at(2025, 6, 19, 1, 0), NOW)).toBe('Jun 19 01:00');
    expect(chatTimeLabel(NOW + 60_000, NOW)).toBe('15:31');
  });
  it('[VIEW-1] [VIEW-2] the words are injected: Chinese labels from the same rules', () => {
    expect(chatTimeLabel(at(2025, 6, 17, 7, 0), NOW, WORDS_ZH)).toBe('昨天 07:00');
    expect(chatTimeLabel(at(2024, 1, 2, 7, 0), NOW, WORDS_ZH)).toBe('2024年1月2日 07:00');
    expect(chatTimeLabel(at(2025, 6, 16, 8, 0), NOW, WORDS_ZH)).toBe('星期一 08:00');
    expect(listTimeLabel(NOW - 3 * 60_000, NOW, wordsFor('zh-Hans'))).toBe('3分钟前');
    expect(listTimeLabel(at(2025, 1, 8, 8, 7), NOW, WORDS_ZH)).toBe('1月8日');
    expect(listTimeLabel(at(2024, 1, 8, 8, 7), NOW, WORDS_ZH)).toBe('2024年1月8日');
    expect(listTimeLabel(at(2025, 6, 14, 9, 5), NOW, WORDS_ZH)).toBe('周六');
    expect(wordsFor('en-US')).toBe(WORDS_EN);
    expect(wordsFor('zh_CN')).toBe(WORDS_ZH);
  });
  it('[WEB-TIME-1] days are counted on calendar dates (just after midnight is yesterday, not today)', () => {
    const justAfterMidnight = at(2025, 6, 18, 0, 1);
    expect(daysAgo(at(2025, 6, 17, 23, 59), justAfterMidnight)).toBe(1);
    expect(chatTimeLabel(at(2025, 6, 17, 23, 59), justAfterMidnight)).toBe('Yesterday 23:59');
    // Across a month and a year boundary.
    expect(daysAgo(at(2024, 12, 31, 12), at(2025, 1, 1, 12))).toBe(1);
    expect(daysAgo(at(2025, 2, 28, 12), at(2025, 3, 1, 12))).toBe(1);
  });
});

describe('list time labels', () => {
  it('[WEB-TIME-2] humanized: just now, minutes, the time today, Yesterday, weekday, date', () => {
    expect(listTimeLabel(NOW - 10_000, NOW)).toBe('Just now');
    expect(listTimeLabel(NOW + 10_000, NOW)).toBe('Just now');
    expect(listTimeLabel(NOW - 5 * 60_000, NOW)).toBe('5 min ago');
    expect(listTimeLabel(NOW - 59 * 60_000, NOW)).toBe('59 min ago');
    expect(listTimeLabel(NOW + 5 * 60_000, NOW)).toBe('15:35');
    expect(listTimeLabel(at(2025, 6, 18, 9, 5), NOW)).toBe('09:05');
    expect(listTimeLabel(at(2025, 6, 17, 9, 5), NOW)).toBe('Yesterday');
    expect(listTimeLabel(at(2025, 6, 14, 9, 5), NOW)).toBe('Sat');
    expect(listTimeLabel(at(2025, 3, 5, 9, 5), NOW)).toBe('Mar 5');
    expect(listTimeLabel(at(2023, 3, 5, 9, 5), NOW)).toBe('Mar 5, 2023');
  });
  it('[WEB-TIME-2] no activity gives no label; minutes never cross midnight', () => {
    expect(listTimeLabel(0, NOW)).toBe('');
    const early = at(2025, 6, 18, 0, 10);
    expect(listTimeLabel(at(2025, 6, 17, 23, 55), early)).toBe('Yesterday');
  });
  it('[WEB-TIME-2] clock and full timestamps are zero-padded 24-hour', () => {
    expect(clockTime(at(2025, 1, 2, 3, 4))).toBe('03:04');
    expect(fullTimestamp(at(2025, 1, 2, 13, 4))).toBe('2025-01-02 13:04');
  });
});
