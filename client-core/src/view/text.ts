/*
 * Short texts both apps show (VIEW-4): badges, sizes, durations, who is typing, an own message's status.
 */
import type { MessageStatus } from '../conversation/model.js';
import { counted, WORDS_EN, type ViewWords } from './words.js';

export const BADGE_MAX = 99;

/** [WEB-BADGE-1] The unread badge: nothing ('') for 0, the count up to 99, then `99+`. */
export function badgeText(unread: number): string {
  if (!(unread > 0)) return '';
  return unread > BADGE_MAX ? `${BADGE_MAX}+` : `${Math.floor(unread)}`;
}

/** What a screen reader hears for the badge. */
export function badgeLabel(unread: number, w: ViewWords = WORDS_EN): string {
  if (!(unread > 0)) return w.unreadNone;
  return unread === 1 ? w.unreadOne : counted(w.unreadMany, Math.floor(unread));
}

const UNITS: string[] = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * A size as people read it, in binary units (1 KB = 1024 bytes): bytes as they are (`532 B`), one decimal under 10
 * (`1.5 KB`, `9.9 MB`), whole numbers above (`12 KB`, `300 MB`), and no `.0` (`1 KB`). Rounded before the unit is
 * chosen, so 1,048,575 bytes reads `1 MB`, not `1024 KB`.
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 1;
  while (rounded(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const r = rounded(value);
  return `${r < 10 ? r.toFixed(1).replace(/\.0$/, '') : `${r}`} ${UNITS[unit] ?? ''}`;
}

function rounded(value: number): number {
  return value < 9.95 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** `0:07`, `1:05`, `1:02:03`: a voice message's length. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = s < 10 ? `0${s}` : `${s}`;
  if (h > 0) return `${h}:${m < 10 ? `0${m}` : `${m}`}:${ss}`;
  return `${m}:${ss}`;
}

/** [WEB-TYPING-1] Who is typing, in one short line ('' when nobody is). */
export function typingText(names: readonly string[], w: ViewWords = WORDS_EN): string {
  if (names.length === 0) return '';
  if (names.length === 1) return w.typingOne.replace('{a}', names[0] ?? '');
  if (names.length === 2) return w.typingTwo.replace('{a}', names[0] ?? '').replace('{b}', names[1] ?? '');
  return counted(w.typingMany, names.length);
}

const STATUS_ORDER: MessageStatus[] = ['sending', 'sent', 'delivered', 'read', 'failed'];
const STATUS_GLYPHS: string[] = ['◔', '✓', '✓✓', '✓✓', '!'];

/** [WEB-STATUS-1] The glyph of an own message's status (`read` differs from `delivered` by style only). */
export function statusGlyph(status: MessageStatus): string {
  return STATUS_GLYPHS[STATUS_ORDER.indexOf(status)] ?? '';
}

/** [WEB-STATUS-1] The status as words, for screen readers and tooltips. */
export function statusLabel(status: MessageStatus, w: ViewWords = WORDS_EN): string {
  return w.statuses[STATUS_ORDER.indexOf(status)] ?? '';
}

/** Progress order (failed below sending), so a status never shows going backwards. */
export function statusRank(status: MessageStatus): number {
  return status === 'failed' ? -1 : STATUS_ORDER.indexOf(status);
}
