/**
 * WEB-TIME-3: turns a page of messages (display order, oldest first) into what the chat shows: a time label
 * before the first message, before the first message of each new local day (a day separator) and wherever more
 * than `gapMs` passed since the previous message; consecutive messages of one author are grouped so the bubble
 * shows the author's name only once.
 */
import { chatTimeLabel, sameDay } from './time.js';

export const TIME_GAP_MS = 5 * 60_000;

export interface TimelineMessage {
  readonly id: string;
  readonly author: string;
  readonly sentAt: number;
}

export type TimelineItem<M extends TimelineMessage> =
  | { readonly kind: 'time'; readonly key: string; readonly label: string; readonly newDay: boolean; readonly at: number }
  | { readonly kind: 'message'; readonly key: string; readonly message: M; readonly firstOfRun: boolean };

export function buildTimeline<M extends TimelineMessage>(messages: readonly M[], now: number, gapMs = TIME_GAP_MS): TimelineItem<M>[] {
  const out: TimelineItem<M>[] = [];
  let prev: M | null = null;
  for (const m of messages) {
    const newDay = prev === null || !sameDay(prev.sentAt, m.sentAt);
    const gap = prev !== null && m.sentAt - prev.sentAt > gapMs;
    const labelled = newDay || gap;
    if (labelled) out.push({ kind: 'time', key: `t:${m.id}`, label: chatTimeLabel(m.sentAt, now), newDay, at: m.sentAt });
    out.push({ kind: 'message', key: m.id, message: m, firstOfRun: labelled || prev?.author !== m.author });
    prev = m;
  }
  return out;
}
