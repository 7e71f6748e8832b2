/**
 * [PRES-5] How both apps say a user's presence under a direct chat's title: "online", "last seen today at 14:05",
 * "last seen yesterday at 09:12", "last seen on 3 Dec" (this year) or "last seen on 3 Dec 2025", and nothing when
 * the server told nothing (never connected, or hidden: PRES-3 makes the two look alike on purpose).
 */
import type { PresenceView } from './presence.js';

export interface PresenceWords {
  readonly online: string;
  /** `at` is the local time `HH:MM`. */
  today(at: string): string;
  yesterday(at: string): string;
  /** `date` is e.g. `3 Dec` or `3 Dec 2025`. */
  earlier(date: string): string;
}

export const ENGLISH_PRESENCE_WORDS: PresenceWords = {
  online: 'online',
  today: (at) => `last seen today at ${at}`,
  yesterday: (at) => `last seen yesterday at ${at}`,
  earlier: (date) => `last seen on ${date}`,
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function dayStart(t: number): number {
  const d = new Date(t);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function presenceLabel(p: PresenceView, now: number, words: PresenceWords = ENGLISH_PRESENCE_WORDS): string {
  if (p.online) return words.online;
  if (p.lastSeen === null) return '';
  const seen = new Date(p.lastSeen);
  const at = `${two(seen.getHours())}:${two(seen.getMinutes())}`;
  const today = dayStart(now);
  const seenDay = dayStart(p.lastSeen);
  // A clock a little behind the server's can put "last seen" in the future: that is "today".
  if (seenDay >= today) return words.today(at);
  if (seenDay >= dayStart(today - 1)) return words.yesterday(at);
  const date = `${seen.getDate()} ${MONTHS[seen.getMonth()] ?? ''}`;
  return words.earlier(seen.getFullYear() === new Date(now).getFullYear() ? date : `${date} ${seen.getFullYear()}`);
}
