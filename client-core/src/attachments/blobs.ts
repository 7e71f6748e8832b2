/**
 * Blob ids, urls and the checks on what an app attaches (SPEC BLOB-1, ATTACH-1). A blob's id is the lowercase hex
 * SHA-256 of its bytes, so the url is known before any upload and the message can be written at once, offline.
 */
import { digest } from 'lib0/hash/sha256';
import { toHexString } from 'lib0/buffer';
import { ClientErrorCode, InvalidInputError } from '../errors.js';
import { MAX_ATTACHMENT_BYTES, MAX_DURATION_MS, isMimeType, MAX_MESSAGE_LENGTH } from '@concord/protocol';

export { MAX_ATTACHMENT_BYTES, blobPath, isBlobId, isMimeType, parseBlobUrl } from '@concord/protocol';

export const ATTACHMENT_TYPES = ['image', 'file', 'voice'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** What the app tells `sendAttachment` about the bytes. */
export interface AttachmentInput {
  readonly type: AttachmentType;
  /** Shown as the message body too (file name, or a label such as "Voice message"). */
  readonly name: string;
  /** `type/subtype`, sent as the upload's Content-Type (BLOB-1). */
  readonly mime: string;
  /** Voice messages: the duration in milliseconds. */
  readonly durationMs?: number;
}

/** Lowercase hex SHA-256 of the bytes. */
export function blobIdOf(bytes: Uint8Array): string {
  return toHexString(digest(bytes));
}

/**
 * Refuse what the server would refuse later (SCHEMA-CONV-2, TRUST-1/9, BLOB-1), before anything is stored:
 * a message the server rejects, or an upload it refuses, would only surface after the user moved on.
 */
export function checkAttachment(bytes: Uint8Array, meta: AttachmentInput): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'attachment bytes must be a Uint8Array');
  checkAttachmentSize(bytes.byteLength);
  checkAttachmentMeta(meta);
}

/** The size rules alone, for a source whose bytes are read later (ATTACH-3). */
export function checkAttachmentSize(size: number): void {
  if (!Number.isInteger(size) || size < 0) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'attachment size must be a whole number');
  if (size === 0) throw new InvalidInputError(ClientErrorCode.EmptyAttachment, 'an attachment needs some bytes');
  if (size > MAX_ATTACHMENT_BYTES) {
    throw new InvalidInputError(ClientErrorCode.AttachmentTooBig, `an attachment is at most ${MAX_ATTACHMENT_BYTES} bytes`);
  }
}

export function checkAttachmentMeta(meta: AttachmentInput): void {
  if (typeof meta !== 'object' || meta === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'attachment meta missing');
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(meta.type)) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, `attachment type must be one of ${ATTACHMENT_TYPES.join(', ')}`);
  }
  // The name is the message body, so it obeys the body's limit (TRUST-9).
  if (typeof meta.name !== 'string' || meta.name.trim().length === 0 || meta.name.length > MAX_MESSAGE_LENGTH) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, `attachment name must be 1 to ${MAX_MESSAGE_LENGTH} characters`);
  }
  if (!isMimeType(meta.mime)) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'attachment mime must be type/subtype (parameters allowed), at most 100 characters');
  }
  // Non-finite numbers are not plain JSON: the server would refuse the whole update (TRUST-5).
  if (meta.durationMs !== undefined && (typeof meta.durationMs !== 'number' || !(meta.durationMs >= 0) || meta.durationMs > MAX_DURATION_MS)) {
    throw new InvalidInputError(ClientErrorCode.InvalidArgument, `attachment durationMs must be a number from 0 to ${MAX_DURATION_MS}`);
  }
}
