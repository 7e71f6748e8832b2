/*
 * VIEW-10 (WEB-ATTACH-1, HAPP-ATTACH-1): how picked files are sent and how attachments are fetched, as pure
 * functions: the message type a file is sent as, the mime type given to the server, why a file cannot be sent,
 * which fetch failures are worth retrying, and a picker URI's file name and image type.
 */
import { MAX_ATTACHMENT_BYTES } from '../attachments/blobs.js';
import { formatSize } from './text.js';

/**
 * BLOB-1 accepts `type/subtype` of at most 100 characters. Browsers report `''` for unknown extensions and may
 * report parameters (`text/plain;charset=utf-8`) or odd vendor strings, so anything else is sent as opaque bytes
 * rather than have the upload refused.
 */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
export const FALLBACK_MIME = 'application/octet-stream';

export function normalizeMime(raw: string): string {
  const mime = (raw.split(';')[0] ?? '').trim().toLowerCase();
  return mime.length <= 100 && MIME.test(mime) ? mime : FALLBACK_MIME;
}

/** A picked file is sent as an `image` (shown inline) when its mime type is `image/*`, else as a `file`. */
export function attachmentKindFor(mime: string): 'image' | 'file' {
  return normalizeMime(mime).startsWith('image/') ? 'image' : 'file';
}

/**
 * Why a picked file cannot be sent, or null: checked on the file's size before it is read, so a huge file is never
 * loaded into memory only to be refused (ATTACH-1's limit, the server's default `maxBlobBytes`).
 */
export function attachmentProblem(name: string, size: number, max: number = MAX_ATTACHMENT_BYTES): string | null {
  if (size <= 0) return `“${name}” is empty.`;
  if (size > max) return `“${name}” is too big (${formatSize(size)}; the limit is ${formatSize(max)}).`;
  return null;
}

/**
 * What a failed `attachmentBytes` means for the bubble: `waiting` while the sender's device has not uploaded the
 * bytes yet (ATTACH-2's `attachment_unavailable`), `offline` when the server could not be reached (both retried),
 * else `error` (shown, not retried: another try would fail the same way).
 */
export type FetchFailure = 'waiting' | 'offline' | 'error';

export function classifyFetchError(err: unknown): FetchFailure {
  if (typeof err !== 'object' || err === null) return 'error';
  const e = err as { code?: unknown; status?: unknown };
  if (e.code === 'attachment_unavailable') return 'waiting';
  if (e.status === 0 || e.code === 'network') return 'offline';
  return 'error';
}

/** Retry delays while waiting: 3 s, growing by half each time up to 30 s, so many waiting bubbles stay cheap. */
export const RETRY_FIRST_MS = 3_000;
export const RETRY_MAX_MS = 30_000;

export function retryDelay(attempt: number): number {
  return Math.min(RETRY_MAX_MS, Math.round(RETRY_FIRST_MS * 1.5 ** Math.max(0, attempt)));
}

/**
 * The file name in a picker URI (`file://media/Photo/12/IMG_1700000000_011/IMG_20261204_101500.jpg` names the
 * photo `IMG_20261204_101500.jpg`): its last path segment, percent-decoded when that is valid; `fallback` when empty.
 */
export function fileNameOfUri(uri: string, fallback: string): string {
  let end = uri.length;
  const q = uri.indexOf('?');
  if (q >= 0) end = q;
  const h = uri.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const path = uri.substring(0, end);
  const last = path.substring(path.lastIndexOf('/') + 1);
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch (e) {
    name = last;
  }
  return name.trim().length > 0 ? name.trim() : fallback;
}

const IMAGE_TYPES: string[] = ['png', 'image/png', 'gif', 'image/gif', 'webp', 'image/webp', 'bmp', 'image/bmp', 'heic', 'image/heic', 'heif', 'image/heif', 'svg', 'image/svg+xml'];

/** An image's mime type from its file name's extension; `image/jpeg` (what cameras write) when unknown. */
export function imageMimeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.substring(dot + 1).toLowerCase();
  for (let i = 0; i < IMAGE_TYPES.length; i += 2) if (IMAGE_TYPES[i] === ext) return IMAGE_TYPES[i + 1] ?? FALLBACK_MIME;
  return 'image/jpeg';
}
