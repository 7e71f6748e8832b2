import { describe, expect, it } from 'vitest';
import { presenceLabel } from '../src/index.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2026, 12, 4, 18, 30);

describe('presence label', () => {
  it('[PRES-5] online, today, yesterday, this year, another year, and nothing when unknown or hidden', () => {
    expect(presenceLabel({ online: true, lastSeen: null }, NOW)).toBe('online');
    expect(presenceLabel({ online: false, lastSeen: at(2026, 12, 4, 14, 5) }, NOW)).toBe('last seen today at 14:05');
    expect(presenceLabel({ online: false, lastSeen: at(2026, 12, 3, 9, 12) }, NOW)).toBe('last seen yesterday at 09:12');
    expect(presenceLabel({ online: false, lastSeen: at(2026, 11, 3, 9, 12) }, NOW)).toBe('last seen on 3 Nov');
    expect(presenceLabel({ online: false, lastSeen: at(2025, 12, 31, 23, 59) }, NOW)).toBe('last seen on 31 Dec 2025');
    expect(presenceLabel({ online: false, lastSeen: null }, NOW)).toBe('');
    // A few seconds ahead of this device's clock is still today.
    expect(presenceLabel({ online: false, lastSeen: NOW + 5_000 }, NOW)).toBe('last seen today at 18:30');
  });
});
