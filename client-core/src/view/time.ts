/*
 * Time labels (VIEW-2), pure and computed in the viewer's local time zone against an explicit `now`, so they are
 * tested without a clock. Both apps use them: the chat's labels (WEB-TIME-1) and the list's times (WEB-TIME-2).
 */
import { counted, WORDS_EN, type ViewWords } from './words.js';

const MINUTE = 60_000;

/** Local midnight of the day holding `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * Whole calendar days from the day of `ms` to the day of `now` (0 = same day, 1 = yesterday, negative: a later
 * day). Counted on calendar dates, not 24 h spans, so a daylight-saving change never makes "yesterday" two days ago.
 */
export function daysAgo(ms: number, now: number): number {
  const a = new Date(ms);
  const b = new Date(now);
  const utcA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const utcB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((utcB - utcA) / 86_400_000);
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** 24-hour `HH:mm`. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** A full, unambiguous timestamp for tooltips and screen readers: `2025-01-02 13:04`. */
export function fullTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clockTime(ms)}`;
}

/** The date of `ms`, with the year only when it is not `now`'s. */
function dateText(ms: number, now: number, w: ViewWords): string {
  const d = new Date(ms);
  if (d.getFullYear() === new Date(now).getFullYear()) return w.monthDay(d.getMonth() + 1, d.getDate());
  return w.yearMonthDay(d.getFullYear(), d.getMonth() + 1, d.getDate());
}

/**
 * [WEB-TIME-1] The label above messages in a chat (the WeChat rule): today `14:05`; yesterday `Yesterday 14:05`;
 * within the last week `Tuesday 14:05`; older `Mar 5 14:05` (with the year when not this year). A stamp later today
 * (a sender's clock slightly ahead) reads as today; one on a later day is labelled by its date.
 */
export function chatTimeLabel(ms: number, now: number, w: ViewWords = WORDS_EN): string {
  const days = daysAgo(ms, now);
  const t = clockTime(ms);
  if (days === 0) return t;
  if (days === 1) return `${w.yesterday} ${t}`;
  if (days > 1 && days < 7) return `${w.weekdays[new Date(ms).getDay()] ?? ''} ${t}`;
  return `${dateText(ms, now, w)} ${t}`;
}

/**
 * [WEB-TIME-2] The conversation list's time of the last activity: `Just now` under a minute (also a few seconds
 * ahead), `N min ago` under an hour today, then `14:05` today, `Yesterday`, a short weekday within a week, then the
 * date. Nothing for no activity.
 */
export function listTimeLabel(ms: number, now: number, w: ViewWords = WORDS_EN): string {
  if (ms <= 0) return '';
  const diff = now - ms;
  const days = daysAgo(ms, now);
  if (days === 0) {
    if (diff > -MINUTE && diff < MINUTE) return w.justNow;
    if (diff > 0 && diff < 60 * MINUTE) return counted(w.minutesAgo, Math.floor(diff / MINUTE));
    return clockTime(ms);
  }
  if (days === 1) return w.yesterday;
  if (days > 1 && days < 7) return w.shortWeekdays[new Date(ms).getDay()] ?? '';
  return dateText(ms, now, w);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
