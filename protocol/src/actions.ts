/**
 * Message actions (SPEC "Message actions", ACT-*): recall, edit, delete for me, reactions, mentions. The shapes and
 * bounds here are shared by the server's trust rules (through roots.ts) and client-core, so both agree on them.
 */
import { isId, messageIdAuthor } from './ids.js';

/** [ACT-2] A message may be recalled for this long after its HLC stamp, by the server's wall clock. */
export const RECALL_WINDOW_MS = 2 * 60 * 1000;
/** [ACT-6] At most this many different reactions per user per message (one entry holds them all). */
export const MAX_REACTIONS_PER_USER = 3;
/** [ACT-6] A reaction is a short string: an emoji with its modifiers and joiners fits. */
export const MAX_REACTION_LENGTH = 16;
/** [ACT-7] At most this many users mentioned by one message. */
export const MAX_MENTIONS = 50;

/** The `reactions` root of a conversation segment (ACT-6). */
export const CONV_REACTIONS = 'reactions';
/** The `hidden` root of a user doc (ACT-4): messages this account deleted for itself. */
export const USER_HIDDEN = 'hidden';

/** [ACT-6] One user's reactions to one message: `<userId>/<messageId>`. */
export function reactionKey(userId: string, messageId: string): string {
  return `${userId}/${messageId}`;
}

/** The user and message of a reaction key, or null when it is not one. */
export function parseReactionKey(key: string): { userId: string; messageId: string } | null {
  const slash = key.indexOf('/');
  if (slash < 1) return null;
  const userId = key.slice(0, slash);
  const messageId = key.slice(slash + 1);
  return isId(userId) && messageId.length <= 200 && messageIdAuthor(messageId) !== null ? { userId, messageId } : null;
}

/** [ACT-6] `[emoji, ...]`: distinct non-blank strings of at most MAX_REACTION_LENGTH, at most MAX_REACTIONS_PER_USER. */
export function reactionProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'a reaction entry is an array of emoji';
  if (value.length > MAX_REACTIONS_PER_USER) return `at most ${MAX_REACTIONS_PER_USER} reactions per user per message`;
  const seen = new Set<string>();
  for (const r of value) {
    if (typeof r !== 'string' || r.trim().length === 0 || r.length > MAX_REACTION_LENGTH) {
      return `a reaction is a non-blank string of at most ${MAX_REACTION_LENGTH} characters`;
    }
    if (seen.has(r)) return 'a reaction is listed twice';
    seen.add(r);
  }
  return null;
}

/** [ACT-4] A message this account hid: `<conversationId>/<messageId>`. */
export function hiddenKey(conversationId: string, messageId: string): string {
  return `${conversationId}/${messageId}`;
}

/** [ACT-4] Keys are `<conversationId>/<messageId>`, values `true`. */
export function hiddenProblem(key: string, value: unknown): string | null {
  const slash = key.indexOf('/');
  const messageId = key.slice(slash + 1);
  if (slash < 1 || !isId(key.slice(0, slash)) || messageId.length > 200 || messageIdAuthor(messageId) === null) {
    return 'a hidden key is <conversationId>/<messageId>';
  }
  return value === true ? null : 'a hidden entry is true';
}

/** [ACT-7] `mentions`: distinct user ids, at most MAX_MENTIONS. */
export function mentionsProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length > MAX_MENTIONS) return `mentions is a list of at most ${MAX_MENTIONS} user ids`;
  if (!value.every(isId)) return 'mentions holds something that is not a user id';
  return new Set(value).size === value.length ? null : 'a user is mentioned twice';
}

/** [ACT-2] Whether an `edits` value is a recall (`deleted: true`): final once written. */
export function isRecallValue(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['deleted'] === true;
}
