/**
 * The private user doc `user:<userId>` (SPEC.md, SCHEMA-USER-*), synced only among that user's devices.
 *
 * - `convs` (server only): conversationId -> ConversationSummary, so every device learns of new conversations.
 * - `prefs`: `pin:<conversationId>` -> number (pin time in ms, 0 = not pinned), `mute:<conversationId>` -> boolean.
 *   One key per setting so that pinning on one device and muting on another never overwrite each other.
 * - `drafts`: conversationId -> string.
 */
import type { ConversationKind } from './conv.js';

export const USER_CONVS = 'convs';
export const USER_PREFS = 'prefs';
export const USER_DRAFTS = 'drafts';

export interface ConversationSummary {
  readonly kind: ConversationKind;
  readonly title: string;
  readonly members: readonly string[];
  readonly createdAt: number;
}

export function pinKey(conversationId: string): string {
  return `pin:${conversationId}`;
}
export function muteKey(conversationId: string): string {
  return `mute:${conversationId}`;
}

export function parseConversationSummary(value: unknown): ConversationSummary | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if ((v['kind'] !== 'direct' && v['kind'] !== 'group') || !Array.isArray(v['members'])) return null;
  return {
    kind: v['kind'],
    title: typeof v['title'] === 'string' ? v['title'] : '',
    members: (v['members'] as unknown[]).filter((m): m is string => typeof m === 'string'),
    createdAt: typeof v['createdAt'] === 'number' ? v['createdAt'] : 0,
  };
}
/** [CLEAR-1] `clear:<conversationId>`: deleted for this account up to this time (ms). */
export function clearKey(conversationId: string): string {
  return `clear:${conversationId}`;
}
