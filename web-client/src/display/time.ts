/**
 * Time labels, all pure and computed in the viewer's local time zone against an explicit `now` so they can be
 * tested without a clock. WEB-TIME-1 (chat labels, the WeChat rule) and WEB-TIME-2 (list times) in SPEC.md §9.
 */

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const MINUTE = 60_000;

/** Local midnight of the day holding `ms`. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * Whole calendar days from the day of `ms` to the day of `now` (0 = same day, 1 = yesterday). Counted on
 * calendar dates, not 24 h spans, so a daylight-saving change never makes "yesterday" two days ago.
 */
export function daysAgo(ms: number, now: number): number {
  const a = new Date(startOfDay(ms));
  const b = new Date(startOfDay(now));
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

function dateText(ms: number, now: number): string {
  const d = new Date(ms);
  const n = new Date(now);
  const md = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return d.getFullYear() === n.getFullYear() ? md : `${md}, ${d.getFullYear()}`;
}

/**
 * WEB-TIME-1: the label shown above a message in a chat. Today: `14:05`; yesterday: `Yesterday 14:05`; within the
 * last week: `Tuesday 14:05`; older: `Mar 5 14:05` (with the year when it is not this year). A time in the future
 * (a sender's clock ahead of ours) is labelled by its date like any other.
 */
export function chatTimeLabel(ms: number, now: number): string {
  const days = daysAgo(ms, now);
  const t = clockTime(ms);
  if (days === 0) return t;
  if (days === 1) return `Yesterday ${t}`;
  if (days > 1 && days < 7) return `${WEEKDAYS[new Date(ms).getDay()]} ${t}`;
  return `${dateText(ms, now)} ${t}`;
}

/**
 * WEB-TIME-2: the humanized time of a conversation's last activity in the list: `now` under a minute, `N min`
 * under an hour, then `14:05` today, `Yesterday`, a weekday within a week, then the date.
 */
export function listTimeLabel(ms: number, now: number): string {
  if (ms <= 0) return '';
  const diff = now - ms;
  if (diff >= 0 && diff < MINUTE) return 'now';
  if (diff >= 0 && diff < 60 * MINUTE && sameDay(ms, now)) return `${Math.floor(diff / MINUTE)} min`;
  const days = daysAgo(ms, now);
  if (days === 0) return clockTime(ms);
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return WEEKDAYS[new Date(ms).getDay()]!.slice(0, 3);
  return dateText(ms, now);
}

/** A full, unambiguous timestamp for tooltips and screen readers. */
export function fullTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clockTime(ms)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
