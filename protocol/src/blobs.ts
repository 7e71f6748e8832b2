/**
 * Blob ids, paths, mime types and the size limit (SPEC BLOB-1/2): the wire rules of attachments, shared by the
 * server's blob routes and trust rules and by client-core, so both sides accept exactly the same things.
 */
import { isId, type ConversationId } from './ids.js';

/** [ATTACH-1] The largest attachment, in bytes: the server's default `maxBlobBytes` (BLOB-1, 25 MiB). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** [TRUST-15] The longest voice message duration accepted: a day is beyond any recording. */
export const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/** [BLOB-1] The longest mime type accepted. */
export const MAX_MIME_LENGTH = 100;

/**
 * RFC 9110 media type: `type/subtype`, then optional `; name=value` parameters (a MediaRecorder's
 * `audio/webm;codecs=opus` is what a browser gives for a voice message). Tokens only: nothing that could break a
 * header line when the type is sent back.
 */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MIME = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);
const BLOB_ID = /^[0-9a-f]{64}$/;

/** Whether `value` is a mime type BLOB-1 accepts. */
export function isMimeType(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_MIME_LENGTH && MIME.test(value);
}

/** A blob id: the lowercase hex SHA-256 of its bytes. */
export function isBlobId(value: string): boolean {
  return BLOB_ID.test(value);
}

/** The BLOB-1/BLOB-2 path of a blob, relative to the server's base URL. */
export function blobPath(conversationId: ConversationId, blobId: string): string {
  return `/v1/conversations/${conversationId}/blobs/${blobId}`;
}

/**
 * The conversation and blob a url names, or null. Only the exact relative path is accepted: the url comes from a
 * message any member wrote, and fetching it sends this device's bearer token, which must never go to another host.
 */
export function parseBlobUrl(url: string): { conversationId: ConversationId; blobId: string } | null {
  const m = /^\/v1\/conversations\/([^/]+)\/blobs\/([^/]+)$/.exec(url);
  if (m === null) return null;
  const [, conv = '', blob = ''] = m;
  if (!isId(conv) || !isBlobId(blob)) return null;
  return { conversationId: conv as ConversationId, blobId: blob };
}
