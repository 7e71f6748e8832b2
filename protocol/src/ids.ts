/**
 * Branded ids and doc names. Ids are opaque strings from a small alphabet so they can be embedded in doc names,
 * message ids and storage keys without escaping.
 */

export type UserId = string & { readonly __brand: 'UserId' };
export type DeviceId = string & { readonly __brand: 'DeviceId' };
export type ConversationId = string & { readonly __brand: 'ConversationId' };
export type MessageId = string & { readonly __brand: 'MessageId' };
export type DocName = string & { readonly __brand: 'DocName' };

/** [ID-1] Ids use only `A-Z a-z 0-9 _ -`, 1 to 64 characters. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function asUserId(value: string): UserId {
  if (!isId(value)) throw new TypeError(`invalid user id: ${JSON.stringify(value)}`);
  return value as UserId;
}
export function asDeviceId(value: string): DeviceId {
  if (!isId(value)) throw new TypeError(`invalid device id: ${JSON.stringify(value)}`);
  return value as DeviceId;
}
export function asConversationId(value: string): ConversationId {
  if (!isId(value)) throw new TypeError(`invalid conversation id: ${JSON.stringify(value)}`);
  return value as ConversationId;
}

/**
 * [DOC-1] Doc names: `user:<userId>` is a user's private doc; `conv:<conversationId>` is a conversation's segment 0
 * and `conv:<conversationId>/<k>` (k = 1..MAX_SEGMENT, decimal, no leading zero) its segment k ([SEG-1]).
 * Anything else is refused by the server.
 */
export type ParsedDocName =
  | { readonly kind: 'user'; readonly userId: UserId }
  | { readonly kind: 'conv'; readonly conversationId: ConversationId; readonly segment: number };

/** [SEG-1] The highest segment number a doc name may carry. */
export const MAX_SEGMENT = 999_999;

const SEGMENT_PATTERN = /^[1-9][0-9]{0,5}$/;

export function userDocName(userId: UserId): DocName {
  return `user:${userId}` as DocName;
}
/** Segment 0 of a conversation (the doc that also holds its server-written `meta`). */
export function convDocName(conversationId: ConversationId): DocName {
  return `conv:${conversationId}` as DocName;
}
/** [SEG-1] Segment `segment` of a conversation; segment 0 is `convDocName`. */
export function segmentDocName(conversationId: ConversationId, segment: number): DocName {
  if (!Number.isInteger(segment) || segment < 0 || segment > MAX_SEGMENT) throw new RangeError(`invalid segment ${segment}`);
  return (segment === 0 ? `conv:${conversationId}` : `conv:${conversationId}/${segment}`) as DocName;
}

export function parseDocName(name: string): ParsedDocName | null {
  const colon = name.indexOf(':');
  if (colon < 0) return null;
  const prefix = name.slice(0, colon);
  let id = name.slice(colon + 1);
  let segment = 0;
  if (prefix === 'conv') {
    const slash = id.indexOf('/');
    if (slash >= 0) {
      const seg = id.slice(slash + 1);
      if (!SEGMENT_PATTERN.test(seg)) return null;
      segment = Number(seg);
      id = id.slice(0, slash);
    }
  }
  if (!isId(id)) return null;
  if (prefix === 'user') return { kind: 'user', userId: id as UserId };
  if (prefix === 'conv') return { kind: 'conv', conversationId: id as ConversationId, segment };
  return null;
}

export function isDocName(name: string): name is DocName {
  return parseDocName(name) !== null;
}

/** [ID-2] A message id is `<authorUserId>.<random>`: ownership is visible in the key, and a re-send dedupes. */
export function messageIdAuthor(id: string): UserId | null {
  const dot = id.indexOf('.');
  if (dot < 1) return null;
  const author = id.slice(0, dot);
  const rest = id.slice(dot + 1);
  if (!isId(author) || !isId(rest)) return null;
  return author as UserId;
}

/** Doc names with a conversation's segments in numeric order (`conv:a`, `conv:a/2`, `conv:a/10`), else by string. */
export function compareDocNames(a: string, b: string): number {
  const pa = parseDocName(a);
  const pb = parseDocName(b);
  if (pa?.kind === 'conv' && pb?.kind === 'conv' && pa.conversationId === pb.conversationId) return pa.segment - pb.segment;
  const ka = pa?.kind === 'conv' ? `conv:${pa.conversationId}` : a;
  const kb = pb?.kind === 'conv' ? `conv:${pb.conversationId}` : b;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
