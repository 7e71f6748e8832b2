/*
 * Where a chat shows time labels (VIEW-3, WEB-TIME-3): before the first message, before the first message of each
 * local day, and wherever a message comes more than TIME_GROUP_MS after the last label. Measured from the last
 * label, not the previous message, so a steady conversation never goes long without a time. One step at a time
 * (`showsTimeLabel`) so a list can relabel from any row given the label anchor above it (the harmony app's
 * ChatSession), or all at once (`buildTimeline`, the web client).
 */
import { chatTimeLabel, sameDay } from './time.js';
import { WORDS_EN, type ViewWords } from './words.js';

/** Messages within this of the last label share it. */
export const TIME_GROUP_MS = 5 * 60_000;
/** The anchor before the first message: nothing labelled yet, so the first message gets a label. */
export const NO_LABEL_YET = Number.NEGATIVE_INFINITY;

/**
 * Whether a message at `t` gets a label when the last label above it is at `anchor` (NO_LABEL_YET for none). If it
 * does, `t` is the anchor for the messages below it.
 */
export function showsTimeLabel(t: number, anchor: number, groupMs: number = TIME_GROUP_MS): boolean {
  if (anchor === NO_LABEL_YET) return true;
  return t - anchor > groupMs || t < anchor || !sameDay(t, anchor);
}

/** For times in display order, which get a label. */
export function timeLabelFlags(times: readonly number[], groupMs: number = TIME_GROUP_MS): boolean[] {
  const out: boolean[] = [];
  let anchor = NO_LABEL_YET;
  for (const t of times) {
    const show = showsTimeLabel(t, anchor, groupMs);
    if (show) anchor = t;
    out.push(show);
  }
  return out;
}

export interface TimelineMessage {
  readonly id: string;
  readonly author: string;
  readonly sentAt: number;
}

export type TimelineItem<M extends TimelineMessage> =
  | { readonly kind: 'time'; readonly key: string; readonly label: string; readonly newDay: boolean; readonly at: number }
  | { readonly kind: 'message'; readonly key: string; readonly message: M; readonly firstOfRun: boolean };

/**
 * A page of messages (display order) as what the chat shows: time labels (`newDay` for a day separator) and the
 * messages, each marked when it starts a run of one author (the bubble names its author once per run).
 */
export function buildTimeline<M extends TimelineMessage>(messages: readonly M[], now: number, w: ViewWords = WORDS_EN, groupMs: number = TIME_GROUP_MS): TimelineItem<M>[] {
  const out: TimelineItem<M>[] = [];
  let prev: M | null = null;
  let anchor = NO_LABEL_YET;
  for (const m of messages) {
    const labelled = showsTimeLabel(m.sentAt, anchor, groupMs);
    if (labelled) {
      anchor = m.sentAt;
      const newDay = prev === null || !sameDay(prev.sentAt, m.sentAt);
      out.push({ kind: 'time', key: `t:${m.id}`, label: chatTimeLabel(m.sentAt, now, w), newDay, at: m.sentAt });
    }
    out.push({ kind: 'message', key: m.id, message: m, firstOfRun: labelled || prev?.author !== m.author });
    prev = m;
  }
  return out;
}
