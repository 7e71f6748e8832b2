/**
 * WEB-ATTACH-1: how attachments are sent and shown, as pure functions: the message type a picked file is sent as,
 * the mime type given to the server, human file sizes, list previews and which fetch failures are worth retrying.
 */

import { MAX_ATTACHMENT_BYTES } from '@concord/client-core';

export type AttachmentKind = 'image' | 'file' | 'voice';

/** Only what the preview needs: client-core's `LastMessage`, with `type` / `attachment` when it carries them. */
export interface PreviewMessage {
  readonly body: string;
  readonly type?: string;
  readonly attachment?: { readonly name: string; readonly durationMs?: number };
}

/**
 * BLOB-1 accepts `type/subtype` of at most 100 characters. Browsers report `''` for unknown extensions and may
 * report parameters (`text/plain;charset=utf-8`) or odd vendor strings, so anything else is sent as opaque bytes
 * rather than have the upload refused.
 */
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
export const FALLBACK_MIME = 'application/octet-stream';

export function normalizeMime(raw: string): string {
  const mime = raw.split(';')[0]!.trim().toLowerCase();
  return mime.length <= 100 && MIME.test(mime) ? mime : FALLBACK_MIME;
}

/** A picked file is sent as an `image` (shown inline) when its mime type is `image/*`, else as a `file`. */
export function attachmentKindFor(mime: string): 'image' | 'file' {
  return normalizeMime(mime).startsWith('image/') ? 'image' : 'file';
}

/**
 * The largest attachment sent is client-core's (ATTACH-1, the server's default `maxBlobBytes`), checked here on the
 * file's size before it is read, so a huge file is never loaded into memory only to be refused.
 */
export { MAX_ATTACHMENT_BYTES };

/** Why a picked file cannot be sent, or null. */
export function attachmentProblem(name: string, size: number, max = MAX_ATTACHMENT_BYTES): string | null {
  if (size <= 0) return `“${name}” is empty.`;
  if (size > max) return `“${name}” is too big (${formatSize(size)}; the limit is ${formatSize(max)}).`;
  return null;
}

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** `512 B`, `12.3 KB`, `1.5 MB`, `300 MB` (1 KB = 1024 bytes; one decimal under 100). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Rounded first, so 1,048,575 bytes reads `1.0 MB`, not `1024 KB`.
  while (round(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 99.95 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

function round(value: number): number {
  return value < 99.95 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** `0:07`, `1:05`, `1:02:03` for a voice message's duration. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = s < 10 ? `0${s}` : String(s);
  if (h > 0) return `${h}:${m < 10 ? `0${m}` : m}:${ss}`;
  return `${m}:${ss}`;
}

/** The list preview of a message: its text, or for an attachment `[Image] name`, `[File] name`, `[Voice]`. */
export function previewText(m: PreviewMessage): string {
  const name = m.attachment?.name.replace(/\s+/g, ' ').trim() ?? '';
  switch (m.type) {
    case 'image':
      return name === '' ? '[Image]' : `[Image] ${name}`;
    case 'file':
      return name === '' ? '[File]' : `[File] ${name}`;
    case 'voice':
      return '[Voice]';
    default:
      return m.body.replace(/\s+/g, ' ');
  }
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
