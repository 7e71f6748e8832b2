/*
 * Time texts the pages show, as pure functions of (time, now) so they are unit-tested here rather than eyeballed on
 * a board. Local time of the device (Date's local getters). English and Chinese wording; ArkTS-clean (no
 * object-literal types, no index signatures) because .ets pages call it directly. The words also carry the other
 * texts the facade writes into list rows (the draft marker, the attachment labels), so one language switch relabels
 * them all.
 */

/** Messages closer than this to the previous time label share it (the "WeChat rule", with a 2-minute window). */
export const TIME_GROUP_MS = 2 * 60 * 1000;
/** The anchor before the first message: nothing labelled yet, so the first message gets a label. */
export const NO_LABEL_YET = Number.NEGATIVE_INFINITY;
const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

export class TimeWords {
  readonly justNow: string;
  readonly minutesAgo: string;
  readonly yesterday: string;
  readonly weekdays: string[];
  readonly monthDay: (month: number, day: number) => string;
  readonly yearMonthDay: (year: number, month: number, day: number) => string;
  /** Before a conversation's draft in its list row, so unsent text never reads as a message (HAPP-DRAFT-1). */
  readonly draftPrefix: string;
  /** A list preview of an image, file or voice message: `[Image] name`, `[File] name`, `[Voice]` (HAPP-ATTACH-1). */
  readonly imagePrefix: string;
  readonly filePrefix: string;
  readonly voiceLabel: string;
  constructor(
    justNow: string,
    minutesAgo: string,
    yesterday: string,
    weekdays: string[],
    monthDay: (month: number, day: number) => string,
    yearMonthDay: (year: number, month: number, day: number) => string,
    draftPrefix: string,
    imagePrefix: string,
    filePrefix: string,
    voiceLabel: string,
  ) {
    this.justNow = justNow;
    this.minutesAgo = minutesAgo;
    this.yesterday = yesterday;
    this.weekdays = weekdays;
    this.monthDay = monthDay;
    this.yearMonthDay = yearMonthDay;
    this.draftPrefix = draftPrefix;
    this.imagePrefix = imagePrefix;
    this.filePrefix = filePrefix;
    this.voiceLabel = voiceLabel;
  }
}

const MONTHS_EN: string[] = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const WORDS_EN = new TimeWords(
  'Just now',
  '{n} min ago',
  'Yesterday',
  ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  (m: number, d: number): string => `${MONTHS_EN[m - 1]} ${d}`,
  (y: number, m: number, d: number): string => `${MONTHS_EN[m - 1]} ${d}, ${y}`,
  'Draft: ',
  '[Image] ',
  '[File] ',
  '[Voice]',
);

export const WORDS_ZH = new TimeWords(
  '刚刚',
  '{n}分钟前',
  '昨天',
  ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
  (m: number, d: number): string => `${m}月${d}日`,
  (y: number, m: number, d: number): string => `${y}年${m}月${d}日`,
  '[草稿] ',
  '[图片] ',
  '[文件] ',
  '[语音]',
);

/** 'zh', 'zh-Hans', 'zh_CN' ... -> Chinese; anything else English (the base resources). */
export function wordsFor(language: string): TimeWords {
  return language.toLowerCase().startsWith('zh') ? WORDS_ZH : WORDS_EN;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

export function clock(t: number): string {
  const d = new Date(t);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function startOfDay(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whole calendar days between t and now (0 = today, 1 = yesterday), DST-safe by rounding. */
export function calendarDaysAgo(t: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(t)) / DAY);
}

/**
 * The chat separator text (WeChat style): today "14:05"; yesterday "Yesterday 14:05"; within a week "Tuesday 14:05";
 * this year "Mar 5 14:05"; older "Mar 5, 2023 14:05". Future times (clock skew) read as today.
 */
export function chatTimeLabel(t: number, now: number, w: TimeWords): string {
  const days = calendarDaysAgo(t, now);
  const hm = clock(t);
  if (days <= 0) return hm;
  if (days === 1) return `${w.yesterday} ${hm}`;
  const d = new Date(t);
  if (days < 7) return `${w.weekdays[d.getDay()]} ${hm}`;
  if (d.getFullYear() === new Date(now).getFullYear()) return `${w.monthDay(d.getMonth() + 1, d.getDate())} ${hm}`;
  return `${w.yearMonthDay(d.getFullYear(), d.getMonth() + 1, d.getDate())} ${hm}`;
}

/**
 * For messages in display order, which get a separator: the first one, and every one more than TIME_GROUP_MS after
 * the message that carried the last separator. Measuring from the last separator (not the previous message) keeps a
 * steady conversation from going an hour without a time.
 */
export function timeLabelFlags(times: number[], groupMs: number = TIME_GROUP_MS): boolean[] {
  const out: boolean[] = [];
  let anchor = NO_LABEL_YET;
  for (const t of times) {
    const show = showsTimeLabel(t, anchor, groupMs);
    if (show) anchor = t;
    out.push(show);
  }
  return out;
}

/**
 * One step of timeLabelFlags: whether a message at `t` gets a separator when the last separator above it is at
 * `anchor` (NO_LABEL_YET for none). If it does, `t` is the anchor for the messages below it. Lets a list relabel
 * from any row, given the anchor of the row above, instead of from the top.
 */
export function showsTimeLabel(t: number, anchor: number, groupMs: number = TIME_GROUP_MS): boolean {
  return t - anchor > groupMs || t < anchor;
}

/**
 * The conversation list's time: "Just now" (< 1 min), "5 min ago" (< 1 h, same day), "14:05" (today),
 * "Yesterday", a weekday within the week, then a date.
 */
export function humanizedTime(t: number, now: number, w: TimeWords): string {
  if (t <= 0) return '';
  const diff = now - t;
  const days = calendarDaysAgo(t, now);
  if (days <= 0) {
    if (diff < MINUTE) return w.justNow;
    if (diff < 60 * MINUTE) return w.minutesAgo.replace('{n}', `${Math.floor(diff / MINUTE)}`);
    return clock(t);
  }
  if (days === 1) return w.yesterday;
  const d = new Date(t);
  if (days < 7) return w.weekdays[d.getDay()] ?? '';
  if (d.getFullYear() === new Date(now).getFullYear()) return w.monthDay(d.getMonth() + 1, d.getDate());
  return w.yearMonthDay(d.getFullYear(), d.getMonth() + 1, d.getDate());
}

/** Unread badge text: nothing for 0, the number up to 99, then "99+". */
export function badgeText(unread: number): string {
  if (!(unread > 0)) return '';
  return unread > 99 ? '99+' : `${Math.floor(unread)}`;
}
