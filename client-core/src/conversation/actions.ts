/**
 * Checks and shapes of the message actions (SPEC ACT-*), kept out of the Conversation view so that it stays a thin
 * API: what an edit, recall, reaction or mention list must satisfy before anything is written, and the quoted
 * original a reply shows. Pure functions; the view writes.
 */
import {
  MAX_MENTIONS,
  MAX_MESSAGE_LENGTH,
  MAX_REACTION_LENGTH,
  MAX_REACTIONS_PER_USER,
  RECALL_WINDOW_MS,
  isId,
  type MessageEntry,
  type UserId,
} from '@concord/protocol';
import { ClientErrorCode, InvalidInputError } from '../errors.js';
import { hlcMillis, type EditState } from './model.js';

/** [ACT-5] How much of the quoted original a reply carries for display. */
export const QUOTE_PREVIEW_LENGTH = 100;

/**
 * [ACT-5] The message a reply answers: `loaded: false` while its segment is not in memory (`conversation.locate(id)`
 * pages older segments in until it is), else its author and a preview of its text (empty when recalled).
 */
export type Quote =
  | { readonly id: string; readonly loaded: false }
  | {
      readonly id: string;
      readonly loaded: true;
      readonly author: UserId;
      readonly type: MessageEntry['type'];
      readonly preview: string;
      readonly recalled: boolean;
      /** This account deleted it for itself (ACT-4). */
      readonly hiddenForMe: boolean;
    };

export function quoteOf(id: string, original: { entry: MessageEntry; edit: EditState; hidden: boolean } | undefined): Quote {
  if (original === undefined) return { id, loaded: false };
  const { entry, edit, hidden } = original;
  const text = edit.deleted ? '' : (edit.body ?? entry.body);
  return {
    id,
    loaded: true,
    author: entry.author as UserId,
    type: entry.type,
    preview: text.length > QUOTE_PREVIEW_LENGTH ? `${text.slice(0, QUOTE_PREVIEW_LENGTH)}…` : text,
    recalled: edit.deleted,
    hiddenForMe: hidden,
  };
}

/** A message body as `send` accepts it (INPUT-1). */
export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new InvalidInputError(ClientErrorCode.EmptyMessage, 'a message needs some text');
  }
  if (text.length > MAX_MESSAGE_LENGTH) {
    throw new InvalidInputError(ClientErrorCode.MessageTooLong, `a message is at most ${MAX_MESSAGE_LENGTH} UTF-16 code units`);
  }
}

/** [ACT-1, ACT-2] Only the author changes a message, and a recalled one no more. */
export function checkOwnLive(entry: MessageEntry, edit: EditState, me: string): void {
  if (entry.author !== me) throw new InvalidInputError(ClientErrorCode.NotOwnMessage, `message ${entry.id} is not this account's`);
  if (edit.deleted) throw new InvalidInputError(ClientErrorCode.MessageRecalled, `message ${entry.id} was recalled`);
}

/**
 * [ACT-2] Whether a recall would pass the server's window now: `now` is the device's estimate of the server's clock
 * (HLC-2). A message the server has not acknowledged may still be on this device only, and then its recall goes out
 * with it (same update) and passes whatever the stamp.
 */
export function checkRecallWindow(entry: MessageEntry, now: number, acknowledged: boolean): void {
  if (acknowledged && now - hlcMillis(entry.hlc) > RECALL_WINDOW_MS) {
    throw new InvalidInputError(ClientErrorCode.RecallWindowPassed, `a message is recalled within ${RECALL_WINDOW_MS / 60_000} minutes of sending`);
  }
}

/** [ACT-7] The mentions a message may carry: user ids, each once, at most MAX_MENTIONS. */
export function checkMentions(mentions: unknown): readonly string[] | undefined {
  if (mentions === undefined) return undefined;
  if (!Array.isArray(mentions) || !mentions.every(isId)) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'mentions must be a list of user ids');
  }
  const unique = [...new Set(mentions)];
  if (unique.length > MAX_MENTIONS) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `at most ${MAX_MENTIONS} mentions per message`);
  return unique;
}

/** [ACT-6] The new list of this account's reactions after toggling `emoji` (`on` forces a direction). */
export function toggledReactions(current: readonly string[], emoji: unknown, on: boolean | undefined): string[] {
  if (typeof emoji !== 'string' || emoji.trim().length === 0 || emoji.length > MAX_REACTION_LENGTH) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, `a reaction is a non-blank string of at most ${MAX_REACTION_LENGTH} characters`);
  }
  const has = current.includes(emoji);
  const want = on ?? !has;
  if (want === has) return [...current];
  if (!want) return current.filter((e) => e !== emoji);
  if (current.length >= MAX_REACTIONS_PER_USER) {
    throw new InvalidInputError(ClientErrorCode.TooManyReactions, `at most ${MAX_REACTIONS_PER_USER} reactions per message`);
  }
  return [...current, emoji];
}
