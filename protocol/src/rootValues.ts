/**
 * Shapes and bounds of the JSON values clients may write in each client-writable root (SPEC SCHEMA-*, TRUST-1/3/4/7,
 * TRUST-15), declared with their roots in roots.ts. Every check is total: it returns a reason string for a refusal
 * or null, and never throws for any input. The server refuses an update whose value has a problem (trust/rules.ts).
 */
import { mentionsProblem } from './actions.js';
import { MAX_ATTACHMENT_BYTES, MAX_DURATION_MS, isMimeType, parseBlobUrl } from './blobs.js';
import { parseMessageEntry, type MessageEntry } from './conv.js';
import { isHlc } from './hlc.js';
import { isId } from './ids.js';

/** [TRUST-15] A receipt's state vector, base64: 10 bytes per client id covers thousands of sessions' ids. */
export const MAX_VECTOR_CHARS = 32 * 1024;
const MESSAGE_KEYS = ['id', 'author', 'hlc', 'type', 'body', 'replyTo', 'attachment', 'mentions'];
const ATTACHMENT_KEYS = ['url', 'name', 'mime', 'size', 'durationMs'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(v: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(v).every((k) => allowed.includes(k));
}

/** [TRUST-1] A message entry as SCHEMA-CONV-* describes it, under its own key. */
export function messageProblem(key: string, value: unknown, maxLength: number): string | null {
  const entry: MessageEntry | null = parseMessageEntry(key, value);
  if (entry === null) return 'not a well-formed message entry for its key';
  if (entry.body.length > maxLength) return `body of ${entry.body.length} exceeds ${maxLength}`;
  // [TRUST-15] nothing rides along: only the schema's fields, each bounded.
  if (!onlyKeys(value as Record<string, unknown>, MESSAGE_KEYS)) return 'unknown field in a message entry';
  if (entry.replyTo !== undefined && entry.replyTo.length > 200) return 'replyTo is not a message id';
  if (entry.mentions !== undefined) {
    const m = mentionsProblem(entry.mentions);
    if (m !== null) return m;
  }
  const a: unknown = (value as Record<string, unknown>)['attachment'];
  if (a !== undefined) {
    if (entry.type === 'text') return 'a text message carries no attachment';
    const problem = attachmentProblem(a, maxLength);
    if (problem !== null) return problem;
  }
  return null;
}

function attachmentProblem(value: unknown, maxLength: number): string | null {
  if (!isRecord(value) || !onlyKeys(value, ATTACHMENT_KEYS)) return 'an attachment is {url, name, mime, size, durationMs?}';
  if (typeof value['url'] !== 'string' || parseBlobUrl(value['url']) === null) return 'attachment url is not a blob path';
  if (typeof value['name'] !== 'string' || value['name'].length > maxLength) return 'attachment name is not a string within the limit';
  if (!isMimeType(value['mime'])) return 'attachment mime is not a mime type';
  const size = value['size'];
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_ATTACHMENT_BYTES) return 'attachment size out of range';
  const d = value['durationMs'];
  if (d !== undefined && (typeof d !== 'number' || !(d >= 0) || d > MAX_DURATION_MS)) return 'attachment durationMs out of range';
  return null;
}

/** [TRUST-3] `{hlc, body?, deleted?}`. */
export function editProblem(value: unknown, maxLength: number): string | null {
  if (!isRecord(value) || !onlyKeys(value, ['hlc', 'body', 'deleted'])) return 'an edit is {hlc, body?, deleted?}';
  if (!isHlc(value['hlc'])) return 'edit without a valid hlc';
  const body = value['body'];
  if (body !== undefined && (typeof body !== 'string' || body.length > maxLength)) return 'edit body is not a string within the limit';
  if (value['deleted'] !== undefined && typeof value['deleted'] !== 'boolean') return 'edit deleted flag is not a boolean';
  return null;
}

/** [TRUST-4] `{dsv?, rsv?, rhlc?}`: base64 state vectors and an HLC. */
export function receiptProblem(value: unknown): string | null {
  if (!isRecord(value) || !onlyKeys(value, ['dsv', 'rsv', 'rhlc'])) return 'a receipt is {dsv?, rsv?, rhlc?}';
  for (const k of ['dsv', 'rsv'] as const) {
    const v = value[k];
    if (v !== undefined && (typeof v !== 'string' || v.length > MAX_VECTOR_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))) {
      return `receipt ${k} is not base64 of at most ${MAX_VECTOR_CHARS} characters`;
    }
  }
  if (value['rhlc'] !== undefined && !isHlc(value['rhlc'])) return 'receipt rhlc is not an hlc';
  return null;
}

/**
 * [TRUST-7] `prefs`: `pin:<conv>` -> ms (0 = unpinned), `mute:<conv>` -> boolean, `clear:<conv>` -> ms (CLEAR-1: the
 * conversation was deleted for this account up to that time; 0 = never).
 */
export function prefProblem(key: string, value: unknown): string | null {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (colon < 0 || !isId(key.slice(colon + 1))) return 'pref key is not pin:<id>, mute:<id> or clear:<id>';
  if (kind === 'pin' || kind === 'clear') return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? null : 'pin is not a time';
  if (kind === 'mute') return typeof value === 'boolean' ? null : 'mute is not a boolean';
  return 'pref key is not pin:<id>, mute:<id> or clear:<id>';
}

/** [TRUST-7] `drafts`: conversationId -> string. */
export function draftProblem(key: string, value: unknown, maxLength: number): string | null {
  if (!isId(key)) return 'draft key is not a conversation id';
  return typeof value === 'string' && value.length <= maxLength ? null : 'draft is not a string within the limit';
}
